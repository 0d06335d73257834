// The scheduler (issue 15 §3): registration, one run at a time per kind, stop, Harbor's schedule
// types and 6-field cron, persisted schedules re-armed at start, runs a restart interrupted.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/core/log.js';
import { HarborError } from '../../src/core/errors.js';
import { JobStopped, Scheduler } from '../../src/services/scheduler.js';
import { openSqliteStores, type SqliteStores } from '../../src/storage/meta/sqlite/index.js';

const log = createLogger('error', { write: () => undefined });
let dir: string;
let stores: SqliteStores;
let scheduler: Scheduler;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'harborctl-sched-'));
  stores = openSqliteStores(join(dir, 'db'));
  scheduler = new Scheduler(stores, log);
});
afterEach(async () => {
  await scheduler.close();
  await stores.close();
  await rm(dir, { recursive: true, force: true });
});

/** A job that runs until released (or stopped). */
function gate(): { run: (ctx: { signal: AbortSignal }) => Promise<Record<string, unknown>>; release: () => void; started: Promise<void> } {
  let release!: () => void;
  let started!: () => void;
  const open = new Promise<void>((r) => { release = r; });
  const s = new Promise<void>((r) => { started = r; });
  return {
    release, started: s,
    run: async (ctx) => {
      started();
      await Promise.race([open, new Promise((r) => ctx.signal.addEventListener('abort', r))]);
      if (ctx.signal.aborted) throw new JobStopped();
      return { done: true };
    },
  };
}

describe('Scheduler', () => {
  test('a manual run: Running, one at a time (CONFLICT), then Success with the job\'s result and log', async () => {
    const g = gate();
    scheduler.register('JOB', async (ctx) => {
      await ctx.log('hello');
      return g.run(ctx);
    });
    await scheduler.start();
    const e = await scheduler.trigger('JOB', 'MANUAL', { a: 1 });
    await g.started;
    expect((await scheduler.execution('JOB', e.id))!.status).toBe('Running');
    await expect(scheduler.trigger('JOB', 'MANUAL', {})).rejects.toMatchObject({ code: 'CONFLICT' });
    g.release();
    await scheduler.wait(e.id);
    expect(await scheduler.execution('JOB', e.id)).toMatchObject({ status: 'Success', trigger: 'MANUAL', parameters: { a: 1, done: true } });
    expect(await scheduler.executionLog('JOB', e.id)).toMatch(/Z hello\n$/);
    expect(() => scheduler.register('JOB', g.run)).toThrow(/twice/);
  });

  test('stop ends a run as Stopped; a failing job ends as Error with the reason logged', async () => {
    const g = gate();
    scheduler.register('JOB', g.run);
    scheduler.register('BAD', async () => { throw new Error('boom'); });
    await scheduler.start();
    const e = await scheduler.trigger('JOB', 'MANUAL', {});
    await g.started;
    await scheduler.stop('JOB', e.id);
    await scheduler.wait(e.id);
    expect((await scheduler.execution('JOB', e.id))!.status).toBe('Stopped');
    await expect(scheduler.stop('JOB', 9999)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const bad = await scheduler.trigger('BAD', 'MANUAL', {});
    await scheduler.wait(bad.id);
    expect((await scheduler.execution('BAD', bad.id))!.status).toBe('Error');
    expect(await scheduler.executionLog('BAD', bad.id)).toContain('failed: boom');
  });

  test('schedule types: fixed crons, Custom 6-field cron, None removes; bad ones are BAD_REQUEST', async () => {
    scheduler.register('JOB', async () => undefined);
    await scheduler.start();
    expect(await scheduler.setSchedule('JOB', 'Hourly', undefined, {})).toMatchObject({ type: 'Hourly', cron: '0 0 * * * *', nextScheduledTime: expect.stringMatching(/:00:00\.000Z$/) });
    expect(await scheduler.setSchedule('JOB', 'Daily', undefined, {})).toMatchObject({ cron: '0 0 0 * * *' });
    expect(await scheduler.setSchedule('JOB', 'Daily', '0 0 3 * * *', {})).toMatchObject({ type: 'Daily', cron: '0 0 3 * * *' });
    expect(await scheduler.setSchedule('JOB', 'Weekly', undefined, {})).toMatchObject({ cron: '0 0 0 * * 0' });
    expect(await scheduler.setSchedule('JOB', 'Custom', '15 30 4 * * *', { x: 1 })).toMatchObject({ cron: '15 30 4 * * *', parameters: { x: 1 }, nextScheduledTime: expect.stringMatching(/T04:30:15\.000Z$/) });
    for (const [type, cron] of [['Custom', '0 0 * * *'], ['Custom', undefined], ['Daily', 'nightly'], ['Custom', '61 * * * * *'], ['Often', undefined]] as const) {
      await expect(scheduler.setSchedule('JOB', type, cron, {})).rejects.toBeInstanceOf(HarborError);
    }
    expect(await scheduler.setSchedule('JOB', 'None', undefined, {})).toBeNull();
    expect(await scheduler.getSchedule('JOB')).toBeNull();
  });

  test('a persisted schedule fires after a restart; the run of a process that died (its lock\'s lease ran out) is ended as Error', async () => {
    const g = gate();
    scheduler.register('JOB', g.run);
    await scheduler.start();
    const interrupted = await scheduler.trigger('JOB', 'MANUAL', {});
    await g.started;
    await stores.schedules.putSchedule({ kind: 'JOB', type: 'Custom', cron: '* * * * * *', parameters: { from: 'cron' } });
    // A new process: the old one died (its lease runs out: the lock is gone), the schedule is in the database.
    await stores.locks.purgeExpiredLocks(Number.MAX_SAFE_INTEGER);
    const next = new Scheduler(stores, log);
    let fired = 0;
    next.register('JOB', async () => {
      fired++;
      return undefined;
    });
    await next.start();
    expect((await next.execution('JOB', interrupted.id))!.status).toBe('Error');
    // Every second: wait (a bounded number of one-second ticks) for a scheduled run to be recorded.
    for (let i = 0; i < 50 && !(await next.history('JOB', { offset: 0, limit: 1 })).items.some((e) => e.trigger === 'SCHEDULE' && e.status === 'Success'); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await next.close();
    expect(fired).toBeGreaterThan(0);
    const [last] = (await next.history('JOB', { offset: 0, limit: 1 })).items;
    expect(last).toMatchObject({ trigger: 'SCHEDULE', status: 'Success', parameters: { from: 'cron' } });
    g.release();
  });

  test('a replica that starts while another runs a job leaves that run alone, and cannot start the kind', async () => {
    const g = gate();
    scheduler.register('JOB', g.run);
    await scheduler.start();
    const e = await scheduler.trigger('JOB', 'MANUAL', {});
    await g.started;
    const other = new Scheduler(stores, log); // its own Locks: another replica
    other.register('JOB', async () => undefined);
    await other.start();
    await other.sweep();
    expect((await other.execution('JOB', e.id))!.status).toBe('Running');
    await expect(other.trigger('JOB', 'MANUAL', {})).rejects.toMatchObject({ code: 'CONFLICT' });
    g.release();
    await scheduler.wait(e.id);
    expect((await other.execution('JOB', e.id))!.status).toBe('Success');
    await other.close();
  });

  test('a scheduled occurrence runs on one replica only, even when its run is over before the other replica ticks', async () => {
    let runs = 0;
    const replicas = [scheduler, new Scheduler(stores, log)];
    for (const r of replicas) {
      r.register('JOB', async () => { runs++; });
      await r.start();
    }
    await stores.schedules.putSchedule({ kind: 'JOB', type: 'Custom', cron: '0 0 * * * *', parameters: { p: 1 } });
    const at = new Date('2026-01-01T10:00:00.000Z');
    const first = await replicas[0].tick('JOB', at);
    expect(first).toMatchObject({ trigger: 'SCHEDULE', parameters: { p: 1 } });
    await replicas[0].wait(first!.id);
    expect(await replicas[1].tick('JOB', at)).toBeNull();
    const next = await replicas[1].tick('JOB', new Date('2026-01-01T11:00:00.000Z'));
    await replicas[1].wait(next!.id);
    expect(runs).toBe(2);
    await replicas[1].close();
  });

  test('a schedule set through one replica is armed by the others at their next sweep', async () => {
    const other = new Scheduler(stores, log);
    for (const r of [scheduler, other]) {
      r.register('JOB', async () => undefined);
      await r.start();
    }
    await scheduler.setSchedule('JOB', 'Custom', '0 0 * * * *', {});
    expect((other as unknown as { timers: Map<string, unknown> }).timers.has('JOB')).toBe(false);
    await other.sweep();
    expect((other as unknown as { timers: Map<string, unknown> }).timers.has('JOB')).toBe(true);
    await scheduler.setSchedule('JOB', 'None', undefined, {});
    await other.sweep();
    expect((other as unknown as { timers: Map<string, unknown> }).timers.has('JOB')).toBe(false);
    await other.close();
  });
});
