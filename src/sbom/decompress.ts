// Layer decompression chosen by magic bytes (the media type is only a hint: registries and
// `docker save` mislabel layers): gzip 1f 8b, zstd 28 b5 2f fd, anything else is a plain tar.
// Node 20's zlib has no zstd, so zstd goes through fzstd (pure JS, streaming).
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { HarborError } from '../core/errors.js';

export type Compression = 'gzip' | 'zstd' | 'none';

export function detectCompression(head: Uint8Array, mediaType?: string): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head.length === 0 && mediaType) {
    if (mediaType.endsWith('gzip')) return 'gzip';
    if (mediaType.endsWith('zstd')) return 'zstd';
  }
  return 'none';
}

/**
 * Compressed bytes handed to fzstd per push. It decodes everything a push allows before returning,
 * and a zstd block of 128 KiB can take 4 bytes (RLE): a 33 KB frame is 1 GiB of zeros. Small pushes
 * keep what one push produces near 16 MiB, so the reader's limits apply before memory fills.
 */
const ZSTD_PUSH = 512;

async function* zstdChunks(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const out: Buffer[] = [];
  const z = new Decompress((data) => { out.push(Buffer.from(data)); });
  try {
    for await (const chunk of source) {
      for (let i = 0; i < chunk.length; i += ZSTD_PUSH) {
        z.push(chunk.subarray(i, i + ZSTD_PUSH));
        while (out.length) yield out.shift()!;
      }
    }
    z.push(new Uint8Array(0), true);
  } catch (e) {
    throw new HarborError('UNPROCESSABLE_ENTITY', `invalid zstd layer: ${e instanceof Error ? e.message : String(e)}`);
  }
  while (out.length) yield out.shift()!;
}

async function* prepend(first: Buffer, it: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (first.length) yield first;
  for (;;) {
    const r = await it.next();
    if (r.done) return;
    yield r.value;
  }
}

/** The uncompressed tar bytes of a layer, as an async iterable, with the compression found. */
export async function decompressedTar(source: AsyncIterable<Uint8Array>, mediaType?: string): Promise<{ compression: Compression; chunks: AsyncIterable<Uint8Array> }> {
  const it = source[Symbol.asyncIterator]();
  // Peek at least 4 bytes for the magic.
  let head = Buffer.alloc(0);
  while (head.length < 4) {
    const r = await it.next();
    if (r.done) break;
    head = Buffer.concat([head, Buffer.from(r.value)]);
  }
  const compression = detectCompression(head, mediaType);
  const raw = prepend(head, it);
  if (compression === 'gzip') {
    const gunzip = createGunzip();
    // pipeline, not pipe: an error reading the source must reach the reader too.
    const piped = pipeline(Readable.from(raw), gunzip, () => { /* errors surface through the iterator */ });
    return {
      compression,
      chunks: (async function* () {
        try {
          for await (const c of piped) yield c as Buffer;
        } catch (e) {
          throw new HarborError('UNPROCESSABLE_ENTITY', `invalid gzip layer: ${e instanceof Error ? e.message : String(e)}`);
        }
      })(),
    };
  }
  if (compression === 'zstd') return { compression, chunks: zstdChunks(raw) };
  return { compression, chunks: raw };
}
