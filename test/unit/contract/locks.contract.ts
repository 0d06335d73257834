// The LockStore contract: every backend runs it (test/unit/meta-store.sqlite.test.ts for SQLite).
import { describe, expect, test } from 'vitest';
import { useStores, type StoresFactory } from './harness.js';

export function lockStoreContract(name: string, factory: StoresFactory): void {
  describe(`LockStore contract: ${name}`, () => {
    const st = useStores(factory);

    test('a free lock is taken; a held one is refused to others until its holder releases it', async () => {
      expect(await st.locks.acquireLock('gc', 'a', 1000, 2000)).toBe(true);
      expect(await st.locks.getLock('gc')).toEqual({ name: 'gc', owner: 'a', until: 2000 });
      expect(await st.locks.acquireLock('gc', 'b', 1500, 2500)).toBe(false);
      expect(await st.locks.releaseLock('gc', 'b')).toBe(false);
      expect(await st.locks.getLock('gc')).toEqual({ name: 'gc', owner: 'a', until: 2000 });
      expect(await st.locks.releaseLock('gc', 'a')).toBe(true);
      expect(await st.locks.getLock('gc')).toBeNull();
      expect(await st.locks.acquireLock('gc', 'b', 1500, 2500)).toBe(true);
    });

    test('locks are independent by name', async () => {
      expect(await st.locks.acquireLock('blob:sha256:aa', 'a', 0, 100)).toBe(true);
      expect(await st.locks.acquireLock('blob:sha256:bb', 'b', 0, 100)).toBe(true);
      expect(await st.locks.acquireLock('blob:sha256:aa', 'b', 50, 150)).toBe(false);
    });

    test('a lease that ran out lets another owner take the lock; the old holder can no longer renew or release it', async () => {
      expect(await st.locks.acquireLock('job', 'dead', 0, 100)).toBe(true);
      expect(await st.locks.acquireLock('job', 'next', 99, 199)).toBe(false);
      expect(await st.locks.acquireLock('job', 'next', 100, 200)).toBe(true);
      expect(await st.locks.renewLock('job', 'dead', 300)).toBe(false);
      expect(await st.locks.releaseLock('job', 'dead')).toBe(false);
      expect(await st.locks.getLock('job')).toEqual({ name: 'job', owner: 'next', until: 200 });
    });

    test('the holder renews its lease, and taking a lock it holds again renews it too', async () => {
      expect(await st.locks.acquireLock('job', 'a', 0, 100)).toBe(true);
      expect(await st.locks.renewLock('job', 'a', 500)).toBe(true);
      expect(await st.locks.acquireLock('job', 'b', 400, 600)).toBe(false);
      expect(await st.locks.acquireLock('job', 'a', 450, 900)).toBe(true);
      expect(await st.locks.getLock('job')).toEqual({ name: 'job', owner: 'a', until: 900 });
      expect(await st.locks.renewLock('nothing', 'a', 900)).toBe(false);
    });

    test('of many owners racing for one lock, exactly one wins', async () => {
      const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => st.locks.acquireLock('race', `o${i}`, 0, 1000)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect((await st.locks.getLock('race'))!.owner).toBe(`o${wins.indexOf(true)}`);
    });

    test('purging forgets only the locks whose lease ended', async () => {
      await st.locks.acquireLock('old', 'a', 0, 100);
      await st.locks.acquireLock('live', 'b', 0, 300);
      expect(await st.locks.purgeExpiredLocks(100)).toBe(1);
      expect(await st.locks.getLock('old')).toBeNull();
      expect(await st.locks.getLock('live')).toEqual({ name: 'live', owner: 'b', until: 300 });
    });

    test('hostile names are plain names', async () => {
      for (const n of ['__proto__', 'constructor', "x' OR 1=1 --", 'é'.repeat(500)]) {
        expect(await st.locks.acquireLock(n, 'a', 0, 10)).toBe(true);
        expect((await st.locks.getLock(n))!.name).toBe(n);
      }
    });
  });
}
