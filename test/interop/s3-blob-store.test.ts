// S3BlobStore against a real radosgw (test/helpers/ceph.ts): the shared BlobStore contract, then
// what only an S3 backend promises: uploads resumed by another instance (another replica), chunks
// around S3's 5 MiB part minimum, nothing visible after a wrong digest, bounded memory on a big blob.
// Without Ceph installed these tests fail (start throws), never skip.
import { randomBytes, randomUUID, createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { digestOf } from '../../src/oci/digest.js';
import { S3BlobStore } from '../../src/storage/blobs/s3/index.js';
import { startCeph, type Ceph } from '../helpers/ceph.js';
import { blobStoreContract } from '../unit/blob-store.contract.js';
import { collect, expectHarborError, readAll, source } from '../unit/helpers.js';

const MiB = 1024 * 1024;
let ceph: Ceph;
let bucket: string;
let stores = 0;

beforeAll(async () => {
  ceph = await startCeph();
  bucket = await ceph.bucket();
});
afterAll(async () => {
  await ceph?.stop();
});

function open(prefix: string): S3BlobStore {
  return new S3BlobStore({
    bucket, prefix, endpoint: ceph.endpoint, region: 'us-east-1', pathStyle: true,
    credentials: { accessKeyId: ceph.accessKeyId, secretAccessKey: ceph.secretAccessKey },
  });
}

/** Every key under a prefix of the test bucket, relative to it. */
async function keys(prefix: string): Promise<string[]> {
  return (await ceph.keys(bucket, `${prefix}/`)).map((k) => k.slice(prefix.length + 1)).sort();
}

// Each test gets a prefix of its own in one bucket: a fresh, empty store.
blobStoreContract('s3 (radosgw)', async () => {
  const s = open(`contract/${++stores}`);
  await s.init();
  return s;
});

describe('S3BlobStore specifics (radosgw)', () => {
  test('an upload whose chunks are written by two instances (two replicas) completes and verifies', async () => {
    const prefix = `replicas/${randomUUID()}`;
    const a = open(prefix);
    const b = open(prefix);
    const id = randomUUID();
    const parts = [randomBytes(3 * MiB), randomBytes(6 * MiB), Buffer.from('tail'), randomBytes(MiB)];
    await a.createUpload(id);
    let offset = 0;
    for (const [i, p] of parts.entries()) {
      const replica = i % 2 === 0 ? a : b;
      expect(await replica.uploadSize(id)).toBe(offset);
      offset = await replica.append(id, source(p), offset, p.length);
    }
    const all = Buffer.concat(parts);
    // `a` did not see the bytes `b` wrote: it re-reads the chunks from the bucket to verify.
    await expectHarborError(a.commit(id, digestOf('not it')), 'DIGEST_INVALID');
    expect(await a.commit(id, digestOf(all))).toBe(all.length);
    expect((await readAll(await b.read(digestOf(all)))).equals(all)).toBe(true);
    expect(await b.listUploads()).toEqual([]);
  });

  test('a commit by the instance that saw nothing of the upload verifies it too', async () => {
    const prefix = `replicas/${randomUUID()}`;
    const a = open(prefix);
    const id = randomUUID();
    await a.createUpload(id);
    await a.append(id, source('written by a'), 0);
    const b = open(prefix);
    expect(await b.commit(id, digestOf('written by a', 'sha512'))).toBe(12);
    expect(await a.stat(digestOf('written by a', 'sha512'))).toBe(12);
  });

  test('chunks of 1 byte, 4 MiB, 5 MiB and 6 MiB, in several orders, assemble byte for byte', async () => {
    const s = open(`sizes/${randomUUID()}`);
    const sizes = [[1, 4 * MiB, 5 * MiB, 6 * MiB], [6 * MiB, 1, 5 * MiB, 1, 4 * MiB], [5 * MiB, 5 * MiB], [1, 1, 1]];
    for (const list of sizes) {
      const id = randomUUID();
      await s.createUpload(id);
      const chunks = list.map((n) => randomBytes(n));
      let offset = 0;
      for (const c of chunks) offset = await s.append(id, source(c), offset, c.length);
      const all = Buffer.concat(chunks);
      const d = digestOf(all);
      expect(await s.commit(id, d), list.join(',')).toBe(all.length);
      expect((await readAll(await s.read(d))).equals(all), list.join(',')).toBe(true);
      const start = 4 * MiB - 3;
      const end = Math.min(all.length - 1, 5 * MiB + 2);
      if (start < end) expect((await readAll(await s.read(d, { start, end }))).equals(all.subarray(start, end + 1))).toBe(true);
    }
  });

  test('a wrong digest at commit leaves nothing visible under blobs/', async () => {
    const prefix = `wrong/${randomUUID()}`;
    const s = open(prefix);
    const id = randomUUID();
    await s.createUpload(id);
    await s.append(id, source(randomBytes(6 * MiB)), 0);
    await s.append(id, source('x'), 6 * MiB);
    const wrong = digestOf('something else');
    await expectHarborError(s.commit(id, wrong), 'DIGEST_INVALID');
    expect(await collect(s.list())).toEqual([]);
    expect(await s.stat(wrong)).toBeNull();
    expect((await keys(prefix)).filter((k) => k.startsWith('blobs/'))).toEqual([]);
    expect(await s.uploadSize(id)).toBe(6 * MiB + 1);
  });

  test('the layout: _uploads/<id>/{info,chunk-<offset>} while open, blobs/<alg>/<ab>/<hex> once committed', async () => {
    const prefix = `layout/${randomUUID()}`;
    const s = open(prefix);
    const id = randomUUID();
    await s.createUpload(id);
    await s.append(id, source('ab'), 0);
    await s.append(id, source('cd'), 2);
    expect(await keys(prefix)).toEqual([`_uploads/${id}/chunk-0000000000000000`, `_uploads/${id}/chunk-0000000000000002`, `_uploads/${id}/info`]);
    const hex = digestOf('abcd').slice(7);
    await s.commit(id, `sha256:${hex}`);
    expect(await keys(prefix)).toEqual([`blobs/sha256/${hex.slice(0, 2)}/${hex}`]);
  });

  test('a 64 MiB upload streams in and out with bounded memory', async () => {
    // Counts the body bytes of every request radosgw has answered: what the source produced beyond
    // that is what the store holds in memory (or in flight). Buffering the blob would reach 64 MiB.
    let answered = 0;
    class Counting extends NodeHttpHandler {
      override async handle(...args: Parameters<NodeHttpHandler['handle']>): ReturnType<NodeHttpHandler['handle']> {
        const body: unknown = args[0].body;
        const res = await super.handle(...args);
        if (body instanceof Uint8Array) answered += body.length;
        return res;
      }
    }
    const s = new S3BlobStore({
      bucket, prefix: `big/${randomUUID()}`, endpoint: ceph.endpoint, region: 'us-east-1', pathStyle: true,
      credentials: { accessKeyId: ceph.accessKeyId, secretAccessKey: ceph.secretAccessKey },
    }, { requestHandler: new Counting() });
    const id = randomUUID();
    await s.createUpload(id);
    const total = 64 * MiB;
    const expected = createHash('sha256');
    let produced = 0;
    let ahead = 0;
    async function* gen(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < total / MiB; i++) {
        const b = randomBytes(MiB);
        expected.update(b);
        ahead = Math.max(ahead, produced - answered);
        produced += b.length;
        yield b;
      }
    }
    expect(await s.append(id, gen(), 0, total)).toBe(total);
    // Two 8 MiB parts in flight and one filling, plus the chunk at hand.
    expect(ahead).toBeGreaterThan(0);
    expect(ahead).toBeLessThanOrEqual(3 * 8 * MiB + MiB);
    const d = `sha256:${expected.digest('hex')}`;
    expect(await s.commit(id, d)).toBe(total);
    const check = createHash('sha256');
    let n = 0;
    let reads = 0;
    for await (const c of await s.read(d)) {
      check.update(c as Buffer);
      n += (c as Buffer).length;
      reads++;
    }
    expect(n).toBe(total);
    expect(reads).toBeGreaterThan(64); // arrived as a stream of pieces, not one buffer
    expect(`sha256:${check.digest('hex')}`).toBe(d);
  });
});
