// SPDX 2.3 and CycloneDX 1.6 documents validate against JSON schemas under test/fixtures/sbom/schemas
// (CycloneDX's published one; for SPDX one written from the spec, see the README there), carry every package with its purl, and `sbom scan-local`
// writes them to stdout or a file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { toCycloneDx, toSpdx, type Inventory } from '../../src/sbom/index.js';
import { looksLikeSpdxExpression } from '../../src/sbom/licenses.js';
import { makeTar, ociLayoutFiles, writeDir } from './sbom-fixtures.js';

const SCHEMAS = new URL('../fixtures/sbom/schemas/', import.meta.url);
const schema = (p: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(p, SCHEMAS), 'utf8')) as Record<string, unknown>;

function validator(main: string, extra: string[] = []): ValidateFunction {
  // strict: false — the published schemas use keywords (e.g. "deprecated") and formats ajv is strict about.
  const ajv = new Ajv({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  // The bom schema refers to its neighbours relative to its $id (http://cyclonedx.org/schema/).
  for (const e of extra) ajv.addSchema(schema(e), `http://cyclonedx.org/schema/${e.split('/').pop()}`);
  return ajv.compile(schema(main));
}

const validateSpdx = validator('spdx-2.3/spdx-2.3-document.schema.json');
const validateCdx = validator('cyclonedx-1.6/bom-1.6.SNAPSHOT.schema.json', ['cyclonedx-1.6/spdx.SNAPSHOT.schema.json', 'cyclonedx-1.6/jsf-0.82.SNAPSHOT.schema.json']);

const tmp = mkdtempSync(join(tmpdir(), 'sbom-writers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const inv: Inventory = {
  subject: { name: 'registry.example/library/app:1.0', digest: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' },
  os: { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
  layers: ['sha256:aa'],
  warnings: [],
  packages: [
    { type: 'deb', name: 'libc6', version: '2.36-9+deb12u4', purl: 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12', licenses: [], layer: 'sha256:aa', location: 'var/lib/dpkg/status', arch: 'amd64' },
    { type: 'apk', name: 'ca-certificates', version: '1', purl: 'pkg:apk/alpine/ca-certificates@1', licenses: ['MPL-2.0 AND MIT'], layer: 'sha256:aa', location: 'lib/apk/db/installed' },
    { type: 'rpm', name: 'tzdata', version: '2023c-2', purl: 'pkg:rpm/fedora/tzdata@2023c-2', licenses: ['Public Domain'], layer: 'sha256:aa', location: 'var/lib/rpm/rpmdb.sqlite' },
    { type: 'npm', name: 'a', version: '1.0.0', purl: 'pkg:npm/a@1.0.0', licenses: ['MIT', 'ISC'], layer: 'sha256:aa', location: 'node_modules/a/package.json' },
    { type: 'npm', name: 'a', version: '1.0.0', purl: 'pkg:npm/a@1.0.0', licenses: ['MIT'], layer: 'sha256:aa', location: 'other/node_modules/a/package.json' },
    { type: 'maven', name: 'guava', namespace: 'com.google.guava', version: '33.0.0-jre', purl: 'pkg:maven/com.google.guava/guava@33.0.0-jre', licenses: [], layer: 'sha256:aa', location: 'app.jar!/META-INF/maven/com.google.guava/guava/pom.properties' },
  ],
};
const created = new Date('2026-01-02T03:04:05.678Z');

describe('SPDX 2.3', () => {
  const doc = toSpdx(inv, { created, toolVersion: '1.2.3' });
  it('validates against the SPDX 2.3 document schema (fields from the spec)', () => {
    expect(validateSpdx(doc), JSON.stringify(validateSpdx.errors, null, 1)).toBe(true);
    // The schema has teeth: a wrong version, a bad identifier or an unknown purpose is refused.
    expect(validateSpdx({ ...doc, spdxVersion: 'SPDX-2.2' })).toBe(false);
    const pkgs = doc.packages as Record<string, unknown>[];
    expect(validateSpdx({ ...doc, packages: [{ ...pkgs[0], SPDXID: 'Image' }] })).toBe(false);
    expect(validateSpdx({ ...doc, packages: [{ ...pkgs[0], primaryPackagePurpose: 'OPERATING-SYSTEM' }] })).toBe(false);
  });
  it('describes the image, which contains the OS and every package with its purl', () => {
    const pkgs = doc.packages as { SPDXID: string; name: string; licenseDeclared: string; externalRefs?: { referenceLocator: string }[] }[];
    expect(pkgs).toHaveLength(inv.packages.length + 2);
    expect(new Set(pkgs.map((p) => p.SPDXID)).size).toBe(pkgs.length);
    expect(pkgs.flatMap((p) => p.externalRefs ?? []).map((r) => r.referenceLocator)).toEqual(inv.packages.map((p) => p.purl));
    expect((doc.relationships as unknown[]).length).toBe(inv.packages.length + 2);
    expect(doc.creationInfo).toEqual({ created: '2026-01-02T03:04:05Z', creators: ['Tool: harborctl-1.2.3'] });
    const declared = Object.fromEntries(pkgs.map((p) => [p.name, p.licenseDeclared]));
    expect(declared['ca-certificates']).toBe('MPL-2.0 AND MIT');
    expect(declared.libc6).toBe('NOASSERTION');
    expect(declared.tzdata).toMatch(/^LicenseRef-/);
    expect(doc.hasExtractedLicensingInfos).toEqual([{ licenseId: declared.tzdata, extractedText: 'Public Domain', name: 'Public Domain' }]);
  });
  it('is the same document for the same scan', () => {
    expect(toSpdx(inv, { created, toolVersion: '1.2.3' })).toEqual(doc);
  });
  it('validates for an empty image too', () => {
    expect(validateSpdx(toSpdx({ subject: { name: 'scratch' }, packages: [], layers: [], warnings: [] }))).toBe(true);
  });
});

describe('CycloneDX 1.6', () => {
  const doc = toCycloneDx(inv, { created, toolVersion: '1.2.3' });
  it('validates against bom-1.6.schema.json', () => {
    expect(validateCdx(doc), JSON.stringify(validateCdx.errors, null, 1)).toBe(true);
  });
  it('lists the OS and every package with purl, licenses and layer', () => {
    const comps = doc.components as { type: string; 'bom-ref': string; purl?: string; group?: string; licenses?: unknown[]; properties?: { name: string; value: string }[] }[];
    expect(comps[0]!.type).toBe('operating-system');
    expect(comps.slice(1).map((c) => c.purl)).toEqual(inv.packages.map((p) => p.purl));
    expect(new Set(comps.map((c) => c['bom-ref'])).size).toBe(comps.length);
    expect(comps.find((c) => c.group === 'com.google.guava')).toBeDefined();
    expect(comps.find((c) => c.purl?.includes('tzdata'))?.licenses).toEqual([{ license: { name: 'Public Domain' } }]);
    expect(comps.find((c) => c.purl === 'pkg:npm/a@1.0.0')?.licenses).toEqual([{ expression: 'MIT AND ISC' }]);
    expect(comps[1]!.properties).toContainEqual({ name: 'harborctl:layer:digest', value: 'sha256:aa' });
  });
  it('validates for an empty image too', () => {
    expect(validateCdx(toCycloneDx({ subject: { name: 'scratch' }, packages: [], layers: [], warnings: [] }))).toBe(true);
  });
});

describe('licenses', () => {
  it('tells SPDX expressions from free text', () => {
    for (const s of ['MIT', 'GPL-2.0-or-later', 'MPL-2.0 AND MIT', '(MIT OR Apache-2.0) AND BSD-3-Clause', 'GPL-2.0-only WITH Classpath-exception-2.0', 'GPL-2.0+']) {
      expect(looksLikeSpdxExpression(s), s).toBe(true);
    }
    for (const s of ['Public Domain', 'GPL or Artistic', 'BSD-like (see COPYING)', '', 'MIT AND', 'Apache 2.0']) {
      expect(looksLikeSpdxExpression(s), s).toBe(false);
    }
  });
});

describe('sbom scan-local', () => {
  const built = ociLayoutFiles([{ tar: makeTar([
    { path: 'etc/os-release', body: 'ID=alpine\nVERSION_ID=3.19.1\n' },
    { path: 'lib/apk/db/installed', body: 'P:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\n\nP:zlib\nV:1.3.1-r0\nA:x86_64\nL:Zlib\n\n' },
  ]) }], 'app:1');
  const dir = writeDir(join(tmp, 'img'), built.files);

  async function run(args: string[]): Promise<{ out: string; err: string }> {
    const r = await cli({}, ['sbom', ...args.slice(1)]);
    if (r.code !== 0) throw new Error(r.stderr);
    return { out: r.stdout, err: r.stderr };
  }

  it('prints an SPDX document on stdout by default', async () => {
    const { out } = await run(['sbom', 'scan-local', dir]);
    const doc = JSON.parse(out) as { packages: { name: string }[]; name: string };
    expect(validateSpdx(doc)).toBe(true);
    expect(doc.name).toBe('app:1');
    expect(doc.packages.map((p) => p.name)).toEqual(['app:1', 'alpine', 'musl', 'zlib']);
  });

  it('writes CycloneDX to --file', async () => {
    const file = join(tmp, 'bom.json');
    const { out, err } = await run(['sbom', 'scan-local', dir, '--format', 'cyclonedx', '--file', file, '--ref', 'app:1']);
    expect(out).toBe('');
    expect(err).toMatch(/2 packages/);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { components: { purl?: string }[] };
    expect(validateCdx(doc)).toBe(true);
    expect(doc.components.map((c) => c.purl).filter(Boolean)).toEqual([
      'pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1',
      'pkg:apk/alpine/zlib@1.3.1-r0?arch=x86_64&distro=alpine-3.19.1',
    ]);
  });

  it('an unknown ref is one line on stderr and exit code 3 (not found)', async () => {
    const r = await cli({}, ['sbom', 'scan-local', dir, '--ref', 'other:2']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^harborctl: no image named "other:2"[^\n]*\n$/);
  });
});
