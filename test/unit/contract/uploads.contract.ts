// The UploadStore contract: every backend runs it (test/unit/meta-store.sqlite.test.ts for SQLite).
import { describe, expect, test } from 'vitest';
import { useStores, type StoresFactory } from './harness.js';

export function uploadStoreContract(name: string, factory: StoresFactory): void {
  describe(`UploadStore contract: ${name}`, () => {
    const st = useStores(factory);

    describe('upload sessions', () => {
      test('createUpload and getUpload round-trip a session', async () => {
        const s = { id: 'u-1', repository: 'proj/app', createdAt: 1_000, updatedAt: 1_000 };
        await st.uploads.createUpload(s);
        expect(await st.uploads.getUpload('u-1')).toEqual({ ...s, size: 0, claimedAt: null });
        expect(await st.uploads.getUpload('u-unknown')).toBeNull();
      });

      test('touchUpload moves updatedAt only', async () => {
        await st.uploads.createUpload({ id: 'u-1', repository: 'proj/app', createdAt: 1_000, updatedAt: 1_000 });
        await st.uploads.touchUpload('u-1', 5_000);
        expect(await st.uploads.getUpload('u-1')).toEqual({ id: 'u-1', repository: 'proj/app', createdAt: 1_000, updatedAt: 5_000, size: 0, claimedAt: null });
        await st.uploads.touchUpload('u-unknown', 5_000);
        expect(await st.uploads.getUpload('u-unknown')).toBeNull();
      });

      test('deleteUpload forgets a session and is idempotent', async () => {
        await st.uploads.createUpload({ id: 'u-1', repository: 'proj/app', createdAt: 1, updatedAt: 1 });
        await st.uploads.createUpload({ id: 'u-2', repository: 'proj/app', createdAt: 1, updatedAt: 1 });
        await st.uploads.deleteUpload('u-1');
        await st.uploads.deleteUpload('u-1');
        expect(await st.uploads.getUpload('u-1')).toBeNull();
        expect(await st.uploads.getUpload('u-2')).not.toBeNull();
      });

      test('a session id is unique', async () => {
        await st.uploads.createUpload({ id: 'u-1', repository: 'proj/a', createdAt: 1, updatedAt: 1 });
        await expect(st.uploads.createUpload({ id: 'u-1', repository: 'proj/b', createdAt: 2, updatedAt: 2 })).rejects.toThrow();
        expect((await st.uploads.getUpload('u-1'))?.repository).toBe('proj/a');
      });

      test('listUploadsBefore gives sessions idle since strictly before the time, oldest first', async () => {
        await st.uploads.createUpload({ id: 'c', repository: 'proj/app', createdAt: 100, updatedAt: 300 });
        await st.uploads.createUpload({ id: 'a', repository: 'proj/app', createdAt: 100, updatedAt: 100 });
        await st.uploads.createUpload({ id: 'b', repository: 'proj/other', createdAt: 100, updatedAt: 200 });
        expect(await st.uploads.listUploadsBefore(100)).toEqual([]);
        expect((await st.uploads.listUploadsBefore(201)).map((s) => s.id)).toEqual(['a', 'b']);
        expect(await st.uploads.listUploadsBefore(1_000)).toEqual([
          { id: 'a', repository: 'proj/app', createdAt: 100, updatedAt: 100, size: 0, claimedAt: null },
          { id: 'b', repository: 'proj/other', createdAt: 100, updatedAt: 200, size: 0, claimedAt: null },
          { id: 'c', repository: 'proj/app', createdAt: 100, updatedAt: 300, size: 0, claimedAt: null },
        ]);
        await st.uploads.touchUpload('a', 400);
        expect((await st.uploads.listUploadsBefore(350)).map((s) => s.id)).toEqual(['b', 'c']);
      });

      test('millisecond timestamps survive the round trip', async () => {
        const now = 1_735_689_600_123;
        await st.uploads.createUpload({ id: 'ms', repository: 'proj/app', createdAt: now, updatedAt: now + 1 });
        expect(await st.uploads.getUpload('ms')).toEqual({ id: 'ms', repository: 'proj/app', createdAt: now, updatedAt: now + 1, size: 0, claimedAt: null });
      });
    });

    describe('one writer at a time (compare-and-set across replicas)', () => {
      const make = () => st.uploads.createUpload({ id: 'u-w', repository: 'proj/app', createdAt: 1_000, updatedAt: 1_000 });

      test('of two claims at the same offset only the first wins; the release records the size and frees the session', async () => {
        await make();
        expect(await st.uploads.claimUpload('u-w', 0, 'writer-a', 2_000, 0)).toBe(true);
        expect((await st.uploads.getUpload('u-w'))?.claimedAt).toBe(2_000);
        expect(await st.uploads.claimUpload('u-w', 0, 'writer-b', 2_001, 0)).toBe(false);
        expect(await st.uploads.releaseUpload('u-w', 'writer-b', 99, 2_002)).toBe(false);
        expect(await st.uploads.releaseUpload('u-w', 'writer-a', 10, 3_000)).toBe(true);
        expect(await st.uploads.getUpload('u-w')).toEqual({ id: 'u-w', repository: 'proj/app', createdAt: 1_000, updatedAt: 3_000, size: 10, claimedAt: null });
        // The loser's start is stale now; a claim at the new size wins.
        expect(await st.uploads.claimUpload('u-w', 0, 'writer-b', 3_001, 0)).toBe(false);
        expect(await st.uploads.claimUpload('u-w', 10, 'writer-b', 3_002, 0)).toBe(true);
        expect(await st.uploads.releaseUpload('u-w', 'writer-a', 20, 3_003)).toBe(false);
        expect((await st.uploads.getUpload('u-w'))?.size).toBe(10);
      });

      test('a release without a size (a failed write) keeps the size; an unknown session is never claimed', async () => {
        await make();
        expect(await st.uploads.claimUpload('u-w', 0, 'w', 2_000, 0)).toBe(true);
        expect(await st.uploads.releaseUpload('u-w', 'w', null, 2_500)).toBe(true);
        expect((await st.uploads.getUpload('u-w'))?.size).toBe(0);
        expect(await st.uploads.claimUpload('u-w', 0, 'w2', 2_600, 0)).toBe(true);
        expect(await st.uploads.claimUpload('u-unknown', 0, 'w', 2_000, 0)).toBe(false);
      });

      test('a claim not renewed since before staleBefore is taken over, and its old writer can neither renew nor release it', async () => {
        await make();
        expect(await st.uploads.claimUpload('u-w', 0, 'dead', 2_000, 0)).toBe(true);
        expect(await st.uploads.renewClaim('u-w', 'dead', 5_000)).toBe(true);
        expect(await st.uploads.claimUpload('u-w', 0, 'next', 6_000, 5_000)).toBe(false); // renewed at 5000: not stale
        expect(await st.uploads.claimUpload('u-w', 0, 'next', 9_000, 5_001)).toBe(true);
        expect(await st.uploads.renewClaim('u-w', 'dead', 9_001)).toBe(false);
        expect(await st.uploads.releaseUpload('u-w', 'dead', 50, 9_002)).toBe(false);
        expect(await st.uploads.releaseUpload('u-w', 'next', 7, 9_003)).toBe(true);
        expect((await st.uploads.getUpload('u-w'))?.size).toBe(7);
      });

      test('claims renew updatedAt, so an upload being written is not swept as idle', async () => {
        await make();
        await st.uploads.claimUpload('u-w', 0, 'w', 2_000, 0);
        await st.uploads.renewClaim('u-w', 'w', 8_000);
        expect(await st.uploads.listUploadsBefore(8_000)).toEqual([]);
      });
    });
  });
}
