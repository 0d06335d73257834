// The layer walker over whole images: every ecosystem in one image with an exact package list,
// whiteouts and opaque directories across layers, gzip/zstd/plain layers, and the three local
// inputs (OCI layout directory, OCI layout tar, docker save tar).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLocalImage, scanLayers, scanLocalImage, type LayerSource } from '../../src/sbom/index.js';
import { expectHarborError } from './helpers.js';
import { dockerSaveTar, fakeGoBinary, filesToTar, makeTar, makeZip, ociLayoutFiles, sha256, writeDir, type TarFile } from './sbom-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'sbom-walker-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function layer(files: TarFile[], name?: string): LayerSource {
  const tar = makeTar(files);
  return { digest: name ?? sha256(tar), open: async function* () { yield tar; } };
}

const DEB_OS = { path: 'etc/os-release', body: 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' };
const status = (...pkgs: [string, string][]) =>
  pkgs.map(([n, v]) => `Package: ${n}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${v}\n`).join('\n');

const summary = (ps: { purl: string; layer: string; location: string }[]) => ps.map((p) => `${p.purl} ${p.layer} ${p.location}`);

describe('scanLayers', () => {
  it('finds every ecosystem in one image, with purls, licenses and the layer each came from', async () => {
    const base = layer([
      { path: 'usr/lib/os-release', body: 'ID=debian\nVERSION_ID=12\n' },
      { path: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
      { path: 'var/lib/dpkg/status', body: status(['base-files', '12.4+deb12u5'], ['libc6', '2.36-9+deb12u4']) },
    ], 'sha256:base');
    const go = fakeGoBinary('go1.22.0', 'path\tex.com/srv\nmod\tex.com/srv\t(devel)\t\ndep\tgithub.com/google/uuid\tv1.6.0\th1:x=\n');
    const jar = makeZip([{ name: 'META-INF/maven/org.slf4j/slf4j-api/pom.properties', body: 'groupId=org.slf4j\nartifactId=slf4j-api\nversion=2.0.9\n' }]);
    const app = layer([
      { path: 'app/node_modules/left-pad/package.json', body: '{"name":"left-pad","version":"1.3.0","license":"WTFPL"}' },
      { path: 'app/node_modules/@scope/util/package.json', body: '{"name":"@scope/util","version":"0.1.0"}' },
      { path: 'app/node_modules/left-pad/lib/package.json', body: '{"name":"not-a-package","version":"9.9.9"}' },
      { path: 'usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA', body: 'Name: requests\nVersion: 2.31.0\nLicense: Apache-2.0\n' },
      { path: 'usr/lib/python3/dist-packages/six.egg-info/PKG-INFO', body: 'Name: six\nVersion: 1.16.0\n' },
      { path: 'usr/local/bin/srv', body: go, mode: 0o755 },
      { path: 'opt/lib/slf4j-api-2.0.9.jar', body: jar },
    ], 'sha256:app');
    const inv = await scanLayers([base, app], { name: 'example:1' });
    expect(inv.os).toEqual({ id: 'debian', versionId: '12' });
    expect(summary(inv.packages)).toEqual([
      'pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64&distro=debian-12 sha256:base var/lib/dpkg/status',
      'pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12 sha256:base var/lib/dpkg/status',
      'pkg:golang/github.com/google/uuid@v1.6.0 sha256:app usr/local/bin/srv',
      'pkg:maven/org.slf4j/slf4j-api@2.0.9 sha256:app opt/lib/slf4j-api-2.0.9.jar!/META-INF/maven/org.slf4j/slf4j-api/pom.properties',
      'pkg:npm/%40scope/util@0.1.0 sha256:app app/node_modules/@scope/util/package.json',
      'pkg:npm/left-pad@1.3.0 sha256:app app/node_modules/left-pad/package.json',
      'pkg:pypi/requests@2.31.0 sha256:app usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA',
      'pkg:pypi/six@1.16.0 sha256:app usr/lib/python3/dist-packages/six.egg-info/PKG-INFO',
    ]);
    expect(inv.packages.find((p) => p.name === 'left-pad')?.licenses).toEqual(['WTFPL']);
    expect(inv.layers).toEqual(['sha256:base', 'sha256:app']);
  });

  it('applies whiteouts: a package deleted in a later layer is absent', async () => {
    const l1 = layer([
      DEB_OS,
      { path: 'var/lib/dpkg/status', body: status(['curl', '7.88.1-10']) },
      { path: 'app/node_modules/left-pad/package.json', body: '{"name":"left-pad","version":"1.3.0"}' },
      { path: 'app/node_modules/lodash/package.json', body: '{"name":"lodash","version":"4.17.21"}' },
      { path: 'srv/site-packages/flask-3.0.0.dist-info/METADATA', body: 'Name: flask\nVersion: 3.0.0\n' },
    ], 'sha256:l1');
    const l2 = layer([
      // dpkg rewrote its status file without curl (apt-get remove).
      { path: 'var/lib/dpkg/status', body: status(['tzdata', '2024a-0+deb12u1']) },
      // rm -rf node_modules/left-pad
      { path: 'app/node_modules/.wh.left-pad', body: '' },
      // The whole site-packages replaced (opaque), with a new package in the same layer.
      { path: 'srv/site-packages/.wh..wh..opq', body: '' },
      { path: 'srv/site-packages/click-8.1.7.dist-info/METADATA', body: 'Name: click\nVersion: 8.1.7\n' },
    ], 'sha256:l2');
    const inv = await scanLayers([l1, l2], { name: 'x' });
    expect(inv.packages.map((p) => `${p.name}@${p.version} ${p.layer}`)).toEqual([
      'tzdata@2024a-0+deb12u1 sha256:l2',
      'lodash@4.17.21 sha256:l1',
      'click@8.1.7 sha256:l2',
    ]);
  });

  it('a whiteout or opaque marker does not hide what its own layer adds', async () => {
    const l1 = layer([{ path: 'a/node_modules/x/package.json', body: '{"name":"x","version":"1.0.0"}' }]);
    const l2 = layer([
      { path: 'a/node_modules/y/package.json', body: '{"name":"y","version":"2.0.0"}' },
      { path: 'a/node_modules/.wh..wh..opq', body: '' },
      { path: 'a/node_modules/x/package.json', body: '{"name":"x","version":"1.1.0"}' },
      { path: 'a/node_modules/.wh.x', body: '' },
    ]);
    const inv = await scanLayers([l1, l2], { name: 'x' });
    expect(inv.packages.map((p) => `${p.name}@${p.version}`)).toEqual(['x@1.1.0', 'y@2.0.0']);
  });

  it('a file replaced by a symlink or a directory whited out takes its packages with it', async () => {
    const l1 = layer([
      { path: 'lib/apk/db/installed', body: 'P:musl\nV:1.2.4-r2\n\n' },
      { path: 'opt/app/node_modules/z/package.json', body: '{"name":"z","version":"1.0.0"}' },
    ]);
    const l2 = layer([
      { path: 'lib/apk/db/installed', type: 'symlink', linkname: '/dev/null' },
      { path: 'opt/.wh.app', body: '' },
    ]);
    expect((await scanLayers([l1, l2], { name: 'x' })).packages).toEqual([]);
  });

  it('warns about a file over a cataloger\'s limit instead of buffering it', async () => {
    const l = layer([{ path: 'app/node_modules/huge/package.json', body: Buffer.alloc(5 * 1024 * 1024, 0x20) }]);
    const inv = await scanLayers([l], { name: 'x' });
    expect(inv.packages).toEqual([]);
    expect(inv.warnings).toHaveLength(1);
    expect(inv.warnings[0]).toMatch(/over the npm cataloger's limit/);
  });
});

describe('local images', () => {
  const zst = readFileSync(new URL('../fixtures/sbom/layers/alpine-apk.tar.zst', import.meta.url));
  const appTar = makeTar([{ path: 'usr/lib/node_modules/npm/package.json', body: '{"name":"npm","version":"10.2.4","license":"Artistic-2.0"}' }]);
  const removal = makeTar([{ path: 'lib/apk/db/installed', body: 'P:musl\nV:1.2.4_git20230717-r4\nA:x86_64\nL:MIT\n\n' }]);
  const expected = [
    'pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1',
    'pkg:npm/npm@10.2.4',
  ];

  it('reads an OCI image layout directory with zstd, gzip and plain layers', async () => {
    const built = ociLayoutFiles([{ tar: Buffer.alloc(0), compress: zst }, { tar: appTar, compress: 'gzip' }, { tar: removal, compress: 'none' }], 'alpine:3.19');
    const dir = writeDir(join(tmp, 'layout'), built.files);
    const inv = await scanLocalImage(dir);
    expect(inv.subject).toEqual({ name: 'alpine:3.19', digest: built.manifestDigest });
    expect(inv.packages.map((p) => p.purl)).toEqual(expected);
    expect(inv.packages.map((p) => p.layer)).toEqual([built.layerDigests[2], built.layerDigests[1]]);
    expect(inv.os?.id).toBe('alpine');
  });

  it('reads the same layout from a tar, in place', async () => {
    const built = ociLayoutFiles([{ tar: Buffer.alloc(0), compress: zst }, { tar: appTar, compress: 'gzip' }, { tar: removal, compress: 'none' }], 'alpine:3.19');
    const file = join(tmp, 'layout.tar');
    writeFileSync(file, filesToTar(built.files));
    expect((await scanLocalImage(file, 'alpine:3.19')).packages.map((p) => p.purl)).toEqual(expected);
    await expectHarborError(scanLocalImage(file, 'nope:1'), 'NOT_FOUND');
  });

  it('reads a docker save tar, naming layers by their diff ids', async () => {
    const l1 = makeTar([DEB_OS, { path: 'var/lib/dpkg/status', body: status(['bash', '5.2.15-2+b2']) }]);
    const file = join(tmp, 'save.tar');
    writeFileSync(file, dockerSaveTar([l1, appTar]));
    const img = await openLocalImage(file);
    expect(img.subject.name).toBe('example/app:1.0');
    expect(img.layers.map((l) => l.digest)).toEqual([sha256(l1), sha256(appTar)]);
    const inv = await scanLocalImage(file);
    expect(summary(inv.packages)).toEqual([
      `pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12 ${sha256(l1)} var/lib/dpkg/status`,
      `pkg:npm/npm@10.2.4 ${sha256(appTar)} usr/lib/node_modules/npm/package.json`,
    ]);
  });

  it('fails clearly on a missing path or something that is not an image', async () => {
    await expectHarborError(scanLocalImage(join(tmp, 'missing')), 'NOT_FOUND');
    const notImage = join(tmp, 'plain.tar');
    writeFileSync(notImage, makeTar([{ path: 'hello', body: 'x' }]));
    await expectHarborError(scanLocalImage(notImage), 'USAGE');
  });
});
