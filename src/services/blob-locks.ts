// Per-digest mutual exclusion: the short write barrier between garbage collection's final delete of
// a blob and the writers that make a blob's bytes and link them (upload commit, cross-repository
// mount, proxy-cache fetch). See services/gc.ts for why it is enough. Within a process holders of a
// digest queue up in memory; with `shared` (database locks) a holder also takes the digest's lock in
// the database, so the barrier holds across every replica on that database.
import type { Locks } from './locks.js';

export class BlobLocks {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly shared?: Locks) {}

  /** Runs `fn` while no other holder of `digest` runs; holders of other digests are not held up. */
  async hold<T>(digest: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(digest);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => { release = resolve; });
    const tail = prev ? prev.then(() => mine) : mine;
    this.tails.set(digest, tail);
    if (prev) await prev;
    try {
      return await (this.shared ? this.shared.hold(`blob:${digest}`, fn) : fn());
    } finally {
      release();
      if (this.tails.get(digest) === tail) this.tails.delete(digest);
    }
  }

  /** Digests held or waited for (tests check that nothing leaks). */
  get size(): number {
    return this.tails.size;
  }
}
