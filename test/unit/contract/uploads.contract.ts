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
        expect(await st.uploads.getUpload('u-1')).toEqual(s);
        expect(await st.uploads.getUpload('u-unknown')).toBeNull();
      });

      test('touchUpload moves updatedAt only', async () => {
        await st.uploads.createUpload({ id: 'u-1', repository: 'proj/app', createdAt: 1_000, updatedAt: 1_000 });
        await st.uploads.touchUpload('u-1', 5_000);
        expect(await st.uploads.getUpload('u-1')).toEqual({ id: 'u-1', repository: 'proj/app', createdAt: 1_000, updatedAt: 5_000 });
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
          { id: 'a', repository: 'proj/app', createdAt: 100, updatedAt: 100 },
          { id: 'b', repository: 'proj/other', createdAt: 100, updatedAt: 200 },
          { id: 'c', repository: 'proj/app', createdAt: 100, updatedAt: 300 },
        ]);
        await st.uploads.touchUpload('a', 400);
        expect((await st.uploads.listUploadsBefore(350)).map((s) => s.id)).toEqual(['b', 'c']);
      });

      test('millisecond timestamps survive the round trip', async () => {
        const now = 1_735_689_600_123;
        await st.uploads.createUpload({ id: 'ms', repository: 'proj/app', createdAt: now, updatedAt: now + 1 });
        expect(await st.uploads.getUpload('ms')).toEqual({ id: 'ms', repository: 'proj/app', createdAt: now, updatedAt: now + 1 });
      });
    });
  });
}
