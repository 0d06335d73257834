// Each cataloger against a fixture with an exact expected package list. The Debian one is a snapshot
// of a real /var/lib/dpkg/status, checked against what dpkg-query itself lists for the same file.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { apkCataloger } from '../../src/sbom/catalogers/apk.js';
import { dpkgCataloger, parseDpkgStatus } from '../../src/sbom/catalogers/dpkg.js';
import { decodeBuildInfo, goCataloger, parseModInfo } from '../../src/sbom/catalogers/golang.js';
import { catalogJar, javaCataloger } from '../../src/sbom/catalogers/java.js';
import { npmCataloger } from '../../src/sbom/catalogers/npm.js';
import { parseOsRelease } from '../../src/sbom/catalogers/os-release.js';
import { pythonCataloger } from '../../src/sbom/catalogers/python.js';
import { parseRpmHeader, parseRpmdbSqlite, rpmCataloger, RpmTag, RpmType } from '../../src/sbom/catalogers/rpm.js';
import { makePurl } from '../../src/sbom/purl.js';
import { fakeGoBinary, makeZip, rpmdbSqlite, rpmHeaderBlob } from './sbom-fixtures.js';

const DPKG_DIR = fileURLToPath(new URL('../fixtures/sbom/dpkg/', import.meta.url));

const nv = (ps: { name: string; version: string }[]): string[] => ps.map((p) => `${p.name}\t${p.version}`).sort();

describe('dpkg', () => {
  it('lists exactly the packages and versions dpkg-query lists for the committed status snapshot', () => {
    const expected = execFileSync('dpkg-query', [`--admindir=${DPKG_DIR}`, '-W', '-f', '${Package}\t${Version}\n'], { encoding: 'utf8' })
      .split('\n').filter(Boolean).sort();
    expect(expected.length).toBeGreaterThan(50);
    const got = dpkgCataloger.parse('var/lib/dpkg/status', readFileSync(`${DPKG_DIR}status`));
    expect(nv(got)).toEqual(expected);
  });

  it('skips not-installed entries as dpkg-query does, keeps config-files ones, reads arch', () => {
    const text = [
      'Package: gone\nStatus: purge ok not-installed\nVersion: 1.0\nArchitecture: amd64\n',
      'Package: leftover\nStatus: deinstall ok config-files\nVersion: 2.0\nArchitecture: amd64\n',
      'Package: libc6\nStatus: install ok installed\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\nDescription: GNU C Library\n more text\n',
    ].join('\n');
    expect(parseDpkgStatus(text)).toEqual([
      { type: 'deb', name: 'leftover', version: '2.0', licenses: [], arch: 'amd64' },
      { type: 'deb', name: 'libc6', version: '2.36-9+deb12u4', licenses: [], arch: 'amd64' },
    ]);
  });

  it('matches distroless status.d files but not their md5sums', () => {
    expect(dpkgCataloger.matches('var/lib/dpkg/status.d/base-files')).toBe(true);
    expect(dpkgCataloger.matches('var/lib/dpkg/status.d/base-files.md5sums')).toBe(false);
    expect(dpkgCataloger.matches('var/lib/dpkg/status')).toBe(true);
    expect(dpkgCataloger.matches('var/lib/dpkg/status-old')).toBe(false);
  });
});

describe('apk', () => {
  it('reads lib/apk/db/installed', () => {
    const db = 'P:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\n\nP:busybox\nV:1.36.1-r15\nA:x86_64\nL:GPL-2.0-only\nF:bin\n\n';
    expect(apkCataloger.matches('lib/apk/db/installed')).toBe(true);
    expect(apkCataloger.parse('lib/apk/db/installed', Buffer.from(db))).toEqual([
      { type: 'apk', name: 'musl', version: '1.2.4-r2', licenses: ['MIT'], arch: 'x86_64' },
      { type: 'apk', name: 'busybox', version: '1.36.1-r15', licenses: ['GPL-2.0-only'], arch: 'x86_64' },
    ]);
  });
});

describe('npm', () => {
  it('takes package.json at the top of each node_modules package, scoped or not', () => {
    expect(npmCataloger.matches('app/node_modules/lodash/package.json')).toBe(true);
    expect(npmCataloger.matches('app/node_modules/@types/node/package.json')).toBe(true);
    expect(npmCataloger.matches('app/node_modules/a/node_modules/b/package.json')).toBe(true);
    expect(npmCataloger.matches('app/node_modules/lodash/fp/package.json')).toBe(false);
    expect(npmCataloger.matches('app/package.json')).toBe(false);
    expect(npmCataloger.parse('x', Buffer.from('{"name":"@types/node","version":"20.1.0","license":"MIT"}'))).toEqual([
      { type: 'npm', name: '@types/node', version: '20.1.0', licenses: ['MIT'] },
    ]);
    expect(npmCataloger.parse('x', Buffer.from('{"name":"old","version":"0.1.0","licenses":[{"type":"BSD"},{"type":"MIT"}]}'))).toEqual([
      { type: 'npm', name: 'old', version: '0.1.0', licenses: ['BSD', 'MIT'] },
    ]);
    expect(npmCataloger.parse('x', Buffer.from('{"private":true}'))).toEqual([]);
    expect(npmCataloger.parse('x', Buffer.from('not json'))).toEqual([]);
  });
});

describe('python', () => {
  it('reads METADATA and PKG-INFO headers, not the description body', () => {
    expect(pythonCataloger.matches('usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA')).toBe(true);
    expect(pythonCataloger.matches('usr/lib/python3/site-packages/six.egg-info/PKG-INFO')).toBe(true);
    expect(pythonCataloger.matches('usr/lib/python3/site-packages/six.egg-info/SOURCES.txt')).toBe(false);
    const meta = 'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nLicense: Apache 2.0\n\nName: not-this\n';
    expect(pythonCataloger.parse('x', Buffer.from(meta))).toEqual([{ type: 'pypi', name: 'requests', version: '2.31.0', licenses: ['Apache 2.0'] }]);
    const pkgInfo = 'Metadata-Version: 2.4\nName: Six_Pack\nVersion: 1.16.0\nLicense-Expression: MIT\nClassifier: License :: OSI Approved :: MIT License\n';
    expect(pythonCataloger.parse('x', Buffer.from(pkgInfo))).toEqual([{ type: 'pypi', name: 'Six_Pack', version: '1.16.0', licenses: ['MIT'] }]);
    const classifiers = 'Name: attrs\nVersion: 23.1.0\nLicense: UNKNOWN\nClassifier: License :: OSI Approved :: MIT License\nClassifier: Programming Language :: Python\n';
    expect(pythonCataloger.parse('x', Buffer.from(classifiers))).toEqual([{ type: 'pypi', name: 'attrs', version: '23.1.0', licenses: ['MIT License'] }]);
  });
});

describe('rpm (sqlite rpmdb)', () => {
  const pkgs = [
    { name: 'bash', version: '5.2.15', release: '3.fc39', arch: 'x86_64', license: 'GPL-3.0-or-later' },
    { name: 'openssl-libs', version: '3.1.1', release: '4.fc39', arch: 'x86_64', license: 'Apache-2.0', epoch: 1 },
    { name: 'gpg-pubkey', version: '18b8e74c', release: '62f2920f', license: 'pubkey' },
    { name: 'tzdata', version: '2023c', release: '2.fc39', arch: 'noarch', license: 'Public Domain' },
  ];
  const rpmdb = (): Buffer => rpmdbSqlite(pkgs);

  it('parses RPM headers from the Packages table (epoch, release, arch, license), without gpg-pubkey', () => {
    expect(rpmCataloger.matches('var/lib/rpm/rpmdb.sqlite')).toBe(true);
    expect(rpmCataloger.matches('usr/lib/sysimage/rpm/rpmdb.sqlite')).toBe(true);
    expect(parseRpmdbSqlite(rpmdb())).toEqual([
      { type: 'rpm', name: 'bash', version: '5.2.15-3.fc39', licenses: ['GPL-3.0-or-later'], arch: 'x86_64' },
      { type: 'rpm', name: 'openssl-libs', version: '1:3.1.1-4.fc39', licenses: ['Apache-2.0'], arch: 'x86_64', epoch: '1' },
      { type: 'rpm', name: 'tzdata', version: '2023c-2.fc39', licenses: ['Public Domain'], arch: 'noarch' },
    ]);
    expect(makePurl({ type: 'rpm', name: 'openssl-libs', version: '1:3.1.1-4.fc39', arch: 'x86_64', epoch: '1' }, { id: 'fedora', versionId: '39' }))
      .toBe('pkg:rpm/fedora/openssl-libs@3.1.1-4.fc39?arch=x86_64&distro=fedora-39&epoch=1');
  });

  it('rejects a header whose sizes run past the blob', () => {
    const b = rpmHeaderBlob([{ tag: RpmTag.name, type: RpmType.string, value: 'x' }]);
    b.writeUInt32BE(9999, 4);
    expect(() => parseRpmHeader(b)).toThrow();
  });
});

describe('go binaries', () => {
  const modInfo = [
    'path\texample.com/cmd/server',
    'mod\texample.com\tv1.4.0\th1:abc=',
    'dep\tgithub.com/google/uuid\tv1.6.0\th1:def=',
    'dep\tgolang.org/x/net\tv0.20.0\th1:ghi=',
    '=>\tgithub.com/fork/net\tv0.20.1\th1:jkl=',
    'dep\tgithub.com/local/thing\tv0.0.0',
    '=>\t../thing\t',
    'build\t-compiler=gc',
    'build\tGOOS=linux',
    '',
  ].join('\n');
  const expected = [
    { type: 'golang', name: 'example.com', version: 'v1.4.0', licenses: [] },
    { type: 'golang', name: 'github.com/google/uuid', version: 'v1.6.0', licenses: [] },
    { type: 'golang', name: 'github.com/fork/net', version: 'v0.20.1', licenses: [] },
    { type: 'golang', name: 'github.com/local/thing', version: 'v0.0.0', licenses: [] },
  ];

  it('decodes the Go 1.18+ inline build info', () => {
    const bin = fakeGoBinary('go1.22.1', modInfo, 64);
    const info = decodeBuildInfo(bin.subarray(bin.indexOf('\xff Go buildinf:', 0, 'latin1')));
    expect(info).toEqual({ goVersion: 'go1.22.1', modInfo });
    expect(parseModInfo(info!.modInfo)).toEqual(expected);
  });

  it('finds the build info while the file streams by, in any chunking, and skips a (devel) main module', () => {
    const bin = fakeGoBinary('go1.21.0', modInfo.replace('v1.4.0', '(devel)'), 10_000);
    for (const size of [1, 7, 4096, bin.length]) {
      const s = goCataloger.start('usr/bin/server');
      for (let i = 0; i < bin.length; i += size) if (!s.push(bin.subarray(i, i + size))) break;
      expect(s.finish()).toEqual(expected.slice(1));
    }
  });

  it('gives up on a file that is not ELF after its first bytes', () => {
    const s = goCataloger.start('x');
    expect(s.push(Buffer.from('#!/bin/sh\n'))).toBe(false);
    expect(s.finish()).toEqual([]);
  });
});

describe('java archives', () => {
  const props = (g: string, a: string, v: string) => `#Generated by Maven\ngroupId=${g}\nartifactId=${a}\nversion=${v}\n`;
  it('reads pom.properties in a jar and in jars nested in it', () => {
    const inner = makeZip([
      { name: 'META-INF/MANIFEST.MF', body: 'Manifest-Version: 1.0\n' },
      { name: 'META-INF/maven/com.google.guava/guava/pom.properties', body: props('com.google.guava', 'guava', '33.0.0-jre') },
    ]);
    const outer = makeZip([
      { name: 'META-INF/maven/com.example/app/pom.properties', body: props('com.example', 'app', '1.2.3') },
      { name: 'META-INF/maven/com.example/app/pom.xml', body: '<project/>' },
      { name: 'BOOT-INF/lib/guava-33.0.0-jre.jar', body: inner, store: true },
      { name: 'com/example/App.class', body: Buffer.alloc(100) },
    ]);
    expect(javaCataloger.matches('app/app.jar')).toBe(true);
    expect(javaCataloger.matches('app/app.txt')).toBe(false);
    expect(catalogJar(outer, 'app/app.jar')).toEqual([
      { type: 'maven', name: 'app', namespace: 'com.example', version: '1.2.3', licenses: [], location: 'app/app.jar!/META-INF/maven/com.example/app/pom.properties' },
      {
        type: 'maven', name: 'guava', namespace: 'com.google.guava', version: '33.0.0-jre', licenses: [],
        location: 'app/app.jar!/BOOT-INF/lib/guava-33.0.0-jre.jar!/META-INF/maven/com.google.guava/guava/pom.properties',
      },
    ]);
    expect(makePurl({ type: 'maven', name: 'guava', namespace: 'com.google.guava', version: '33.0.0-jre' }, undefined))
      .toBe('pkg:maven/com.google.guava/guava@33.0.0-jre');
  });

  it('ignores a file that is not a zip', () => {
    expect(catalogJar(Buffer.from('nope'), 'x.jar')).toEqual([]);
  });
});

describe('os-release and purls', () => {
  it('parses os-release', () => {
    expect(parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n'))
      .toEqual({ id: 'debian', versionId: '12', name: 'Debian GNU/Linux', prettyName: 'Debian GNU/Linux 12 (bookworm)' });
    expect(parseOsRelease('NAME=x\n')).toBeUndefined();
  });

  it('builds purls per type', () => {
    const deb12 = { id: 'debian', versionId: '12' };
    expect(makePurl({ type: 'deb', name: 'libc6', version: '2.36-9+deb12u4', arch: 'amd64' }, deb12))
      .toBe('pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12');
    expect(makePurl({ type: 'deb', name: 'bash', version: '5.2.15-2+b2', arch: 'amd64' }, { id: 'ubuntu', versionId: '24.04' }))
      .toBe('pkg:deb/ubuntu/bash@5.2.15-2%2Bb2?arch=amd64&distro=ubuntu-24.04');
    expect(makePurl({ type: 'apk', name: 'musl', version: '1.2.4-r2', arch: 'x86_64' }, { id: 'alpine', versionId: '3.19.1' }))
      .toBe('pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1');
    expect(makePurl({ type: 'npm', name: '@types/node', version: '20.1.0' }, undefined)).toBe('pkg:npm/%40types/node@20.1.0');
    expect(makePurl({ type: 'pypi', name: 'Six_Pack', version: '1.16.0' }, undefined)).toBe('pkg:pypi/six-pack@1.16.0');
    expect(makePurl({ type: 'golang', name: 'github.com/google/uuid', version: 'v1.6.0' }, undefined)).toBe('pkg:golang/github.com/google/uuid@v1.6.0');
  });
});
