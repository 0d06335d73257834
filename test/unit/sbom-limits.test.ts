// The bounds of a scan (issue 13.1): what all layers may unpack to, what a cataloger gets in
// memory, and the temp files that carry larger jars and rpmdbs instead. A file over the in-memory
// limit is cataloged through its temp file (same result as in memory) or skipped with a warning,
// the temp files are gone after the scan, and an image that unpacks past the limit fails clearly.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogJar } from '../../src/sbom/catalogers/java.js';
import { bufferAccess, zipEntries } from '../../src/sbom/catalogers/zip.js';
import { decompressedTar } from '../../src/sbom/decompress.js';
import { RpmTag, RpmType } from '../../src/sbom/catalogers/rpm.js';
import { scanLayers, type LayerSource, type ScanLimits } from '../../src/sbom/index.js';
import { PathRecords } from '../../src/sbom/walker.js';
import { expectHarborError } from './helpers.js';
import { makeTar, makeZip, rpmHeaderBlob, type TarFile } from './sbom-fixtures.js';

const MIB = 1024 * 1024;
const tmp = mkdtempSync(join(tmpdir(), 'sbom-limits-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function layer(files: TarFile[], digest: string, gzip = false): LayerSource {
  const tar = makeTar(files);
  const body = gzip ? gzipSync(tar) : tar;
  return { digest, open: async function* () { yield body; } };
}

const props = (g: string, a: string, v: string): string => `groupId=${g}\nartifactId=${a}\nversion=${v}\n`;
/** A jar of `padMiB` MiB (a stored member of random-ish bytes) with a pom.properties and a stored nested jar. */
function bigJar(padMiB: number): Buffer {
  const inner = makeZip([{ name: 'META-INF/maven/org.inner/lib/pom.properties', body: props('org.inner', 'lib', '2.0') }]);
  const pad = Buffer.alloc(padMiB * MIB);
  for (let i = 0; i < pad.length; i += 4096) pad.writeUInt32LE(i, i);
  return makeZip([
    { name: 'META-INF/maven/com.example/big/pom.properties', body: props('com.example', 'big', '1.0') },
    { name: 'lib/padding.bin', body: pad, store: true },
    { name: 'BOOT-INF/lib/lib-2.0.jar', body: inner, store: true },
  ]);
}

function limits(over: Partial<ScanLimits>): Partial<ScanLimits> {
  return { tmpDir: join(tmp, 'scratch'), ...over };
}

describe('in-memory limit', () => {
  it('a jar over the limit is read through a temp file, with the same packages as in memory; the temp files are removed', async () => {
    const jar = bigJar(3);
    const l = layer([{ path: 'app/lib/big.jar', body: jar }], 'sha256:jar');
    const inMemory = await scanLayers([l], { name: 'x' }, { limits: limits({ maxBufferedBytes: 8 * MIB }) });
    const spilled = await scanLayers([l], { name: 'x' }, { limits: limits({ maxBufferedBytes: MIB }) });
    expect(spilled.packages.map((p) => p.purl)).toEqual(['pkg:maven/com.example/big@1.0', 'pkg:maven/org.inner/lib@2.0']);
    expect(spilled.packages).toEqual(inMemory.packages);
    expect(spilled.warnings).toEqual([]);
    expect(readdirSync(join(tmp, 'scratch'))).toEqual([]);
  });

  it('an executable jar (a launch script before the zip) is read too', async () => {
    const jar = Buffer.concat([Buffer.from('#!/bin/sh\nexec java -jar "$0" "$@"\n'), makeZip([
      { name: 'META-INF/maven/com.example/exe/pom.properties', body: props('com.example', 'exe', '3.1') },
    ])]);
    expect(zipEntries(bufferAccess(jar)).map((e) => e.name)).toEqual(['META-INF/maven/com.example/exe/pom.properties']);
    const inv = await scanLayers([layer([{ path: 'app.jar', body: jar }], 'sha256:exe')], { name: 'x' }, { limits: limits({}) });
    expect(inv.packages.map((p) => p.purl)).toEqual(['pkg:maven/com.example/exe@3.1']);
  });

  it('an rpmdb over the limit is opened from its temp file', async () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
    const ins = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
    for (let i = 0; i < 400; i++) {
      ins.run(rpmHeaderBlob([
        { tag: RpmTag.name, type: RpmType.string, value: `pkg${i}` },
        { tag: RpmTag.version, type: RpmType.string, value: '1.0' },
        { tag: RpmTag.release, type: RpmType.string, value: 'x'.repeat(3000) },
      ]));
    }
    const file = db.serialize();
    db.close();
    expect(file.length).toBeGreaterThan(MIB);
    const inv = await scanLayers([layer([{ path: 'var/lib/rpm/rpmdb.sqlite', body: file }], 'sha256:rpm')], { name: 'x' }, { limits: limits({ maxBufferedBytes: MIB }) });
    expect(inv.packages).toHaveLength(400);
    expect(inv.warnings).toEqual([]);
  });

  it('a text file over the limit (a cataloger with no temp-file reader) is skipped with a warning', async () => {
    const status = `Package: big\nStatus: install ok installed\nVersion: 1\nDescription: x\n${' pad\n'.repeat(300_000)}`;
    const inv = await scanLayers([layer([{ path: 'var/lib/dpkg/status', body: status }], 'sha256:dpkg')], { name: 'x' }, { limits: limits({ maxBufferedBytes: MIB }) });
    expect(inv.packages).toEqual([]);
    expect(inv.warnings).toEqual([expect.stringMatching(/^var\/lib\/dpkg\/status in sha256:dpkg: \d+ bytes is over the scan's in-memory limit of 1048576; skipped$/)]);
  });

  it('two zero-filled jars (the issue\'s bomb, smaller) are spilled, found not to be zips, and leave nothing behind', async () => {
    const zeros = Buffer.alloc(4 * MIB);
    const l = layer([{ path: 'app/lib/a.jar', body: zeros }, { path: 'app/lib/b.jar', body: zeros }], 'sha256:bomb', true);
    const inv = await scanLayers([l], { name: 'x' }, { limits: limits({ maxBufferedBytes: MIB }) });
    expect(inv.packages).toEqual([]);
    expect(readdirSync(join(tmp, 'scratch'))).toEqual([]);
  });
});

describe('unpacked-size limit', () => {
  it('a layer that unpacks past the limit fails the scan with SBOM_FAILED, naming the layer and the limit', async () => {
    const l = layer([{ path: 'app/lib/a.jar', body: Buffer.alloc(3 * MIB) }], 'sha256:big', true);
    const e = await expectHarborError(scanLayers([l], { name: 'x' }, { limits: limits({ maxUnpackedBytes: 2 * MIB }) }), 'SBOM_FAILED');
    expect(e.message).toBe('layer sha256:big: the image unpacks to more than 2.0 MiB, the scan\'s limit: no SBOM was made');
    expect(readdirSync(join(tmp, 'scratch'))).toEqual([]);
  });

  it('the limit counts all layers together', async () => {
    const a = layer([{ path: 'a.bin', body: Buffer.alloc(1.5 * MIB) }], 'sha256:a', true);
    const b = layer([{ path: 'b.bin', body: Buffer.alloc(1.5 * MIB) }], 'sha256:b', true);
    expect((await scanLayers([a], { name: 'x' }, { limits: limits({ maxUnpackedBytes: 2 * MIB }) })).layers).toEqual(['sha256:a']);
    const e = await expectHarborError(scanLayers([a, b], { name: 'x' }, { limits: limits({ maxUnpackedBytes: 2 * MIB }) }), 'SBOM_FAILED');
    expect(e.message).toMatch(/^layer sha256:b: /);
  });

  it('the layer stream is ended when the scan stops half-way', async () => {
    let finished = false;
    const l: LayerSource = {
      digest: 'sha256:stopped',
      open: async function* () {
        try {
          const tar = gzipSync(makeTar([{ path: 'x.bin', body: Buffer.alloc(3 * MIB) }]));
          for (let i = 0; i < tar.length; i += 1024) yield tar.subarray(i, i + 1024);
          yield Buffer.alloc(0);
        } finally {
          finished = true;
        }
      },
    };
    await expectHarborError(scanLayers([l], { name: 'x' }, { limits: limits({ maxUnpackedBytes: MIB }) }), 'SBOM_FAILED');
    expect(finished).toBe(true);
  });
});

describe('zstd', () => {
  it('a 256 MiB zstd bomb of a few KB is decompressed a bounded piece at a time, not all at the first read', async () => {
    // A tar header for one 256 MiB file, then the zeros, through the zstd CLI: never in this process's memory.
    const header = makeTar([{ path: 'z.bin', body: '' }]).subarray(0, 512);
    header.write('00002000000\0', 124, 'ascii'); // size 256 MiB in octal
    header.write('        ', 148, 'ascii');
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    writeFileSync(join(tmp, 'hdr'), header);
    execFileSync('sh', ['-c', `(cat hdr; head -c ${256 * MIB} /dev/zero) | zstd -19 -q -c > bomb.tar.zst`], { cwd: tmp });
    const zst = readFileSync(join(tmp, 'bomb.tar.zst'));
    expect(zst.length).toBeLessThan(64 * 1024);
    const before = process.memoryUsage().arrayBuffers;
    const { compression, chunks } = await decompressedTar((async function* () { yield zst; })());
    expect(compression).toBe('zstd');
    const it = chunks[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    // Before the fix, the whole 256 MiB was decoded and held before the first chunk came out.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * MIB);
    await it.return?.();
  });

  it('the unpacked-size limit stops a zstd bomb', async () => {
    const zst = readFileSync(join(tmp, 'bomb.tar.zst'));
    const l: LayerSource = { digest: 'sha256:zst', open: async function* () { yield zst; } };
    const e = await expectHarborError(scanLayers([l], { name: 'x' }, { limits: limits({ maxUnpackedBytes: 32 * MIB }) }), 'SBOM_FAILED');
    expect(e.message).toMatch(/unpacks to more than 32 MiB/);
  });
});

/** A zip whose central directory names the same stored member `count` times (entries overlap). */
function overlappingZip(member: Buffer, name: string, count: number): Buffer {
  const one = makeZip([{ name, body: member, store: true }]);
  const local = one.subarray(0, 30 + name.length + member.length);
  const entry = one.subarray(local.length, local.length + 46 + name.length);
  const cd = Buffer.concat(Array.from({ length: count }, () => entry));
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0); eocd.writeUInt16LE(count, 8); eocd.writeUInt16LE(count, 10);
  eocd.writeUInt32LE(cd.length, 12); eocd.writeUInt32LE(local.length, 16);
  return Buffer.concat([local, cd, eocd]);
}

describe('jar work budget', () => {
  it('overlapping entries that multiply nested jars end the archive with an error, not a million packages', () => {
    const inner = makeZip([{ name: 'META-INF/maven/g/a/pom.properties', body: props('g', 'a', '1') }]);
    const bomb = overlappingZip(overlappingZip(inner, 'lib/x.jar', 300), 'lib/y.jar', 300);
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(() => catalogJar(bomb, 'app.jar')).toThrow('more than 20000 nested archives, nested ones counted: not read further');
  });

  it('a jar with a few hundred nested jars is read whole', () => {
    const inner = makeZip([{ name: 'META-INF/maven/g/a/pom.properties', body: props('g', 'a', '1') }]);
    expect(catalogJar(overlappingZip(inner, 'lib/x.jar', 300), 'app.jar')).toHaveLength(300);
  });
});

describe('warnings', () => {
  it('are kept up to 1,000 per scan, the rest counted in one line', async () => {
    const files: TarFile[] = Array.from({ length: 1500 }, (_, i) => ({ path: `f${i}.txt`, body: 'xx' }));
    const tiny = { name: 'tiny', maxBytes: 1, matches: (p: string) => p.endsWith('.txt'), parse: () => [] };
    const inv = await scanLayers([layer(files, 'sha256:many')], { name: 'x' }, { fileCatalogers: [tiny], limits: limits({}) });
    expect(inv.warnings).toHaveLength(1001);
    expect(inv.warnings[0]).toBe('f0.txt in sha256:many: 2 bytes is over the tiny cataloger\'s limit of 1; skipped');
    expect(inv.warnings[1000]).toBe('and 500 more warnings like these');
  });
});

describe('whiteouts over many records', () => {
  it('a removal looks only at the records it removes, not at every record', () => {
    const records = new PathRecords();
    records.beginLayer(0);
    for (let i = 0; i < 20_000; i++) records.set(`app/node_modules/p${i}/package.json`, { layerIndex: 0, packages: [] });
    records.set('usr/lib/os-release', { layerIndex: 0, packages: [] });
    records.beginLayer(1);
    for (let i = 0; i < 20_000; i++) records.removeLower(`srv/file${i}`, true, true);
    expect(records.examined).toBe(0);
    records.removeLower('app/node_modules/p7', true, true);
    records.removeLower('app/node_modules/p8/package.json', true, false);
    records.set('app/node_modules/p9/package.json', { layerIndex: 1, packages: [] }); // replaces the lower one
    expect(records.examined).toBe(3);
    records.removeLower('app', false, true);
    expect(records.examined).toBe(3 + 19_997);
    expect([...records.byPath.keys()].sort()).toEqual(['app/node_modules/p9/package.json', 'usr/lib/os-release']);
    records.removeLower('', false, true);
    expect([...records.byPath.keys()]).toEqual(['app/node_modules/p9/package.json']);
  });
});
