// Per-digest mutual exclusion inside one process: the short write barrier between garbage
// collection's final delete of a blob and the writers that make a blob's bytes and link them
// (upload commit, cross-repository mount, proxy-cache fetch). See services/gc.ts for why it is enough.
export class BlobLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` while no other holder of `digest` runs; holders of other digests are not held up. */
  async hold<T>(digest: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(digest);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => { release = resolve; });
    const tail = prev ? prev.then(() => mine) : mine;
    this.tails.set(digest, tail);
    if (prev) await prev;
    try {
      return await fn();
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
