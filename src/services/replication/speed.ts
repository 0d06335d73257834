// The speed limit of a replication task (Harbor's policy `speed`, KB/s): a token bucket on the byte
// stream. The bucket holds at most one second of bytes; a chunk that takes it below zero waits until
// the debt is paid back. Clock and sleep are injected so the arithmetic is tested without waiting.
import { Transform, type TransformCallback } from 'node:stream';

export interface BucketClock { now(): number; sleep(ms: number): Promise<void> }

const realClock: BucketClock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

export class TokenBucket {
  private tokens: number;
  private last: number;

  /** `rate` bytes per second. */
  constructor(private readonly rate: number, private readonly clock: BucketClock = realClock) {
    this.tokens = rate;
    this.last = clock.now();
  }

  /** Takes `n` bytes' worth of tokens; resolves when the stream may go on (the wait it needed, in ms). */
  async take(n: number): Promise<number> {
    const now = this.clock.now();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    this.tokens -= n;
    if (this.tokens >= 0) return 0;
    const wait = Math.ceil((-this.tokens / this.rate) * 1000);
    await this.clock.sleep(wait);
    return wait;
  }
}

/** A pass-through stream held to `kbPerSecond` KB/s (1 KB = 1024 bytes). */
export function speedLimit(kbPerSecond: number, clock?: BucketClock): Transform {
  const bucket = new TokenBucket(kbPerSecond * 1024, clock);
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      bucket.take(chunk.length).then(() => done(null, chunk), done);
    },
  });
}
