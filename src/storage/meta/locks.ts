// Named locks with a lease, shared by every replica on one database: what makes N `serve`
// processes act as one (garbage collection on one replica at a time, a digest's write barrier,
// one upstream fetch of a proxy-cache blob, one run of a scheduled tick, one worker per queued job).
// A holder renews its lease while it works; a holder that crashed stops renewing, and once its lease
// has run out anyone may take the lock. Times are Unix milliseconds given by the caller (the
// services' clock), so the contract is exact and needs no waiting.

export interface LockRecord { name: string; owner: string; until: number }

export interface LockStore {
  /**
   * Takes lock `name` for `owner` until `until` when nobody holds it, its holder's lease ended at or
   * before `now`, or `owner` holds it already (its lease becomes `until`). One statement: of two
   * owners racing, exactly one gets true.
   */
  acquireLock(name: string, owner: string, now: number, until: number): Promise<boolean>;
  /** Extends `owner`'s lease to `until`; false when `owner` does not hold the lock (any more). */
  renewLock(name: string, owner: string, until: number): Promise<boolean>;
  /** Lets go of the lock if `owner` holds it; false otherwise. */
  releaseLock(name: string, owner: string): Promise<boolean>;
  getLock(name: string): Promise<LockRecord | null>;
  /** Forgets locks whose lease ended at or before `now` (their holders are gone); how many. */
  purgeExpiredLocks(now: number): Promise<number>;
}
