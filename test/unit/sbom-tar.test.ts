// The streaming tar reader and layer decompression: archives written by our builder and by GNU tar
// (ustar, pax, GNU long names), bodies read or skipped, gzip/zstd/plain detected by magic.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { decompressedTar, detectCompression } from '../../src/sbom/decompress.js';
import { ByteSource, readBody, readTar, type TarEntry } from '../../src/sbom/tar.js';
import { HarborError } from '../../src/core/errors.js';
import { makeTar } from './sbom-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'sbom-tar-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Yields the buffer in small uneven chunks, as a network or decompressor would. */
async function* chunked(b: Buffer, size = 333): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

async function list(tar: Buffer, read: (e: TarEntry) => boolean = () => true): Promise<{ path: string; type: string; body?: string; linkname: string }[]> {
  const src = new ByteSource(chunked(tar));
  const out: { path: string; type: string; body?: string; linkname: string }[] = [];
  for await (const e of readTar(src)) {
    const row: { path: string; type: string; body?: string; linkname: string } = { path: e.path, type: e.type, linkname: e.linkname };
    if (e.type === 'file' && read(e)) row.body = (await readBody(src, e, 1 << 20))!.toString();
    out.push(row);
  }
  return out;
}

const LONG = `${'deep/'.repeat(30)}file.txt`;

describe('readTar', () => {
  it('bounds the pax headers before one entry together (a run of them is refused, not piled up)', async () => {
    const big = (n: number): [string, string][] => [[`LIBARCHIVE.x${n}`, 'v'.repeat(400_000)]];
    const ok = makeTar([{ path: 'a', body: 'A', pax: [big(1), big(2)] }, { path: 'b', body: 'B', pax: [big(3), big(4)] }]);
    expect((await list(ok)).map((e) => e.path)).toEqual(['a', 'b']);
    const tar = makeTar([{ path: 'a', body: 'A', pax: [big(1), big(2), big(3)] }]);
    await expect(list(tar)).rejects.toThrow('invalid tar: extended headers too large');
  });

  it('refuses a pax size that is not a whole number', async () => {
    for (const size of ['abc', '-5', '1e3', '99999999999999999999']) {
      await expect(list(makeTar([{ path: 'a', body: 'A', pax: [[['size', size]]] }]))).rejects.toThrow(/^invalid tar: bad pax size/);
    }
    expect(await list(makeTar([{ path: 'a', body: 'A', pax: [[['size', '1']]] }]))).toEqual([{ path: 'a', type: 'file', body: 'A', linkname: '' }]);
  });

  it('reads ustar entries, pax long names, directories and symlinks', async () => {
    const tar = makeTar([
      { path: 'etc', type: 'dir' },
      { path: 'etc/hello', body: 'hi\n' },
      { path: LONG, body: 'x'.repeat(1500) },
      { path: 'etc/link', type: 'symlink', linkname: 'hello' },
    ]);
    expect(await list(tar)).toEqual([
      { path: 'etc', type: 'directory', linkname: '' },
      { path: 'etc/hello', type: 'file', body: 'hi\n', linkname: '' },
      { path: LONG, type: 'file', body: 'x'.repeat(1500), linkname: '' },
      { path: 'etc/link', type: 'symlink', linkname: 'hello' },
    ]);
  });

  it('skips bodies it is not asked for', async () => {
    const tar = makeTar([{ path: 'a', body: 'A'.repeat(5000) }, { path: 'b', body: 'B' }]);
    expect(await list(tar, (e) => e.path === 'b')).toEqual([
      { path: 'a', type: 'file', linkname: '' },
      { path: 'b', type: 'file', body: 'B', linkname: '' },
    ]);
  });

  it('returns null for a body over the cap and still reads the next entry', async () => {
    const tar = makeTar([{ path: 'big', body: 'Z'.repeat(3000) }, { path: 'small', body: 's' }]);
    const src = new ByteSource(chunked(tar));
    const seen: (string | null)[] = [];
    for await (const e of readTar(src)) seen.push((await readBody(src, e, 1000))?.toString() ?? null);
    expect(seen).toEqual([null, 's']);
  });

  for (const format of ['gnu', 'posix', 'ustar'] as const) {
    it(`reads what GNU tar --format=${format} writes`, async () => {
      const root = join(tmp, format);
      const long = format === 'ustar' ? 'dir/sub/name.txt' : `dir/${LONG}`;
      mkdirSync(join(root, long, '..'), { recursive: true });
      writeFileSync(join(root, long), 'long body\n');
      writeFileSync(join(root, 'dir', 'short'), '');
      const file = join(tmp, `${format}.tar`);
      execFileSync('tar', [`--format=${format}`, '--sort=name', '-C', root, '-cf', file, 'dir']);
      const entries = (await list(readFileSync(file))).filter((e) => e.type === 'file');
      expect(entries).toEqual([
        { path: long, type: 'file', body: 'long body\n', linkname: '' },
        { path: 'dir/short', type: 'file', body: '', linkname: '' },
      ].sort((a, b) => (a.path < b.path ? -1 : 1)));
    });
  }

  it('rejects a corrupt header', async () => {
    const tar = makeTar([{ path: 'a', body: 'x' }]);
    tar[0] = 0x41 ^ tar[0]!;
    await expect(list(tar)).rejects.toBeInstanceOf(HarborError);
  });
});

describe('decompressedTar', () => {
  const tar = makeTar([{ path: 'etc/x', body: 'payload' }]);
  async function bodies(data: Buffer): Promise<{ compression: string; files: string[] }> {
    const { compression, chunks } = await decompressedTar(chunked(data, 7));
    const src = new ByteSource(chunks);
    const files: string[] = [];
    for await (const e of readTar(src)) if (e.type === 'file') files.push(`${e.path}=${(await readBody(src, e, 4096))!.toString()}`);
    return { compression, files };
  }

  it('detects gzip, zstd and plain tar by magic bytes', async () => {
    expect(detectCompression(Buffer.from([0x1f, 0x8b, 8, 0]))).toBe('gzip');
    expect(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe('zstd');
    expect(detectCompression(Buffer.from('etc/'))).toBe('none');
    expect(await bodies(tar)).toEqual({ compression: 'none', files: ['etc/x=payload'] });
    expect(await bodies(gzipSync(tar))).toEqual({ compression: 'gzip', files: ['etc/x=payload'] });
  });

  it('decompresses the committed zstd layer fixture', async () => {
    const zst = readFileSync(new URL('../fixtures/sbom/layers/alpine-apk.tar.zst', import.meta.url));
    const r = await bodies(zst);
    expect(r.compression).toBe('zstd');
    expect(r.files.map((f) => f.split('=')[0])).toEqual(['etc/os-release', 'lib/apk/db/installed']);
  });

  it('reports a damaged zstd layer as a HarborError', async () => {
    const zst = Buffer.from(readFileSync(new URL('../fixtures/sbom/layers/alpine-apk.tar.zst', import.meta.url)));
    for (let i = 12; i < zst.length - 8; i++) zst[i] ^= 0x5a;
    await expect(bodies(zst)).rejects.toBeInstanceOf(HarborError);
  });

  it('reports a damaged gzip layer as a HarborError', async () => {
    const gz = gzipSync(Buffer.concat([tar, Buffer.alloc(4096)]));
    gz[gz.length - 6] ^= 0xff;
    await expect(bodies(gz.subarray(0, gz.length - 10))).rejects.toBeInstanceOf(HarborError);
  });
});
