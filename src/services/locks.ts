// Database-wide locks for the services, on the LockStore's leased named locks: what makes several
// `serve` replicas on one database act as one. A lease is renewed in the background while its holder
// works (every third of the lease), so only a holder that died loses it: its lease runs out and the
// lock is free again. Each holder is its own owner (replica id + a counter), so two holders in one
// process exclude each other as two replicas do.
//
// Lease times are wall-clock milliseconds (Date.now), never the services' injectable clock: they
// measure whether a process is alive, and replicas compare them. Replicas on several machines need
// their clocks in step (NTP) to well within a lease.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/log.js';
import type { MetaStores } from '../storage/meta/index.js';

/** Default lease: a holder that stopped renewing for this long is taken for dead. */
export const DEFAULT_LEASE_MS = 15_000;
const POLL_MIN_MS = 5;
const POLL_MAX_MS = 200;

export interface Lease {
  readonly name: string;
  /** Aborted when a renewal found the lock taken by someone else (the holder was stalled past its lease). */
  readonly lost: AbortSignal;
  /** Lets go of the lock (once; later calls do nothing). */
  release(): Promise<void>;
}

export class Locks {
  /** This process's identity among the replicas. */
  readonly replicaId = randomUUID();
  private seq = 0;
  private readonly held = new Set<Lease>();
  private readonly leaseMs: number;

  constructor(private readonly stores: Pick<MetaStores, 'locks'>, private readonly log: Logger, opts: { leaseMs?: number } = {}) {
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  }

  /** Takes lock `name` now, or null when someone holds it. */
  async tryAcquire(name: string): Promise<Lease | null> {
    const owner = `${this.replicaId}/${++this.seq}`;
    const now = Date.now();
    if (!(await this.stores.locks.acquireLock(name, owner, now, now + this.leaseMs))) return null;
    const lost = new AbortController();
    const timer = setInterval(() => {
      this.stores.locks.renewLock(name, owner, Date.now() + this.leaseMs).then((ok) => {
        if (ok || lost.signal.aborted) return;
        clearInterval(timer);
        this.log.error('a database lock was lost: its lease ran out while this replica held it', { lock: name.slice(0, 200) });
        lost.abort();
      }, (e: unknown) => this.log.warn('could not renew a database lock', { lock: name.slice(0, 200), error: e }));
    }, Math.max(1, Math.floor(this.leaseMs / 3)));
    timer.unref();
    let released: Promise<void> | undefined;
    const lease: Lease = {
      name, lost: lost.signal,
      release: () => {
        released ??= (async () => {
          clearInterval(timer);
          this.held.delete(lease);
          await this.stores.locks.releaseLock(name, owner);
        })();
        return released;
      },
    };
    this.held.add(lease);
    return lease;
  }

  /** Waits for lock `name` (polling, 5 ms doubling up to 200 ms), or until `signal` aborts. */
  async acquire(name: string, signal?: AbortSignal): Promise<Lease> {
    for (let wait = POLL_MIN_MS; ; wait = Math.min(POLL_MAX_MS, wait * 2)) {
      signal?.throwIfAborted();
      const lease = await this.tryAcquire(name);
      if (lease) return lease;
      await new Promise((r) => setTimeout(r, wait + Math.random() * wait));
    }
  }

  /** Runs `fn` holding lock `name` (waiting for it first). */
  async hold<T>(name: string, fn: (lease: Lease) => Promise<T>): Promise<T> {
    const lease = await this.acquire(name);
    try {
      return await fn(lease);
    } finally {
      await lease.release();
    }
  }

  /**
   * Claims a one-time event (a scheduled tick) for this replica: true for exactly one caller of
   * the same name. The claim is never released; it is forgotten once `keepMs` has passed.
   */
  async claim(name: string, keepMs: number): Promise<boolean> {
    const now = Date.now();
    return this.stores.locks.acquireLock(name, `${this.replicaId}/${++this.seq}`, now, now + keepMs);
  }

  /** Forgets locks whose holders are gone (and claims past their time). */
  async purgeExpired(): Promise<number> {
    return this.stores.locks.purgeExpiredLocks(Date.now());
  }

  /** Releases every lock still held (shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.held].map((l) => l.release()));
  }
}
