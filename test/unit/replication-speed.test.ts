// The speed limit of replication tasks: a token bucket measured on a fake clock (no waiting).
import { Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { speedLimit, TokenBucket, type BucketClock } from '../../src/services/replication/speed.js';

/** A clock whose sleep moves time forward by the amount asked, and records it. */
function fakeClock(): BucketClock & { t: number; slept: number[] } {
  const c = {
    t: 0, slept: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => { c.slept.push(ms); c.t += ms; },
  };
  return c;
}

describe('token bucket', () => {
  test('a burst of one second passes at once, then every byte waits its turn', async () => {
    const clock = fakeClock();
    const b = new TokenBucket(1000, clock);
    expect(await b.take(1000)).toBe(0);
    expect(await b.take(500)).toBe(500);
    expect(await b.take(2000)).toBe(2000);
    expect(clock.t).toBe(2500); // 3500 bytes at 1000 B/s, the first 1000 free
  });

  test('idle time refills the bucket, but never beyond one second of bytes', async () => {
    const clock = fakeClock();
    const b = new TokenBucket(100, clock);
    await b.take(100);
    clock.t += 60_000;
    expect(await b.take(100)).toBe(0);
    expect(await b.take(50)).toBe(500);
  });

  test('the stream keeps every byte in order and waits what the rate asks', async () => {
    const clock = fakeClock();
    const chunks = Array.from({ length: 8 }, (_, i) => Buffer.alloc(1024, i));
    const out: Buffer[] = [];
    for await (const c of Readable.from(chunks).pipe(speedLimit(2, clock))) out.push(c as Buffer);
    expect(Buffer.concat(out)).toEqual(Buffer.concat(chunks));
    // 8 KiB at 2 KB/s with a 2 KiB burst: 3 seconds of waiting.
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBe(3000);
  });
});
