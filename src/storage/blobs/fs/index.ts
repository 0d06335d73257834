// Filesystem blob store. The whole on-disk layout, under the data dir's `blobs/` root:
//
//   <root>/sha256/ab/abcdef…          committed blob, named by its digest (sha512 likewise)
//   <root>/_uploads/<uuid>/data        bytes of an upload session, appended in order
//
// Uploads live on the same filesystem as blobs so a commit is fsync + rename: a reader never sees a
// partial blob, and two concurrent commits of one digest leave one file. Hashing happens while bytes
// stream in; the running hash is kept in memory per upload and rebuilt from disk after a restart.
import { createReadStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { finished, Readable, type Writable } from 'node:stream';
import type { Hash } from 'node:crypto';
import { HarborError } from '../../../core/errors.js';
import { bodyScavenger } from '../../../core/scavenge.js';
import { newHash, parseDigest, type DigestAlgorithm } from '../../../oci/digest.js';
import { KeyedSerializer } from '../serial.js';
import { staleChunk, type BlobStore, type ByteRange, type SendableBlob } from '../types.js';

interface HashState { algorithm: DigestAlgorithm; hash: Hash; offset: number }

const UPLOAD_ID = /^[A-Za-z0-9_-]{1,64}$/;

export class FsBlobStore implements BlobStore {
  private readonly uploadsDir: string;
  private readonly hashes = new Map<string, HashState>();
  /** Serializes operations on one upload: two PATCHes of the same session never interleave. */
  private readonly serial = new KeyedSerializer();
  /** Size of each upload before the chunk being appended now: the status reports it until the chunk is whole. */
  private readonly appending = new Map<string, number>();

  constructor(private readonly root: string) {
    this.uploadsDir = join(root, '_uploads');
  }

  async init(): Promise<void> {
    await fsp.mkdir(this.uploadsDir, { recursive: true, mode: 0o700 });
  }

  private blobPath(digest: string): string {
    const d = parseDigest(digest);
    return join(this.root, d.algorithm, d.hex.slice(0, 2), d.hex);
  }

  private uploadFile(id: string): string {
    if (!UPLOAD_ID.test(id)) throw new HarborError('BLOB_UPLOAD_UNKNOWN', 'upload unknown', { detail: { id: id.slice(0, 80) } });
    return join(this.uploadsDir, id, 'data');
  }


  async stat(digest: string): Promise<number | null> {
    try {
      return (await fsp.stat(this.blobPath(digest))).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async read(digest: string, range?: ByteRange): Promise<Readable> {
    const path = this.blobPath(digest);
    // Open first so a missing blob is an error here, not later on the stream.
    const fh = await fsp.open(path, 'r').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') throw new HarborError('BLOB_UNKNOWN', undefined, { detail: { digest } });
      throw e;
    });
    const size = range ? range.end - range.start + 1 : (await fh.stat()).size;
    return new FileBlobStream(fh, range?.start ?? 0, size);
  }

  async delete(digest: string): Promise<boolean> {
    try {
      await fsp.unlink(this.blobPath(digest));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }

  async *list(): AsyncIterable<string> {
    for (const algorithm of ['sha256', 'sha512']) {
      const top = join(this.root, algorithm);
      const prefixes = await fsp.readdir(top).catch(() => [] as string[]);
      for (const p of prefixes) {
        for (const hex of await fsp.readdir(join(top, p)).catch(() => [] as string[])) yield `${algorithm}:${hex}`;
      }
    }
  }

  async createUpload(id: string): Promise<void> {
    const file = this.uploadFile(id);
    await fsp.mkdir(join(this.uploadsDir, id), { mode: 0o700 });
    await fsp.writeFile(file, new Uint8Array(0), { mode: 0o600 });
    this.hashes.set(id, { algorithm: 'sha256', hash: newHash('sha256'), offset: 0 });
  }

  async uploadSize(id: string): Promise<number | null> {
    if (!UPLOAD_ID.test(id)) return null; // an id we could never have created is simply unknown
    const before = this.appending.get(id);
    if (before !== undefined) return before;
    try {
      return (await fsp.stat(this.uploadFile(id))).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  /** The running hash of an upload at its current size, rebuilt from disk when not in memory. */
  private async hashAt(id: string, size: number, algorithm: DigestAlgorithm): Promise<Hash> {
    const st = this.hashes.get(id);
    if (st && st.algorithm === algorithm && st.offset === size) return st.hash;
    const hash = newHash(algorithm);
    if (size > 0) {
      for await (const chunk of createReadStream(this.uploadFile(id), { end: size - 1, highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
    }
    this.hashes.set(id, { algorithm, hash, offset: size });
    return hash;
  }

  append(id: string, source: AsyncIterable<Uint8Array>, offset: number, length?: number): Promise<number> {
    return this.serial.run(id, async () => {
      const file = this.uploadFile(id);
      const size = await this.uploadSize(id);
      if (size === null) throw new HarborError('BLOB_UPLOAD_UNKNOWN', undefined, { detail: { id } });
      if (offset !== size) {
        throw staleChunk(offset, size);
      }
      // Work on a copy of the running hash so a failed chunk leaves the session untouched.
      const hash = (await this.hashAt(id, size, 'sha256')).copy();
      let written = 0;
      const take = (chunk: Buffer): void => {
        if (length !== undefined && written + chunk.length > length) {
          throw new HarborError('SIZE_INVALID', `body is longer than the declared length ${length}`);
        }
        hash.update(chunk);
        written += chunk.length;
      };
      this.appending.set(id, size);
      try {
        const fh = await fsp.open(file, 'r+');
        try {
          await writeChunks(source instanceof Readable ? source : Readable.from(source), fh, size, take);
        } finally {
          await fh.close();
        }
        if (length !== undefined && written !== length) {
          throw new HarborError('SIZE_INVALID', `body has ${written} bytes but ${length} were declared`);
        }
      } catch (e) {
        await fsp.truncate(file, size).catch(() => undefined);
        throw e;
      } finally {
        this.appending.delete(id);
      }
      this.hashes.set(id, { algorithm: 'sha256', hash, offset: size + written });
      return size + written;
    });
  }

  commit(id: string, digest: string): Promise<number> {
    return this.serial.run(id, async () => {
      const d = parseDigest(digest);
      const file = this.uploadFile(id);
      const size = await this.uploadSize(id);
      if (size === null) throw new HarborError('BLOB_UPLOAD_UNKNOWN', undefined, { detail: { id } });
      const actual = `${d.algorithm}:${(await this.hashAt(id, size, d.algorithm)).copy().digest('hex')}`;
      if (actual !== digest) {
        throw new HarborError('DIGEST_INVALID', 'provided digest did not match uploaded content', { detail: { expected: digest, actual } });
      }
      const target = this.blobPath(digest);
      const fh = await fsp.open(file, 'r');
      try { await fh.sync(); } finally { await fh.close(); }
      const dir = join(this.root, d.algorithm, d.hex.slice(0, 2));
      await fsp.mkdir(dir, { recursive: true });
      await fsp.rename(file, target);
      await syncDir(dir);
      this.hashes.delete(id);
      await fsp.rm(join(this.uploadsDir, id), { recursive: true, force: true });
      return size;
    });
  }

  truncateUpload(id: string, size: number): Promise<void> {
    return this.serial.run(id, async () => {
      const now = await this.uploadSize(id);
      if (now === null || now <= size) return;
      await fsp.truncate(this.uploadFile(id), size);
      if ((this.hashes.get(id)?.offset ?? 0) > size) this.hashes.delete(id);
    });
  }

  cancelUpload(id: string): Promise<void> {
    return this.serial.run(id, async () => {
      this.uploadFile(id);
      this.hashes.delete(id);
      await fsp.rm(join(this.uploadsDir, id), { recursive: true, force: true });
    });
  }

  async listUploads(): Promise<string[]> {
    return (await fsp.readdir(this.uploadsDir).catch(() => [] as string[])).filter((n) => UPLOAD_ID.test(n));
  }
}

/** Bytes gathered while a write is in flight before the source is paused. */
const WRITE_BATCH = 1 << 20;
/**
 * Bytes that all uploads of the process together may hold, gathered or being written: past it, an
 * upload with a write in flight is paused at its next chunk. 64 clients pushing at once otherwise
 * held up to 2 MiB each (bench/: the concurrent phase). An upload with no write in flight always
 * writes what it has, so each one goes on.
 */
const UPLOADS_HELD = 16 << 20;
let uploadsHeld = 0;

/** Bytes all uploads of the process hold now, gathered or being written (0 when none is under way). */
export function uploadBytesHeld(): number {
  return uploadsHeld;
}

/**
 * Writes what `source` sends to `fh` from `position`, each chunk first given to `take` (which may
 * throw to refuse it); resolves with the bytes written once the source has ended and every write is
 * done. The chunks are taken as they arrive ('data', not async iteration, which joins whatever is
 * buffered into a fresh copy) and written as they are: at once when no write is in flight, else all
 * that came meanwhile in one writev when it is done (no copy). The source is paused once WRITE_BATCH
 * bytes wait behind a write in flight, or once all uploads together hold UPLOADS_HELD, so little is
 * held and the buffers die young (a stream pipeline into a write stream cost a 256 MiB push more
 * CPU, most of it the GC: docs/benchmarks.md). On a failure the source is left paused to whoever owns it.
 */
function writeChunks(source: Readable, fh: fsp.FileHandle, position: number, take: (chunk: Buffer) => void): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let batch: Buffer[] = [];
    let batchBytes = 0;
    let pos = position;
    let writing = false;
    let ended = false;
    let settled = false;
    let stopWatching = (): void => undefined;
    const finish = (e?: unknown): void => {
      if (settled) return;
      settled = true;
      uploadsHeld -= batchBytes; // never written (the write in flight gives back its own)
      batch = [];
      batchBytes = 0;
      source.off('data', onData);
      stopWatching();
      // A late error of a source finished with must not be an uncaught one.
      source.on('error', () => undefined);
      if (e === undefined) return resolve(pos - position);
      // The rest of the source is its owner's to discard (an HTTP request's connection answers first).
      source.pause();
      reject(e);
    };
    const flush = (): void => {
      if (writing || settled) return;
      if (batchBytes === 0) {
        if (ended) finish();
        return;
      }
      const chunks = batch;
      const n = batchBytes;
      batch = [];
      batchBytes = 0;
      writing = true;
      writevAll(fh, chunks, pos).finally(() => { uploadsHeld -= n; }).then(() => {
        pos += n;
        writing = false;
        if (!ended && source.isPaused()) source.resume();
        flush();
      }).catch(finish);
    };
    const onData = (chunk: Buffer): void => {
      try {
        take(chunk);
      } catch (e) {
        return finish(e);
      }
      batch.push(chunk);
      batchBytes += chunk.length;
      uploadsHeld += chunk.length;
      bodyScavenger.taken(chunk.length);
      if (!writing) flush();
      else if (batchBytes >= WRITE_BATCH || uploadsHeld > UPLOADS_HELD) source.pause();
    };
    source.on('data', onData);
    // The end, an error, or a close before the end (the client went away), also one that happened
    // before this was called.
    stopWatching = finished(source, { writable: false }, (err) => {
      if (err) return finish(err);
      ended = true;
      flush();
    });
    source.resume();
  });
}

/** fh.writev until every byte is written (a regular file may take fewer at a time). */
async function writevAll(fh: fsp.FileHandle, chunks: Buffer[], position: number): Promise<void> {
  let rest = chunks;
  while (rest.length > 0) {
    const { bytesWritten } = await fh.writev(rest, position);
    if (bytesWritten === 0) throw new Error('the upload file takes no more bytes');
    position += bytesWritten;
    let skip = bytesWritten;
    const next: Buffer[] = [];
    for (const c of rest) {
      if (skip >= c.length) skip -= c.length;
      else {
        next.push(skip > 0 ? c.subarray(skip) : c);
        skip = 0;
      }
    }
    rest = next;
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}

const SEND_BUFFERS = 4;
const SEND_BUFFER_SIZE = 1024 * 1024;

/**
 * Send buffers of one size that all downloads of the process share: at most `max` exist at once. A
 * download takes some and gives them back when it ends, for the next one; once none is lent, the
 * free ones are let go too, so an idle server keeps none.
 */
export class SendBufferPool {
  private readonly free: Buffer[] = [];
  private lent = 0;

  constructor(readonly size: number, private readonly max: number) {}

  /** Up to `n` buffers; fewer, or none, when `max` are lent. */
  take(n: number): Buffer[] {
    const out = this.free.splice(Math.max(0, this.free.length - n));
    while (out.length < n && this.lent + out.length + this.free.length < this.max) out.push(Buffer.allocUnsafeSlow(this.size));
    this.lent += out.length;
    return out;
  }

  /** Gives back a buffer from `take`; `reuse` false when a write may still read it (it is let go). */
  give(b: Buffer, reuse: boolean): void {
    this.lent--;
    if (reuse) this.free.push(b);
    if (this.lent === 0) this.free.length = 0;
  }
}

/**
 * A download of at least 1 MiB takes up to SEND_BUFFERS of the first pool; one that finds it all lent
 * (or a blob of 256 KiB to 1 MiB) takes one buffer of the second. 32 MiB in all; past that, and for
 * smaller blobs, a download has one buffer of its own. With four 1 MiB buffers each, 64 clients
 * pulling at once held 256 MiB (bench/: the concurrent phase).
 */
const SEND_POOLS = [
  { pool: new SendBufferPool(SEND_BUFFER_SIZE, 16), each: SEND_BUFFERS },
  { pool: new SendBufferPool(256 * 1024, 64), each: 1 },
];

/**
 * `length` bytes of an open blob file from `start`: a plain stream (1 MiB reads) for consumers that
 * read, or `sendTo(sink)`, which cycles up to four buffers of the pools above and reuses one only
 * after the sink's write callback said the kernel has its bytes, then ends the sink. Allocating a
 * fresh buffer per chunk made the GC the largest cost of a big pull (a third of the server's CPU);
 * the reuse roughly halves the CPU per pull.
 */
class FileBlobStream extends Readable implements SendableBlob {
  private pos: number;
  private readonly end: number;
  private fileClosed = false;

  constructor(private readonly fh: fsp.FileHandle, start: number, length: number) {
    super({ highWaterMark: 1 << 20 });
    this.pos = start;
    this.end = start + length;
  }

  override _read(n: number): void {
    const want = Math.min(Math.max(n, 1 << 20), this.end - this.pos);
    if (want <= 0) {
      this.push(null);
      return;
    }
    const buf = Buffer.allocUnsafe(want);
    this.fh.read(buf, 0, want, this.pos).then(({ bytesRead }) => {
      if (bytesRead === 0) throw new Error('the blob file is shorter than its recorded size');
      this.pos += bytesRead;
      this.push(bytesRead === want ? buf : buf.subarray(0, bytesRead));
    }).catch((e: unknown) => this.destroy(e as Error));
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.release().then(() => cb(err), (e: unknown) => cb((err ?? e) as Error));
  }

  private async release(): Promise<void> {
    if (this.fileClosed) return;
    this.fileClosed = true;
    await this.fh.close();
  }

  async sendTo(sink: Writable): Promise<void> {
    const length = this.end - this.pos;
    let pool: SendBufferPool | undefined;
    let pooled: Buffer[] = [];
    for (const p of SEND_POOLS) {
      if (length < p.pool.size) continue;
      pooled = p.pool.take(Math.min(p.each, Math.ceil(length / p.pool.size)));
      if (pooled.length > 0) {
        pool = p.pool;
        break;
      }
    }
    const buffers = pool ? pooled : [Buffer.allocUnsafeSlow(Math.max(1, Math.min(length, SEND_POOLS[1].pool.size)))];
    const inFlight: (Promise<void> | undefined)[] = [];
    const writing: boolean[] = []; // a write of buffers[i] has not called back yet
    // A sink that closes (the client left) fails every wait at once.
    let gone: () => void = () => undefined;
    const closed = new Promise<never>((_, reject) => {
      gone = () => reject(Object.assign(new Error('the client closed the connection'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
      sink.once('close', gone);
    });
    closed.catch(() => undefined);
    try {
      for (let i = 0; this.pos < this.end; i = (i + 1) % buffers.length) {
        if (inFlight[i]) await Promise.race([inFlight[i], closed]);
        const buf = buffers[i];
        const { bytesRead } = await this.fh.read(buf, 0, Math.min(buf.length, this.end - this.pos), this.pos);
        if (bytesRead === 0) throw new Error('the blob file is shorter than its recorded size');
        this.pos += bytesRead;
        writing[i] = true;
        inFlight[i] = new Promise<void>((resolve, reject) => {
          sink.write(buf.subarray(0, bytesRead), (e) => { writing[i] = false; if (e) reject(e); else resolve(); });
        });
        inFlight[i]!.catch(() => undefined);
      }
      await Promise.race([Promise.all(inFlight), closed]);
      // Ended before the file is closed: a client that leaves as soon as it has every byte (curl
      // does) must not find the response still open and be logged as gone mid-download.
      sink.end();
    } finally {
      sink.off('close', gone);
      // A buffer whose write has not called back may still be read: it is not lent again.
      for (const [j, b] of pooled.entries()) pool!.give(b, !writing[j]);
      await this.release();
    }
  }
}
