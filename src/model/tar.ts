// A deterministic tar writer for grouped model layers: POSIX ustar headers (a pax `path` record when a
// name does not fit), uid/gid 0, no user names, the file's permission bits and mtime in whole seconds.
// The same files always give the same bytes, so the layer can be hashed in one pass and streamed
// again for the upload without keeping it anywhere. Bodies are read in 1 MiB pieces.
import { open } from 'node:fs/promises';
import { HarborError } from '../core/errors.js';

const BLOCK = 512;

export interface TarFile { path: string; abs: string; size: number; mode: number; mtimeMs: number }

function octal(buf: Buffer, offset: number, width: number, value: number): void {
  buf.write(`${value.toString(8).padStart(width - 1, '0')}\0`, offset, width, 'latin1');
}

function header(name: string, size: number, mode: number, mtime: number, type: '0' | 'x', prefix = ''): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, mode);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, mtime);
  h.fill(0x20, 148, 156);
  h.write(type, 156, 1, 'latin1');
  h.write('ustar\0', 257, 6, 'latin1');
  h.write('00', 263, 2, 'latin1');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return h;
}

function pad(n: number): Buffer {
  return Buffer.alloc((BLOCK - (n % BLOCK)) % BLOCK);
}

/** A ustar name/prefix split, or null when the path needs a pax record. */
function splitName(p: string): { name: string; prefix: string } | null {
  if (Buffer.byteLength(p) <= 100) return { name: p, prefix: '' };
  for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
    const prefix = p.slice(0, i);
    const name = p.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name) return { name, prefix };
  }
  return null;
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (Buffer.byteLength(`${len}${body}`) !== len) len++;
  return Buffer.from(`${len}${body}`);
}

/** The tar stream of these files, entry names as given (paths relative to the model directory). */
export async function* tarStream(files: TarFile[]): AsyncGenerator<Buffer> {
  for (const f of files) {
    const mtime = Math.floor(f.mtimeMs / 1000);
    const mode = f.mode & 0o777;
    const split = splitName(f.path);
    if (split) {
      yield header(split.name, f.size, mode, mtime, '0', split.prefix);
    } else {
      const pax = paxRecord('path', f.path);
      yield header('PaxHeader', pax.length, 0o644, mtime, 'x');
      yield pax;
      yield pad(pax.length);
      yield header(f.path.slice(-100), f.size, mode, mtime, '0');
    }
    const fh = await open(f.abs, 'r');
    try {
      let left = f.size;
      while (left > 0) {
        const buf = Buffer.allocUnsafe(Math.min(left, 1024 * 1024));
        const { bytesRead } = await fh.read(buf, 0, buf.length, null);
        if (bytesRead === 0) throw new HarborError('USAGE', `${f.abs} changed while it was being packed: push again`);
        left -= bytesRead;
        yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
      }
    } finally {
      await fh.close();
    }
    yield pad(f.size);
  }
  yield Buffer.alloc(2 * BLOCK);
}
