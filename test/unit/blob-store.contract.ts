// The BlobStore contract: one test body that every backend runs (as distribution's driver
// testsuites do). A backend's test file calls blobStoreContract() with a factory that returns a
// fresh, empty, initialized store for each test. Upload ids are 1-64 characters of [A-Za-z0-9_-]
// (the registry uses UUIDs); anything else is refused before it can name a path or a key.
import { randomBytes, randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { bodyScavenger } from '../../src/core/scavenge.js';
import { digestOf } from '../../src/oci/digest.js';
import type { BlobStore } from '../../src/storage/blobs/types.js';
import { buf, collect, expectHarborError, failingSource, readAll, source } from './helpers.js';

export type BlobStoreFactory = () => Promise<BlobStore>;

/** Creates an upload, fills it with `data` in one append, and commits it. Returns the digest. */
export async function putBlob(store: BlobStore, data: string | Buffer, algorithm: 'sha256' | 'sha512' = 'sha256'): Promise<string> {
  const bytes = typeof data === 'string' ? buf(data) : data;
  const id = randomUUID();
  await store.createUpload(id);
  await store.append(id, source(bytes), 0, bytes.length);
  const digest = digestOf(bytes, algorithm);
  await store.commit(id, digest);
  return digest;
}

const MISSING = digestOf('never stored');

export function blobStoreContract(name: string, factory: BlobStoreFactory): void {
  describe(`BlobStore contract: ${name}`, () => {
    let store: BlobStore;
    beforeEach(async () => {
      store = await factory();
    });

    describe('committed blobs', () => {
      test('stat gives the size of a blob, null for an absent one', async () => {
        const d = await putBlob(store, 'hello blob');
        expect(await store.stat(d)).toBe(10);
        expect(await store.stat(MISSING)).toBeNull();
      });

      test('read streams the whole blob', async () => {
        const d = await putBlob(store, 'the whole content');
        expect((await readAll(await store.read(d))).toString()).toBe('the whole content');
      });

      test('read with an inclusive range gives exactly that range', async () => {
        const d = await putBlob(store, '0123456789');
        expect((await readAll(await store.read(d, { start: 0, end: 0 }))).toString()).toBe('0');
        expect((await readAll(await store.read(d, { start: 2, end: 4 }))).toString()).toBe('234');
        expect((await readAll(await store.read(d, { start: 9, end: 9 }))).toString()).toBe('9');
        expect((await readAll(await store.read(d, { start: 3, end: 9 }))).toString()).toBe('3456789');
        expect((await readAll(await store.read(d, { start: 0, end: 9 }))).toString()).toBe('0123456789');
      });

      test('a blob larger than one read buffer round-trips, and a range across buffers is exact', async () => {
        const data = randomBytes(2.5 * 1024 * 1024);
        const d = await putBlob(store, data);
        expect(await store.stat(d)).toBe(data.length);
        expect((await readAll(await store.read(d))).equals(data)).toBe(true);
        const start = 1024 * 1024 - 7;
        const end = 2 * 1024 * 1024 + 11;
        expect((await readAll(await store.read(d, { start, end }))).equals(data.subarray(start, end + 1))).toBe(true);
      });

      test('an empty blob can be stored and read', async () => {
        const id = randomUUID();
        await store.createUpload(id);
        const d = digestOf('');
        expect(await store.commit(id, d)).toBe(0);
        expect(await store.stat(d)).toBe(0);
        expect((await readAll(await store.read(d))).length).toBe(0);
      });

      test('read of an absent blob is BLOB_UNKNOWN', async () => {
        await expectHarborError(store.read(MISSING), 'BLOB_UNKNOWN');
      });

      test('malformed digests are refused with DIGEST_INVALID, never used as a path', async () => {
        for (const bad of ['sha256:../../etc/passwd', 'sha256:ABC', 'md5:d41d8cd98f00b204e9800998ecf8427e', '../x', '']) {
          await expectHarborError(store.stat(bad), 'DIGEST_INVALID');
          await expectHarborError(store.read(bad), 'DIGEST_INVALID');
          await expectHarborError(store.delete(bad), 'DIGEST_INVALID');
        }
      });

      test('delete removes one blob and reports whether it was there', async () => {
        const a = await putBlob(store, 'blob a');
        const b = await putBlob(store, 'blob b');
        expect(await store.delete(a)).toBe(true);
        expect(await store.delete(a)).toBe(false);
        expect(await store.stat(a)).toBeNull();
        await expectHarborError(store.read(a), 'BLOB_UNKNOWN');
        expect(await store.stat(b)).toBe(6);
        expect(await store.delete(MISSING)).toBe(false);
      });

      test('list yields every committed digest and nothing else', async () => {
        expect(await collect(store.list())).toEqual([]);
        const a = await putBlob(store, 'one');
        const b = await putBlob(store, 'two');
        const c = await putBlob(store, 'three', 'sha512');
        const pending = randomUUID();
        await store.createUpload(pending);
        await store.append(pending, source('not committed'), 0);
        expect((await collect(store.list())).sort()).toEqual([a, b, c].sort());
        await store.delete(b);
        expect((await collect(store.list())).sort()).toEqual([a, c].sort());
      });
    });

    describe('uploads', () => {
      test('a new upload is empty and listed', async () => {
        const id = randomUUID();
        await store.createUpload(id);
        expect(await store.uploadSize(id)).toBe(0);
        expect(await store.listUploads()).toEqual([id]);
      });

      test('creating an upload with an id already in use fails and keeps its bytes', async () => {
        const id = randomUUID();
        await store.createUpload(id);
        await store.append(id, source('kept'), 0);
        await expect(store.createUpload(id)).rejects.toThrow();
        expect(await store.uploadSize(id)).toBe(4);
      });

      test('append at the current offset with an exact length returns the new size', async () => {
        const id = randomUUID();
        await store.createUpload(id);
        expect(await store.append(id, source('abc', 'de'), 0, 5)).toBe(5);
        expect(await store.append(id, source('fgh'), 5, 3)).toBe(8);
        expect(await store.append(id, source('ij'), 8)).toBe(10);
        expect(await store.uploadSize(id)).toBe(10);
        expect(await store.commit(id, digestOf('abcdefghij'))).toBe(10);
      });

      test('every byte an append takes is counted for the scavenge of dead body chunks', async () => {
        const taken = vi.spyOn(bodyScavenger, 'taken');
        try {
          const id = randomUUID();
          await store.createUpload(id);
          await store.append(id, source('abc', 'de', 'fghij'), 0, 10);
          expect(taken.mock.calls.reduce((n, [bytes]) => n + bytes, 0)).toBe(10);
        } finally {
          taken.mockRestore();
        }
      });

      test('an empty append changes nothing', async () => {
        const id = randomUUID();
        await store.createUpload(id);
        await store.append(id, source('xy'), 0);
        expect(await store.append(id, source(), 2, 0)).toBe(2);
        expect(await store.commit(id, digestOf('xy'))).toBe(2);
      });

      test('append at a wrong offset is RANGE_INVALID (416) with the current Range, and changes nothing', async () => {
        const id = randomUUID();
        await store.createUpload(id);
        let e = await expectHarborError(store.append(id, source('zz'), 3), 'RANGE_INVALID');
        expect(e.status).toBe(416);
        expect(e.headers.Range).toBe('0-0');
        await store.append(id, source('hello'), 0, 5);
        e = await expectHarborError(store.append(id, source('zz'), 3, 2), 'RANGE_INVALID');
        expect(e.headers.Range).toBe('0-4');
        e = await expectHarborError(store.append(id, source('zz'), 6, 2), 'RANGE_INVALID');
        expect(e.headers.Range).toBe('0-4');
        e = await expectHarborError(store.append(id, source('zz'), 0, 2), 'RANGE_INVALID');
        expect(e.headers.Range).toBe('0-4');
        expect(await store.uploadSize(id)).toBe(5);
        expect(await store.commit(id, digestOf('hello'))).toBe(5);
      });

      test('truncateUpload drops the chunks past a size (a dead writer\'s), keeps what is before it, and the upload goes on from there', async () => {
        const id = randomUUID();
        await store.createUpload(id);
        await store.append(id, source('kept '), 0);
        await store.truncateUpload(id, 5);
        expect(await store.uploadSize(id)).toBe(5);
        await store.append(id, source('lost bytes'), 5);
        await store.truncateUpload(id, 5);
        expect(await store.uploadSize(id)).toBe(5);
        await store.append(id, source('and more'), 5);
        expect(await store.commit(id, digestOf('kept and more'))).toBe(13);
      });

      test('a source that fails midway leaves the upload exactly as it was, and a retry works', async () => {
        const id = randomUUID();
        await store.createUpload(id);
        await store.append(id, source('first '), 0);
        await expect(store.append(id, failingSource('gar', 'bage'), 6)).rejects.toThrow('client went away');
        expect(await store.uploadSize(id)).toBe(6);
        await expect(store.append(id, failingSource('more garbage'), 6, 20)).rejects.toThrow('client went away');
        expect(await store.uploadSize(id)).toBe(6);
        expect(await store.append(id, source('second'), 6, 6)).toBe(12);
        // The running hash must not have seen the failed bytes.
        expect(await store.commit(id, digestOf('first second'))).toBe(12);
        expect((await readAll(await store.read(digestOf('first second')))).toString()).toBe('first second');
      });

      test('a failing first chunk leaves an empty upload', async () => {
        const id = randomUUID();
        await store.createUpload(id);
        await expect(store.append(id, failingSource('partial'), 0)).rejects.toThrow();
        expect(await store.uploadSize(id)).toBe(0);
        await store.append(id, source('whole'), 0);
        expect(await store.commit(id, digestOf('whole'))).toBe(5);
      });

      test('a source longer than the declared length is SIZE_INVALID and changes nothing', async () => {
        const id = randomUUID();
        await store.createUpload(id);
        await store.append(id, source('12'), 0);
        await expectHarborError(store.append(id, source('abcdef'), 2, 5), 'SIZE_INVALID');
        expect(await store.uploadSize(id)).toBe(2);
        await expectHarborError(store.append(id, source('abc', 'def'), 2, 5), 'SIZE_INVALID');
        expect(await store.uploadSize(id)).toBe(2);
        await store.append(id, source('abcde'), 2, 5);
        expect(await store.commit(id, digestOf('12abcde'))).toBe(7);
      });

      test('a source shorter than the declared length is SIZE_INVALID and changes nothing', async () => {
        const id = randomUUID();
        await store.createUpload(id);
        await store.append(id, source('12'), 0);
        await expectHarborError(store.append(id, source('ab', 'c'), 2, 5), 'SIZE_INVALID');
        expect(await store.uploadSize(id)).toBe(2);
        await expectHarborError(store.append(id, source(), 2, 1), 'SIZE_INVALID');
        expect(await store.uploadSize(id)).toBe(2);
        await store.append(id, source('ab', 'c'), 2, 3);
        expect(await store.commit(id, digestOf('12abc'))).toBe(5);
      });

      test('commit with the right sha256 digest makes the blob readable and removes the upload', async () => {
        const id = randomUUID();
        await store.createUpload(id);
        await store.append(id, source('chunk one, '), 0);
        await store.append(id, source('chunk two'), 11);
        const d = digestOf('chunk one, chunk two');
        expect(await store.stat(d)).toBeNull();
        expect(await store.commit(id, d)).toBe(20);
        expect(await store.stat(d)).toBe(20);
        expect((await readAll(await store.read(d))).toString()).toBe('chunk one, chunk two');
        expect(await store.uploadSize(id)).toBeNull();
        expect(await store.listUploads()).toEqual([]);
        await expectHarborError(store.commit(id, d), 'BLOB_UPLOAD_UNKNOWN');
      });

      test('commit with the right sha512 digest stores the blob under it', async () => {
        const id = randomUUID();
        await store.createUpload(id);
        await store.append(id, source('sha512 '), 0);
        await store.append(id, source('content'), 7);
        const d = digestOf('sha512 content', 'sha512');
        expect(await store.commit(id, d)).toBe(14);
        expect(await store.stat(d)).toBe(14);
        expect(await store.stat(digestOf('sha512 content'))).toBeNull();
        expect((await readAll(await store.read(d, { start: 7, end: 13 }))).toString()).toBe('content');
        expect(await collect(store.list())).toEqual([d]);
        expect(await store.uploadSize(id)).toBeNull();
      });

      test('commit with a wrong digest is DIGEST_INVALID, commits nothing, and keeps the upload', async () => {
        const id = randomUUID();
        await store.createUpload(id);
        await store.append(id, source('actual'), 0);
        const wrong = digestOf('expected');
        await expectHarborError(store.commit(id, wrong), 'DIGEST_INVALID');
        await expectHarborError(store.commit(id, digestOf('not the actual content', 'sha512')), 'DIGEST_INVALID');
        await expectHarborError(store.commit(id, 'sha256:not-a-digest'), 'DIGEST_INVALID');
        expect(await store.stat(wrong)).toBeNull();
        expect(await store.stat(digestOf('actual'))).toBeNull();
        expect(await collect(store.list())).toEqual([]);
        expect(await store.uploadSize(id)).toBe(6);
        // The session is still usable: more bytes, then the right digest.
        await store.append(id, source('!'), 6);
        expect(await store.commit(id, digestOf('actual!'))).toBe(7);
      });

      test('a wrong sha512 commit does not disturb a later sha256 commit', async () => {
        const id = randomUUID();
        await store.createUpload(id);
        await store.append(id, source('mixed'), 0);
        await expectHarborError(store.commit(id, digestOf('other', 'sha512')), 'DIGEST_INVALID');
        await store.append(id, source(' algorithms'), 5);
        expect(await store.commit(id, digestOf('mixed algorithms'))).toBe(16);
      });

      test('two concurrent commits of the same content give one blob', async () => {
        const ids = [randomUUID(), randomUUID(), randomUUID()];
        for (const id of ids) {
          await store.createUpload(id);
          await store.append(id, source('same ', 'content'), 0);
        }
        const d = digestOf('same content');
        expect(await Promise.all(ids.map((id) => store.commit(id, d)))).toEqual([12, 12, 12]);
        expect(await collect(store.list())).toEqual([d]);
        expect(await store.stat(d)).toBe(12);
        expect((await readAll(await store.read(d))).toString()).toBe('same content');
        expect(await store.listUploads()).toEqual([]);
      });

      test('committing content that is already stored succeeds and leaves one blob', async () => {
        const d = await putBlob(store, 'stored twice');
        expect(await putBlob(store, 'stored twice')).toBe(d);
        expect(await collect(store.list())).toEqual([d]);
        expect(await store.stat(d)).toBe(12);
      });

      test('concurrent appends on one upload are serialized', async () => {
        const id = randomUUID();
        await store.createUpload(id);
        // Without serialization the second append would see size 0 and be refused.
        const first = store.append(id, source('aa', 'aa', 'aa', 'aa'), 0, 8);
        const second = store.append(id, source('bbbb'), 8, 4);
        expect(await Promise.all([first, second])).toEqual([8, 12]);
        expect(await store.commit(id, digestOf('aaaaaaaabbbb'))).toBe(12);
      });

      test('of two concurrent appends at the same offset exactly one wins', async () => {
        const id = randomUUID();
        await store.createUpload(id);
        const results = await Promise.allSettled([
          store.append(id, source('xx', 'xx'), 0, 4),
          store.append(id, source('yy', 'yy'), 0, 4),
        ]);
        expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
        const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(rejected.reason).toMatchObject({ code: 'RANGE_INVALID' });
        expect(await store.uploadSize(id)).toBe(4);
        const won = results[0].status === 'fulfilled' ? 'xxxx' : 'yyyy';
        expect(await store.commit(id, digestOf(won))).toBe(4);
      });

      test('an append queued behind a commit finds the upload gone', async () => {
        const id = randomUUID();
        await store.createUpload(id);
        await store.append(id, source('done'), 0);
        const commit = store.commit(id, digestOf('done'));
        const late = store.append(id, source('late'), 4);
        expect(await commit).toBe(4);
        await expectHarborError(late, 'BLOB_UPLOAD_UNKNOWN');
        expect(await store.stat(digestOf('done'))).toBe(4);
      });

      test('cancelUpload forgets the upload and its bytes, and is idempotent', async () => {
        const id = randomUUID();
        const other = randomUUID();
        await store.createUpload(id);
        await store.createUpload(other);
        await store.append(id, source('bytes to drop'), 0);
        await store.cancelUpload(id);
        expect(await store.uploadSize(id)).toBeNull();
        expect(await store.listUploads()).toEqual([other]);
        await expectHarborError(store.append(id, source('x'), 0), 'BLOB_UPLOAD_UNKNOWN');
        await expectHarborError(store.commit(id, digestOf('bytes to drop')), 'BLOB_UPLOAD_UNKNOWN');
        await store.cancelUpload(id);
        await store.cancelUpload(randomUUID());
        expect(await collect(store.list())).toEqual([]);
      });

      test('listUploads gives every open upload', async () => {
        const ids = [randomUUID(), randomUUID(), randomUUID()];
        for (const id of ids) await store.createUpload(id);
        await store.append(ids[1], source('some'), 0);
        expect((await store.listUploads()).sort()).toEqual([...ids].sort());
        await store.commit(ids[1], digestOf('some'));
        await store.cancelUpload(ids[2]);
        expect(await store.listUploads()).toEqual([ids[0]]);
      });

      test('unknown upload ids: null size, BLOB_UPLOAD_UNKNOWN on append and commit', async () => {
        const id = randomUUID();
        expect(await store.uploadSize(id)).toBeNull();
        await expectHarborError(store.append(id, source('x'), 0), 'BLOB_UPLOAD_UNKNOWN');
        await expectHarborError(store.commit(id, digestOf('x')), 'BLOB_UPLOAD_UNKNOWN');
        expect(await store.listUploads()).toEqual([]);
        expect(await collect(store.list())).toEqual([]);
      });

      test('invalid upload ids are refused and never touch storage', async () => {
        for (const bad of ['../escape', 'a/b', '..', '', 'x'.repeat(65), 'has space', 'dot.ted', '%2e%2e']) {
          await expect(store.createUpload(bad), JSON.stringify(bad)).rejects.toThrow();
          expect(await store.uploadSize(bad)).toBeNull();
          await expectHarborError(store.append(bad, source('x'), 0), 'BLOB_UPLOAD_UNKNOWN');
          await expectHarborError(store.commit(bad, digestOf('x')), 'BLOB_UPLOAD_UNKNOWN');
          await expectHarborError(store.cancelUpload(bad), 'BLOB_UPLOAD_UNKNOWN');
        }
        expect(await store.listUploads()).toEqual([]);
        // Ids made of the allowed characters at the maximum length work.
        const longest = 'A_b-9'.repeat(12) + 'zzzz';
        await store.createUpload(longest);
        expect(await store.listUploads()).toEqual([longest]);
      });
    });
  });
}
