// The failed-login slow-down under concurrency (issue 13 item 5): parallel guesses must not all
// start before any of them is counted. No clock is read here: the service is given a clock that
// only moves when it "sleeps", and a sleep that records the delay asked for, so the test counts
// the delays instead of timing them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { AuthService } from '../../src/services/auth.js';
import { UserService } from '../../src/services/users.js';
import type { MetaStores } from '../../src/storage/meta/index.js';
import { openSqliteStores } from '../../src/storage/meta/sqlite/index.js';

const DELAY = { freeFailures: 3, addressFreeFailures: 10, baseMs: 250, maxMs: 8000 };

// 40 password verifications per test: CPU-bound, so more than the default 5 s on a loaded machine.
describe('login throttling holds under parallel attempts', { timeout: 60_000 }, () => {
  let dir: string;
  let meta: MetaStores;
  let slept: number[];
  let auth: AuthService;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'harborctl-throttle-'));
    meta = openSqliteStores(join(dir, 'db'));
    await new UserService(meta).createAdmin('Admin12345');
    slept = [];
    // The clock stands still: every attempt below starts at the same instant, as a burst does.
    auth = new AuthService(meta, { clock: () => 1_000_000, delay: DELAY, sleep: async (ms) => { slept.push(ms); } });
  });
  afterEach(async () => {
    await meta.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** What 40 attempts in sequence would wait in all: the free ones nothing, then base × 2^n up to the cap. */
  const serialWaits = (n: number): number[] => {
    const out: number[] = [];
    let at = 0;
    for (let i = DELAY.freeFailures; i < n; i++) {
      at += Math.min(DELAY.maxMs, DELAY.baseMs * 2 ** (i - DELAY.freeFailures));
      out.push(at);
    }
    return out;
  };

  test('40 parallel bad passwords for one name: all but the free ones wait, one after another', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => auth.login('admin', `wrong-${i}`, '192.0.2.1')));
    expect(results.every((r) => r === null)).toBe(true);
    // Each attempt waits its own turn after the previous one's: the waits add up as in a sequence.
    expect([...slept].sort((a, b) => a - b)).toEqual(serialWaits(40));
  });

  test('40 parallel bad passwords for 40 names from one address: the address is slowed down too', async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => auth.login(`user-${i}`, 'wrong', '192.0.2.7')));
    const waited = slept.filter((ms) => ms > 0).length;
    // An address has more free failures than a name (it may carry several users), then the same sequence.
    expect(waited).toBe(40 - DELAY.addressFreeFailures);
    expect(Math.max(...slept)).toBeGreaterThan(40 * DELAY.baseMs);
    // Another address is not affected.
    slept.length = 0;
    expect(await auth.login('user-0', 'wrong', '198.51.100.1')).toBeNull();
    expect(slept).toEqual([]);
  });

  test('parallel logins with the right password share one verification and are not slowed down', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => auth.login('admin', 'Admin12345', '192.0.2.2')));
    expect(results.every((u) => u?.username === 'admin')).toBe(true);
    expect(slept).toEqual([]);
  });

  test('a login name never counts as an address', async () => {
    for (const name of ['a:192.0.2.9', '@192.0.2.9', '192.0.2.9']) {
      await Promise.all(Array.from({ length: 12 }, (_, i) => auth.login(name, `wrong-${i}`, '192.0.2.50')));
    }
    slept.length = 0;
    expect(await auth.login('someone', 'wrong', '192.0.2.9')).toBeNull();
    expect(slept).toEqual([]);
  });

  test('a clock that steps back does not turn the queue into a wait of days', async () => {
    let now = 5_000_000 + 2 * 86_400_000;
    const waits: number[] = [];
    const a = new AuthService(meta, { clock: () => now, delay: DELAY, sleep: async (ms) => { waits.push(ms); now += ms; } });
    for (let i = 0; i < 5; i++) await a.login('admin', `bad-${i}`);
    now = 5_000_000;
    await a.login('admin', 'bad-again');
    expect(Math.max(...waits)).toBeLessThanOrEqual(DELAY.maxMs);
  });

  test('a success resets the name; the address keeps only its failures', async () => {
    for (let i = 0; i < 5; i++) await auth.login('admin', `bad-${i}`, '192.0.2.3');
    expect(auth.delayFor('admin')).toBeGreaterThan(0);
    expect((await auth.login('admin', 'Admin12345', '192.0.2.3'))?.username).toBe('admin');
    expect(auth.delayFor('admin')).toBe(0);
  });
});
