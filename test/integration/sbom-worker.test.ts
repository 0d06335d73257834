// scanInWorker (issue 13.1) as the built server runs it: from the bundle bin/harborctl runs
// (dist/bundle, scripts/bundle.mjs), where the scan goes to a worker thread that pulls each layer's
// bytes from this thread a chunk at a time. (From the TypeScript sources it runs inline, which the
// walker's own tests cover.) Needs `npm run build`.
import { existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as SbomWorker from '../../src/sbom/worker.js';
import { scanLayers, type LayerSource } from '../../src/sbom/index.js';
import { makeTar, makeZip, rpmdbSqlite } from '../unit/sbom-fixtures.js';

const DIST = new URL('../../dist/bundle/sbom-worker.cjs', import.meta.url);
let built: typeof SbomWorker;
beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error('dist/ is missing: run npm run build first');
  built = await import(DIST.href) as typeof SbomWorker;
});

/** A layer served in small chunks, as a blob stream is; counts how often it was opened and ended. */
function layer(tar: Buffer, digest: string, seen = { opened: 0, ended: 0 }): LayerSource {
  const gz = gzipSync(tar);
  return {
    digest,
    open: async function* () {
      seen.opened++;
      try {
        for (let i = 0; i < gz.length; i += 4096) yield gz.subarray(i, i + 4096);
      } finally {
        seen.ended++;
      }
    },
  };
}

const IMAGE = makeTar([
  { path: 'etc/os-release', body: 'ID=debian\nVERSION_ID=12\n' },
  { path: 'var/lib/dpkg/status', body: 'Package: bash\nStatus: install ok installed\nVersion: 5.2\n' },
  { path: 'app/a.jar', body: makeZip([{ name: 'META-INF/maven/g/a/pom.properties', body: 'groupId=g\nartifactId=a\nversion=1\n' }]) },
]);

describe('scanInWorker (built)', () => {
  it('runs in a worker thread from the bundle, started from its own chunk', () => {
    expect(built.workerEntry()?.href).toMatch(/\/dist\/bundle\/.*\.cjs$/);
  });

  it('gives the inventory scanLayers gives, and ends every layer stream', async () => {
    const seen = { opened: 0, ended: 0 };
    const inv = await built.scanInWorker([layer(IMAGE, 'sha256:one', seen), layer(IMAGE, 'sha256:two', seen)], { name: 'x' });
    expect(inv).toEqual(await scanLayers([layer(IMAGE, 'sha256:one'), layer(IMAGE, 'sha256:two')], { name: 'x' }));
    expect(inv.packages.map((p) => p.purl)).toEqual(['pkg:deb/debian/bash@5.2?distro=debian-12', 'pkg:maven/g/a@1']);
    expect(seen).toEqual({ opened: 2, ended: 2 });
  });

  it("reads an rpmdb.sqlite with the bundle's better-sqlite3, its addon opened by path (core/sqlite.ts)", async () => {
    const rpm = makeTar([
      { path: 'etc/os-release', body: 'ID=fedora\nVERSION_ID=39\n' },
      { path: 'var/lib/rpm/rpmdb.sqlite', body: rpmdbSqlite([{ name: 'bash', version: '5.2.15', release: '3.fc39', arch: 'x86_64', license: 'GPL-3.0-or-later' }]) },
    ]);
    const inv = await built.scanInWorker([layer(rpm, 'sha256:rpm')], { name: 'x' });
    expect(inv.packages.map((p) => p.purl)).toEqual(['pkg:rpm/fedora/bash@5.2.15-3.fc39?arch=x86_64&distro=fedora-39']);
  });

  it('a bound hit in the worker fails with its code and message, and the layer stream is ended', async () => {
    const seen = { opened: 0, ended: 0 };
    const big = makeTar([{ path: 'x.bin', body: Buffer.alloc(2 * 1024 * 1024) }]);
    const p = built.scanInWorker([layer(big, 'sha256:big', seen)], { name: 'x' }, { maxUnpackedBytes: 1024 * 1024 });
    await expect(p).rejects.toMatchObject({ code: 'SBOM_FAILED', message: 'layer sha256:big: the image unpacks to more than 1.0 MiB, the scan\'s limit: no SBOM was made' });
    expect(seen).toEqual({ opened: 1, ended: 1 });
  });

  it('a layer that cannot be read fails the scan with the reason', async () => {
    const broken: LayerSource = { digest: 'sha256:gone', open: async function* () { yield Buffer.from([0x1f, 0x8b]); throw new Error('blob vanished'); } };
    await expect(built.scanInWorker([broken], { name: 'x' })).rejects.toThrow(/blob vanished/);
  });
});
