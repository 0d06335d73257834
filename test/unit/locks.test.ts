// Database-wide locks (services/locks.ts) and the digest barrier on them (services/blob-locks.ts):
// two Locks on one database are two replicas.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/core/log.js';
import { BlobLocks } from '../../src/services/blob-locks.js';
import { Locks } from '../../src/services/locks.js';
import type { LockStore } from '../../src/storage/meta/index.js';
import { openSqliteStores, type SqliteStores } from '../../src/storage/meta/sqlite/index.js';

const log = createLogger('error', { write: () => undefined });
let dir: string;
let stores: SqliteStores;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'harborctl-locks-'));
  stores = openSqliteStores(join(dir, 'db'));
});
afterEach(async () => {
  await stores.close();
  await rm(dir, { recursive: true, force: true });
});

/** The lock store, telling `refused` every time an acquire is refused. */
function watched(refused: () => void): { locks: LockStore } {
  return {
    locks: {
      ...stores.locks,
      acquireLock: async (...a) => {
        const ok = await stores.locks.acquireLock(...a);
        if (!ok) refused();
        return ok;
      },
      renewLock: (...a) => stores.locks.renewLock(...a),
      releaseLock: (...a) => stores.locks.releaseLock(...a),
      getLock: (...a) => stores.locks.getLock(...a),
      purgeExpiredLocks: (...a) => stores.locks.purgeExpiredLocks(...a),
    },
  };
}

describe('Locks', () => {
  test('a lock held by one replica is refused to another until released; two holders in one process exclude each other too', async () => {
    const a = new Locks(stores, log);
    const b = new Locks(stores, log);
    const lease = await a.tryAcquire('gc');
    expect(lease).not.toBeNull();
    expect(await b.tryAcquire('gc')).toBeNull();
    expect(await a.tryAcquire('gc')).toBeNull();
    await lease!.release();
    await lease!.release();
    const again = await b.tryAcquire('gc');
    expect(again).not.toBeNull();
    await b.close();
    expect(await stores.locks.getLock('gc')).toBeNull();
  });

  test('a claim is granted once per name', async () => {
    const a = new Locks(stores, log);
    const b = new Locks(stores, log);
    expect(await a.claim('tick:x:1', 60_000)).toBe(true);
    expect(await b.claim('tick:x:1', 60_000)).toBe(false);
    expect(await b.claim('tick:x:2', 60_000)).toBe(true);
  });

  test('a holder whose lock was taken over is told at its next renewal', async () => {
    const a = new Locks(stores, log, { leaseMs: 30 });
    const lease = (await a.tryAcquire('job'))!;
    // Another replica takes it over (as after the lease ran out while this one stalled).
    await stores.locks.releaseLock('job', (await stores.locks.getLock('job'))!.owner);
    await stores.locks.acquireLock('job', 'someone-else', 0, Number.MAX_SAFE_INTEGER);
    await new Promise((r) => lease.lost.addEventListener('abort', r));
    expect(lease.lost.aborted).toBe(true);
    await lease.release();
    expect((await stores.locks.getLock('job'))!.owner).toBe('someone-else');
  });
});

describe('BlobLocks on database locks', () => {
  test('a digest held on one replica holds up the same digest on another until released, not other digests', async () => {
    let refusals = 0;
    let contended!: () => void;
    const seen = new Promise<void>((r) => { contended = r; });
    const a = new BlobLocks(new Locks(stores, log));
    const b = new BlobLocks(new Locks(watched(() => { if (++refusals === 2) contended(); }), log));
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let entered!: () => void;
    const inA = new Promise<void>((r) => { entered = r; });
    const holdA = a.hold('sha256:aa', async () => { entered(); await gate; });
    await inA;
    let bRan = false;
    const holdB = b.hold('sha256:aa', async () => { bRan = true; });
    await b.hold('sha256:bb', async () => undefined);
    await Promise.race([holdB, seen]);
    expect(bRan).toBe(false);
    release();
    await holdA;
    await holdB;
    expect(bRan).toBe(true);
    expect(await stores.locks.getLock('blob:sha256:aa')).toBeNull();
  });
});
