// FsBlobStore: the shared contract in a temp dir, plus what only a filesystem backend promises
// (restart recovery, the documented on-disk layout, nothing left behind).
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { digestOf } from '../../src/oci/digest.js';
import { Readable, Writable } from 'node:stream';
import { FsBlobStore, SendBufferPool, uploadBytesHeld } from '../../src/storage/blobs/fs/index.js';
import { isSendable, type SendableBlob } from '../../src/storage/blobs/types.js';
import { blobStoreContract, putBlob } from './blob-store.contract.js';
import { failingSource, readAll, source } from './helpers.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'harborctl-blobs-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function freshRoot(): Promise<string> {
  return mkdtemp(join(tmp, 'store-'));
}

async function open(root: string): Promise<FsBlobStore> {
  const s = new FsBlobStore(root);
  await s.init();
  return s;
}

/** Every file (not directory) under `dir`, relative to it. */
async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)));
  }
  return out.sort();
}

blobStoreContract('fs', async () => open(await freshRoot()));

describe('FsBlobStore specifics', () => {
  let root: string;
  let store: FsBlobStore;
  beforeEach(async () => {
    root = await freshRoot();
    store = await open(root);
  });

  test('a stream of many chunks over several write batches, paused while a write is in flight, arrives byte for byte', async () => {
    const id = randomUUID();
    await store.createUpload(id);
    // 3.5 MiB in 64 KiB chunks, pushed as fast as the stream takes them (its buffer holds 1 MiB).
    const body = Buffer.alloc(3.5 * 1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31 + (i >> 12)) & 0xff;
    let paused = 0;
    let at = 0;
    const src = new Readable({
      highWaterMark: 1 << 20,
      read() {
        while (at < body.length) {
          const more = this.push(body.subarray(at, at += 64 * 1024));
          if (!more) return;
        }
        this.push(null);
      },
    });
    src.on('pause', () => { paused++; });
    expect(await store.append(id, src, 0, body.length)).toBe(body.length);
    expect(paused).toBeGreaterThan(0);
    expect(await store.commit(id, digestOf(body))).toBe(body.length);
    expect((await readAll(await store.read(digestOf(body)))).equals(body)).toBe(true);
  });

  test('a stream destroyed midway (the client went away) fails the append and leaves the upload as it was', async () => {
    const id = randomUUID();
    await store.createUpload(id);
    await store.append(id, source('kept '), 0);
    const src = new Readable({ read() { /* fed below */ } });
    const appending = store.append(id, src, 5);
    src.push(Buffer.alloc(2 * 1024 * 1024, 1));
    setImmediate(() => src.destroy());
    await expect(appending).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
    expect(await store.uploadSize(id)).toBe(5);
    expect(await store.commit(id, digestOf('kept '))).toBe(5);
  });

  test('init creates the uploads directory and may be called again', async () => {
    expect((await stat(join(root, '_uploads'))).isDirectory()).toBe(true);
    await store.init();
    expect(await files(root)).toEqual([]);
  });

  test('a new store over the same directory continues an upload and commits it with the right digest', async () => {
    const id = randomUUID();
    await store.createUpload(id);
    await store.append(id, source('before the ', 'restart, '), 0, 20);

    const restarted = await open(root);
    expect(await restarted.listUploads()).toEqual([id]);
    expect(await restarted.uploadSize(id)).toBe(20);
    // The running hash is rebuilt from the bytes on disk.
    expect(await restarted.append(id, source('after it'), 20, 8)).toBe(28);
    const d = digestOf('before the restart, after it');
    expect(await restarted.commit(id, d)).toBe(28);
    expect((await readAll(await restarted.read(d))).toString()).toBe('before the restart, after it');
    expect(await store.stat(d)).toBe(28);
  });

  test('after a restart an upload can be committed directly, under sha256 or sha512', async () => {
    const a = randomUUID();
    const b = randomUUID();
    await store.createUpload(a);
    await store.createUpload(b);
    await store.append(a, source('restart then commit'), 0);
    await store.append(b, source('restart then commit'), 0);

    const restarted = await open(root);
    await expect(restarted.commit(a, digestOf('something else'))).rejects.toMatchObject({ code: 'DIGEST_INVALID' });
    expect(await restarted.commit(a, digestOf('restart then commit'))).toBe(19);
    expect(await restarted.commit(b, digestOf('restart then commit', 'sha512'))).toBe(19);
  });

  test('after a restart a failed append still leaves the upload as it was', async () => {
    const id = randomUUID();
    await store.createUpload(id);
    await store.append(id, source('kept'), 0);
    const restarted = await open(root);
    await expect(restarted.append(id, failingSource('lost'), 4)).rejects.toThrow();
    expect(await restarted.uploadSize(id)).toBe(4);
    await restarted.append(id, source(' too'), 4);
    expect(await restarted.commit(id, digestOf('kept too'))).toBe(8);
  });

  test('blobs live at <root>/<algorithm>/<first two hex>/<hex>, uploads under _uploads/<id>/data', async () => {
    const id = randomUUID();
    await store.createUpload(id);
    await store.append(id, source('pending'), 0);
    expect(await files(root)).toEqual([`_uploads/${id}/data`]);

    const d256 = await putBlob(store, 'layout');
    const d512 = await putBlob(store, 'layout', 'sha512');
    const hex256 = d256.slice('sha256:'.length);
    const hex512 = d512.slice('sha512:'.length);
    expect(await files(root)).toEqual([
      `_uploads/${id}/data`,
      `sha256/${hex256.slice(0, 2)}/${hex256}`,
      `sha512/${hex512.slice(0, 2)}/${hex512}`,
    ].sort());
    expect((await readFile(join(root, 'sha256', hex256.slice(0, 2), hex256))).toString()).toBe('layout');
    expect((await readFile(join(root, 'sha512', hex512.slice(0, 2), hex512))).toString()).toBe('layout');
  });

  test('no temporary files are left after a commit, a cancel or a failed append', async () => {
    const committed = randomUUID();
    await store.createUpload(committed);
    await store.append(committed, source('to commit'), 0);
    await expect(store.append(committed, failingSource('half'), 9)).rejects.toThrow();
    await expect(store.append(committed, source('too long'), 9, 2)).rejects.toThrow();
    expect(await files(join(root, '_uploads'))).toEqual([`${committed}/data`]);
    const d = digestOf('to commit');
    await store.commit(committed, d);

    const cancelled = randomUUID();
    await store.createUpload(cancelled);
    await store.append(cancelled, source('to cancel'), 0);
    await store.cancelUpload(cancelled);

    const hex = d.slice('sha256:'.length);
    expect(await files(root)).toEqual([`sha256/${hex.slice(0, 2)}/${hex}`]);
    expect(await readdir(join(root, '_uploads'))).toEqual([]);
  });

  test('list ignores directories of an unknown algorithm and upload leftovers', async () => {
    const d = await putBlob(store, 'listed');
    const id = randomUUID();
    await store.createUpload(id);
    const other = new FsBlobStore(join(root, 'elsewhere'));
    await other.init();
    const listed: string[] = [];
    for await (const x of store.list()) listed.push(x);
    expect(listed).toEqual([d]);
  });
});

describe('sending a blob with reused buffers (sendTo)', () => {
  /** A sink that acknowledges each chunk a turn later and copies it then (the sender reuses its buffers). */
  function sink(opts: { failAfter?: number; ackMs?: number } = {}): { w: Writable; data: () => Buffer } {
    const parts: Buffer[] = [];
    let n = 0;
    const w = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _enc, cb) {
        n += chunk.length;
        if (opts.failAfter !== undefined && n > opts.failAfter) { w.destroy(); return; }
        // Copied only when acknowledged: a sender that reused the buffer earlier would corrupt it.
        setTimeout(() => { parts.push(Buffer.from(chunk)); cb(); }, opts.ackMs ?? 0);
      },
    });
    return { w, data: () => Buffer.concat(parts) };
  }

  test('the whole blob and a range arrive byte for byte, across several reused buffers', async () => {
    const s = await open(await freshRoot());
    const data = Buffer.alloc(5 * 1024 * 1024 + 123);
    for (let i = 0; i + 4 <= data.length; i += 4) data.writeUInt32LE(i, i);
    const digest = await putBlob(s, data);
    const whole = await s.read(digest);
    expect(isSendable(whole)).toBe(true);
    const a = sink({ ackMs: 20 });
    await (whole as SendableBlob).sendTo(a.w);
    expect(a.data().equals(data)).toBe(true);
    expect(a.w.writableEnded).toBe(true); // ended by sendTo, as pipeline ends its sink
    const part = await s.read(digest, { start: 1_000_001, end: 3_500_000 });
    const b = sink();
    await (part as SendableBlob).sendTo(b.w);
    expect(b.data().equals(data.subarray(1_000_001, 3_500_001))).toBe(true);
  });

  test('a sink that closes mid-way fails the send with a premature close', async () => {
    const s = await open(await freshRoot());
    const digest = await putBlob(s, Buffer.alloc(8 * 1024 * 1024, 1));
    const stream = await s.read(digest);
    const c = sink({ failAfter: 2 * 1024 * 1024 });
    await expect((stream as SendableBlob).sendTo(c.w)).rejects.toMatchObject({ code: expect.stringMatching(/PREMATURE_CLOSE|DESTROYED/) });
  });

  test('70 downloads at once, more than the two pools lend, each arrive byte for byte', async () => {
    // 16 MiB buffers go 4 to a download, then 64 of 256 KiB one each, then a download has its own.
    const s = await open(await freshRoot());
    const data = Buffer.alloc(1536 * 1024 + 7);
    for (let i = 0; i + 4 <= data.length; i += 4) data.writeUInt32LE(i * 7, i);
    const digest = await putBlob(s, data);
    const sinks = Array.from({ length: 70 }, () => sink({ ackMs: 2 }));
    await Promise.all(sinks.map(async (k) => ((await s.read(digest)) as SendableBlob).sendTo(k.w)));
    for (const k of sinks) expect(k.data().equals(data)).toBe(true);
  });

  test('read as a plain stream, the same bytes', async () => {
    const s = await open(await freshRoot());
    const data = Buffer.from('plain stream '.repeat(200_000));
    const digest = await putBlob(s, data);
    expect((await readAll(await s.read(digest))).equals(data)).toBe(true);
    expect((await readAll(await s.read(digest, { start: 13, end: 25 }))).toString()).toBe('plain stream ');
  });
});

describe('memory that transfers share', () => {
  test('the send buffer pool lends at most its max, reuses what comes back whole, and keeps none once none is lent', () => {
    const pool = new SendBufferPool(16, 3);
    const a = pool.take(2);
    const b = pool.take(2);
    expect([a.length, b.length, pool.take(1).length]).toEqual([2, 1, 0]);
    pool.give(a[0], true);
    pool.give(a[1], false); // a write may still read it: never lent again
    const c = pool.take(3);
    expect(c).toHaveLength(2); // b's one is still lent
    expect(c).toContain(a[0]);
    expect(c).not.toContain(a[1]);
    expect(pool.take(1)).toEqual([]);
    for (const x of [...b, ...c]) pool.give(x, true);
    // None lent: the free ones were let go, so these are new.
    const d = pool.take(3);
    expect(d).toHaveLength(3);
    for (const x of d) expect([...a, ...b, ...c]).not.toContain(x);
  });

  test('uploads at once that hold more than their shared budget: each blob whole, and nothing counted as held after', async () => {
    const s = await open(await freshRoot());
    const chunk = 64 * 1024;
    const blobs = Array.from({ length: 12 }, (_, k) => Buffer.alloc(3 * 1024 * 1024, k + 1));
    async function* chunks(b: Buffer, failAt?: number): AsyncGenerator<Uint8Array> {
      for (let off = 0; off < b.length; off += chunk) {
        if (failAt !== undefined && off >= failAt) throw new Error('client went away');
        yield b.subarray(off, off + chunk);
      }
    }
    const ids = blobs.map(() => randomUUID());
    for (const id of ids) await s.createUpload(id);
    const failing = randomUUID();
    await s.createUpload(failing);
    const results = await Promise.allSettled([
      ...blobs.map((b, k) => s.append(ids[k], chunks(b), 0, b.length)),
      s.append(failing, chunks(Buffer.alloc(3 * 1024 * 1024), 1024 * 1024), 0),
    ]);
    expect(results.slice(0, 12).every((r) => r.status === 'fulfilled')).toBe(true);
    expect(results[12]).toMatchObject({ status: 'rejected', reason: { message: 'client went away' } });
    expect(uploadBytesHeld()).toBe(0);
    for (const [k, b] of blobs.entries()) {
      const digest = digestOf(b);
      await s.commit(ids[k], digest);
      expect((await readAll(await s.read(digest))).equals(b)).toBe(true);
    }
  });
});
