// A streaming tar reader: POSIX ustar, pax extended headers (path, linkpath, size) and GNU long
// names ('L', 'K'). It pulls 512-byte blocks from an async byte source and never buffers an entry's
// body unless the caller asks for it (`entry.read(max)`); an unread body is skipped.
// Written here rather than taken from tar-stream because the walker needs a pull-style reader with
// a per-entry size cap and an early "skip the rest", which a push-style stream parser makes awkward.
import { HarborError } from '../core/errors.js';

const BLOCK = 512;
/** Bytes of pax/GNU extended headers before one entry, and of global pax headers in an archive. */
const MAX_EXTENDED = 1024 * 1024;

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarEntry {
  /** Path as stored, without a leading "./" or "/", and without a trailing "/". */
  path: string;
  type: TarEntryType;
  size: number;
  mode: number;
  linkname: string;
  /** Offset of the body in the (decompressed) tar stream. */
  offset: number;
}

/** What the tar reader pulls from: a stream (ByteSource) or a file it can seek in (FileTarSource). */
export interface TarSource {
  position: number;
  read(n: number): Promise<Buffer>;
  consume(n: number, fn: (chunk: Buffer) => boolean | void): Promise<number>;
  skip(n: number): Promise<number>;
  drain(): Promise<void>;
}

/** Pulls exact byte counts from an async iterable of chunks; keeps at most one chunk buffered. */
export class ByteSource implements TarSource {
  private readonly it: AsyncIterator<Uint8Array>;
  // Pending chunks, oldest first; `head` is how much of chunks[0] is already consumed.
  private chunks: Buffer[] = [];
  private head = 0;
  private buffered = 0;
  private done = false;
  /** Bytes handed out or skipped so far. */
  position = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) { this.done = true; return false; }
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    if (chunk.length) { this.chunks.push(chunk); this.buffered += chunk.length; }
    return true;
  }

  /** Takes up to n buffered bytes from the front, as one slice of the first chunk (no copy). */
  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    const out = first.subarray(this.head, this.head + Math.min(n, first.length - this.head));
    this.head += out.length;
    if (this.head === first.length) { this.chunks.shift(); this.head = 0; }
    this.buffered -= out.length;
    this.position += out.length;
    return out;
  }

  /** Exactly n bytes, or fewer only at the end of the stream. Chunks are joined once, not per pull. */
  async read(n: number): Promise<Buffer> {
    while (this.buffered < n && await this.fill()) { /* keep pulling */ }
    const want = Math.min(n, this.buffered);
    if (want === 0) return Buffer.alloc(0);
    const first = this.take(want);
    if (first.length === want) return first;
    const parts = [first];
    let got = first.length;
    while (got < want) { const p = this.take(want - got); parts.push(p); got += p.length; }
    return Buffer.concat(parts, want);
  }

  /** Calls `fn` with consecutive slices covering the next n bytes (no copy); stops calling it once fn returns false. */
  async consume(n: number, fn: (chunk: Buffer) => boolean | void): Promise<number> {
    let left = n;
    let wanted = true;
    while (left > 0) {
      if (this.buffered === 0 && !await this.fill()) break;
      if (this.buffered === 0) continue;
      const part = this.take(left);
      left -= part.length;
      if (wanted && fn(part) === false) wanted = false;
    }
    return n - left;
  }

  /** Skips n bytes (no caller sees them). */
  async skip(n: number): Promise<number> {
    return this.consume(n, () => false);
  }

  /** Stops pulling: ends the source early (its finally blocks run), e.g. after an error. */
  async close(): Promise<void> {
    this.chunks = [];
    this.buffered = 0;
    this.done = true;
    await this.it.return?.();
  }

  /** Drains whatever is left so a decompressor upstream sees its whole input (and its errors). */
  async drain(): Promise<void> {
    this.chunks = [];
    this.head = 0;
    this.buffered = 0;
    while (await this.fill()) { this.chunks = []; this.buffered = 0; }
  }
}

function corrupt(msg: string): HarborError {
  return new HarborError('UNPROCESSABLE_ENTITY', `invalid tar: ${msg}`);
}

function cstring(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const nul = s.indexOf(0);
  return s.subarray(0, nul === -1 ? s.length : nul).toString('utf8');
}

function octal(b: Buffer, start: number, len: number): number {
  const f = b.subarray(start, start + len);
  // GNU base-256 for sizes of 8 GiB and more.
  if (f[0]! & 0x80) {
    let v = f[0]! & 0x7f;
    for (let i = 1; i < f.length; i++) v = v * 256 + f[i]!;
    return v;
  }
  const s = cstring(b, start, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw corrupt(`bad number field ${JSON.stringify(s)}`);
  return parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum === octal(h, 148, 8);
}

/** pax records: "LEN key=value\n" repeated. */
export function parsePax(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const sp = body.indexOf(0x20, i);
    if (sp === -1) break;
    const len = parseInt(body.subarray(i, sp).toString('ascii'), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const rec = body.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

export function normalizeTarPath(p: string): string {
  let s = p.replace(/\\/g, '/');
  while (s.startsWith('./')) s = s.slice(2);
  s = s.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\/{2,}/g, '/');
  return s === '.' ? '' : s;
}

const TYPES: Record<string, TarEntryType> = { '0': 'file', '\0': 'file', '7': 'file', '5': 'directory', '2': 'symlink', '1': 'hardlink' };

/**
 * Iterates the entries of a tar stream. Between two steps the caller may read the current body with
 * `readBody(src, entry, max)` or `consumeBody`; whatever it leaves unread is skipped.
 */
export async function* readTar(src: TarSource): AsyncGenerator<TarEntry> {
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  let globalPax: Record<string, string> = {};
  // Extended headers pending for the next entry, and global ones for the whole archive, are bounded
  // together, not one by one: a run of them would otherwise pile up without limit.
  let pendingExt = 0;
  let globalExt = 0;
  for (;;) {
    const h = await src.read(BLOCK);
    if (h.length === 0) return;
    if (h.length < BLOCK) throw corrupt('truncated header');
    if (h.every((x) => x === 0)) {
      // Two zero blocks end the archive; drain the rest so compressed input is fully checked.
      await src.drain();
      return;
    }
    if (!checksumOk(h)) throw corrupt('header checksum mismatch');
    const flag = String.fromCharCode(h[156]!);
    let size = octal(h, 124, 12);
    const bodyStart = src.position;
    const padded = Math.ceil(size / BLOCK) * BLOCK;

    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (flag === 'g') globalExt += size;
      else pendingExt += size;
      if (pendingExt > MAX_EXTENDED || globalExt > MAX_EXTENDED) throw corrupt('extended headers too large');
      const body = await src.read(padded);
      if (body.length < padded) throw corrupt('truncated extended header');
      const data = body.subarray(0, size);
      if (flag === 'x') pax = { ...pax, ...parsePax(data) };
      else if (flag === 'g') globalPax = { ...globalPax, ...parsePax(data) };
      else if (flag === 'L') longName = cstring(data, 0, data.length);
      else longLink = cstring(data, 0, data.length);
      continue;
    }

    const magic = h.subarray(257, 263).toString('latin1');
    const prefix = magic.startsWith('ustar') ? cstring(h, 345, 155) : '';
    let name = cstring(h, 0, 100);
    if (prefix) name = `${prefix}/${name}`;
    const meta = { ...globalPax, ...pax };
    if (longName !== undefined) name = longName;
    if (meta.path !== undefined) name = meta.path;
    let linkname = longLink ?? cstring(h, 157, 100);
    if (meta.linkpath !== undefined) linkname = meta.linkpath;
    if (meta.size !== undefined) {
      size = /^\d{1,16}$/.test(meta.size) ? Number(meta.size) : NaN;
      if (!Number.isSafeInteger(size)) throw corrupt(`bad pax size ${JSON.stringify(meta.size.slice(0, 40))}`);
    }
    longName = longLink = undefined;
    pax = {};
    pendingExt = 0;

    let type = TYPES[flag] ?? 'other';
    if (type === 'file' && name.endsWith('/')) type = 'directory';
    const entry: TarEntry = {
      path: normalizeTarPath(name), type, size: type === 'file' || type === 'other' ? size : 0,
      mode: octal(h, 100, 8), linkname, offset: bodyStart,
    };
    const bodyLen = Math.ceil(size / BLOCK) * BLOCK;
    yield entry;
    // Skip what the caller did not read, up to the block boundary.
    const left = bodyStart + bodyLen - src.position;
    if (left > 0) {
      const got = await src.skip(left);
      if (got < left) throw corrupt(`truncated body of ${entry.path}`);
    }
  }
}

/** Reads the current entry's body if it is at most `max` bytes; null when larger (then it is skipped). */
export async function readBody(src: TarSource, entry: TarEntry, max: number): Promise<Buffer | null> {
  if (entry.size > max) return null;
  const body = await src.read(entry.size);
  if (body.length < entry.size) throw corrupt(`truncated body of ${entry.path}`);
  return Buffer.from(body);
}

/** Streams the current entry's body through `fn` without buffering it; fn returns false to stop early. */
export async function consumeBody(src: TarSource, entry: TarEntry, fn: (chunk: Buffer) => boolean | void): Promise<void> {
  let stopped = false;
  await src.consume(entry.size, (c) => {
    if (stopped) return false;
    if (fn(c) === false) { stopped = true; return false; }
    return true;
  });
}

/** A tar file on disk, read by header only: skipping a body is a seek, so indexing a 1 GiB `docker save` tar is quick. */
export class FileTarSource implements TarSource {
  position = 0;
  constructor(private readonly fh: import('node:fs/promises').FileHandle, private readonly length: number) {}

  async read(n: number): Promise<Buffer> {
    const len = Math.max(0, Math.min(n, this.length - this.position));
    const buf = Buffer.alloc(len);
    let got = 0;
    while (got < len) {
      const { bytesRead } = await this.fh.read(buf, got, len - got, this.position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    this.position += got;
    return buf.subarray(0, got);
  }

  async consume(n: number, fn: (chunk: Buffer) => boolean | void): Promise<number> {
    let left = n;
    let wanted = true;
    while (left > 0) {
      if (!wanted) return n - left + await this.skip(left);
      const chunk = await this.read(Math.min(left, 1024 * 1024));
      if (chunk.length === 0) break;
      left -= chunk.length;
      if (fn(chunk) === false) wanted = false;
    }
    return n - left;
  }

  async skip(n: number): Promise<number> {
    const k = Math.max(0, Math.min(n, this.length - this.position));
    this.position += k;
    return k;
  }

  async drain(): Promise<void> { this.position = this.length; }
}
