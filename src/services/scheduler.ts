// One scheduler for every background job kind (garbage collection, audit-log purge; retention,
// scan-all and replication later), as Harbor's pkg/scheduler + jobservice do it:
// - a kind registers its run function once: `scheduler.register(kind, run)`;
// - a schedule is persisted per kind (ScheduleStore) with Harbor's ScheduleObj type and 6-field cron
//   (seconds first; Hourly/Daily/Weekly are fixed crons, Custom/Schedule carry their own); 'None'
//   removes it and 'Manual' runs once at once;
// - every run is an execution row (Running → Success | Error | Stopped) with its log;
// - one run at a time per kind: a manual trigger while one runs is a CONFLICT, a scheduled tick is
//   skipped (Harbor's GC runs with MaxConcurrency 1);
// - missed runs are not caught up: Harbor's periodic jobs are enqueued for upcoming times only, so a
//   tick that fell while the server was down is gone and the next one counts from now.
// Several replicas on one database act as one scheduler (services/locks.ts):
// - a run holds the kind's database lock `job:<kind>` from before its execution row is written to
//   its end: one run per kind across replicas (GC on one replica at a time);
// - every replica arms every schedule, and each tick is claimed (`tick:<kind>:<time>`): the first
//   replica to claim it runs it, the others skip it, even when the run is over before they look;
// - an execution left Running by a replica that died (its lock's lease ran out) is ended as Error
//   by whichever replica next takes that lock: at start, every sweep, or the kind's next trigger;
// - the sweep (every lease) also re-reads the schedules, so a schedule set on one replica is armed
//   on all of them.
// Timers are croner's, in UTC, unref'd: they never keep the process alive.
import { Cron } from 'croner';
import { HarborError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { ExecutionRecord, ExecutionTrigger, MetaStores, ScheduleRecord, ScheduleType } from '../storage/meta/index.js';
import { DEFAULT_LEASE_MS, Locks } from './locks.js';

export interface JobContext {
  execution: ExecutionRecord;
  /** Aborted by stop() (and at close()); the job checks it between steps and throws JobStopped. */
  signal: AbortSignal;
  /** Appends a line to the execution's log. */
  log(line: string): Promise<void>;
}

/** What a job returns is merged into the execution's parameters (Harbor's extra attributes: freed_space, ...). */
export type JobRun = (ctx: JobContext) => Promise<Record<string, unknown> | void>;

/** Thrown by a job that saw its signal aborted: the execution ends as Stopped. */
export class JobStopped extends Error {
  constructor() {
    super('stopped');
  }
}

export const FIXED_CRONS: Partial<Record<ScheduleType, string>> = {
  Hourly: '0 0 * * * *',
  Daily: '0 0 0 * * *',
  Weekly: '0 0 0 * * 0',
};

/** Checks a Harbor cron (exactly 6 fields, seconds first); BAD_REQUEST otherwise. */
export function parseCron(cron: string): Cron {
  try {
    return new Cron(cron, { paused: true, timezone: 'UTC', mode: '6-part' });
  } catch (e) {
    throw new HarborError('BAD_REQUEST', `invalid cron ${JSON.stringify(cron.slice(0, 100))}: ${(e as Error).message}`);
  }
}

/** Harbor's job queue of the scheduler itself: paused, no schedule fires (GET /schedules/all/paused). */
export const SCHEDULER_QUEUE = 'SCHEDULER';

/** A kind's job type: the part before `:` (RETENTION:3 → RETENTION). */
export function jobType(kind: string): string {
  const i = kind.indexOf(':');
  return i < 0 ? kind : kind.slice(0, i);
}

const LOG_CHUNK = 200;
/** How long a tick's claim is kept: far longer than replicas' clocks and timers may disagree. */
const TICK_CLAIM_MS = 10 * 60_000;
const LOG_FLUSH_MS = 1000;

export interface ScheduleView extends ScheduleRecord { nextScheduledTime: string | null }

export class Scheduler {
  private readonly jobs = new Map<string, JobRun>();
  private readonly timers = new Map<string, { cron: Cron; updatedAt: string }>();
  private readonly running = new Map<number, { controller: AbortController; done: Promise<void>; kind: string; startedAt: number }>();
  /** Paused queues (/jobservice): SCHEDULER skips every tick; a job kind (GARBAGE_COLLECTION, RETENTION, ...) starts no run. */
  private readonly paused = new Set<string>();
  private started = false;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly locks: Locks;

  constructor(private readonly stores: Pick<MetaStores, 'schedules' | 'locks'>, private readonly log: Logger,
    opts: { locks?: Locks; sweepMs?: number } = {}) {
    this.locks = opts.locks ?? new Locks(stores, log);
    this.sweepMs = opts.sweepMs ?? DEFAULT_LEASE_MS;
  }

  private readonly sweepMs: number;

  register(kind: string, run: JobRun): void {
    if (this.jobs.has(kind)) throw new Error(`job kind ${kind} is registered twice`);
    this.jobs.set(kind, run);
  }

  /** Whether a kind has its job (kinds of one job per policy, `RETENTION:<id>`, register as policies appear). */
  isRegistered(kind: string): boolean {
    return this.jobs.has(kind);
  }

  /** Ends the runs of replicas that died, arms every persisted schedule of a registered kind, and starts the sweep. */
  async start(): Promise<void> {
    this.started = true;
    await this.sweep();
    this.sweeper = setInterval(() => {
      this.sweep().catch((e: unknown) => this.log.error('scheduler sweep failed', { error: e }));
    }, this.sweepMs);
    this.sweeper.unref();
  }

  /** Fails the runs of dead replicas (of the kinds this one knows), re-arms changed schedules, forgets stale locks. */
  async sweep(): Promise<void> {
    let failed = 0;
    for (const kind of this.jobs.keys()) {
      const lease = await this.locks.tryAcquire(`job:${kind}`);
      if (!lease) continue;
      try {
        failed += await this.stores.schedules.failUnfinished(kind);
      } finally {
        await lease.release();
      }
    }
    if (failed) this.log.warn('jobs interrupted by a stopped or crashed replica were marked Error', { count: failed });
    const schedules = await this.stores.schedules.listSchedules();
    const kinds = new Set(schedules.map((s) => s.kind));
    for (const [kind, t] of this.timers) {
      if (kinds.has(kind)) continue;
      t.cron.stop();
      this.timers.delete(kind);
    }
    for (const s of schedules) if (this.timers.get(s.kind)?.updatedAt !== s.updatedAt) this.arm(s);
    await this.locks.purgeExpired();
  }

  private job(kind: string): JobRun {
    const run = this.jobs.get(kind);
    if (!run) throw new Error(`no job kind ${kind}`);
    return run;
  }

  private arm(s: ScheduleRecord): void {
    this.timers.get(s.kind)?.cron.stop();
    this.timers.delete(s.kind);
    if (!this.started || !this.jobs.has(s.kind)) return;
    const cron = new Cron(s.cron, { timezone: 'UTC', mode: '6-part', unref: true }, () => {
      if (this.paused.has(SCHEDULER_QUEUE)) {
        this.log.info('scheduled job skipped: the scheduler is paused', { kind: s.kind });
        return;
      }
      // The occurrence this call is for: the latest one not after now (a timer never fires early).
      const [at] = cron.previousRuns(1, new Date(Date.now() + 1));
      this.tick(s.kind, at ?? new Date()).catch((e: unknown) => {
        // The previous run still going is the one expected refusal.
        if (e instanceof HarborError && e.code === 'CONFLICT') this.log.info('scheduled job skipped: the previous run is still going', { kind: s.kind });
        else this.log.error('scheduled job failed to start', { kind: s.kind, error: e });
      });
    });
    this.timers.set(s.kind, { cron, updatedAt: s.updatedAt });
  }

  /**
   * Runs the scheduled occurrence `at` of `kind` with the schedule's current parameters, unless a
   * replica claimed that occurrence already; null then (and when the schedule is gone).
   */
  async tick(kind: string, at: Date): Promise<ExecutionRecord | null> {
    if (!(await this.locks.claim(`tick:${kind}:${at.toISOString()}`, TICK_CLAIM_MS))) return null;
    const s = await this.stores.schedules.getSchedule(kind);
    return s ? this.trigger(kind, 'SCHEDULE', s.parameters) : null;
  }

  async getSchedule(kind: string): Promise<ScheduleView | null> {
    const s = await this.stores.schedules.getSchedule(kind);
    if (!s) return null;
    const next = parseCron(s.cron).nextRun();
    return { ...s, nextScheduledTime: next ? next.toISOString() : null };
  }

  /**
   * Sets a kind's schedule from Harbor's ScheduleObj: 'None' removes it, Hourly/Daily/Weekly use
   * their fixed cron unless one is given, Custom and Schedule need a 6-field cron. ('Manual' is a trigger, not a schedule.)
   */
  async setSchedule(kind: string, type: string, cron: string | undefined, parameters: Record<string, unknown>): Promise<ScheduleView | null> {
    this.job(kind);
    if (type === 'None') {
      await this.stores.schedules.deleteSchedule(kind);
      this.timers.get(kind)?.cron.stop();
      this.timers.delete(kind);
      return null;
    }
    const fixed = FIXED_CRONS[type as ScheduleType];
    if (!fixed && type !== 'Custom' && type !== 'Schedule') {
      throw new HarborError('BAD_REQUEST', `invalid schedule type ${JSON.stringify(type.slice(0, 40))}: use Hourly, Daily, Weekly, Custom, Manual or None`);
    }
    // Harbor's UI sends the cron of Hourly/Daily/Weekly too, and Harbor keeps what it was sent.
    const c = cron ?? fixed;
    if (!c) throw new HarborError('BAD_REQUEST', `a ${type} schedule needs a cron`);
    parseCron(c);
    const s = await this.stores.schedules.putSchedule({ kind, type: type as ScheduleType, cron: c, parameters });
    this.arm(s);
    return this.getSchedule(kind);
  }

  /** Starts a run now (in the background); CONFLICT while one of the kind is running. */
  async trigger(kind: string, trigger: ExecutionTrigger, parameters: Record<string, unknown>): Promise<ExecutionRecord> {
    const run = this.job(kind);
    if (this.paused.has(jobType(kind))) throw new HarborError('PRECONDITION', `the ${jobType(kind)} job queue is paused: resume it first (PUT /jobservice/queues/${jobType(kind)})`);
    const conflict = (): HarborError => new HarborError('CONFLICT', `a ${kind} job is already running`);
    const lease = await this.locks.tryAcquire(`job:${kind}`);
    if (!lease) throw conflict();
    let execution: ExecutionRecord | null;
    try {
      // Holding the kind's lock, a Running execution of it is one a dead replica left.
      await this.stores.schedules.failUnfinished(kind);
      execution = await this.stores.schedules.startExecution(kind, trigger, parameters);
    } catch (e) {
      await lease.release();
      throw e;
    }
    if (!execution) {
      await lease.release();
      throw conflict();
    }
    const controller = new AbortController();
    // A lost lease means another replica may start the kind: this run stops.
    lease.lost.addEventListener('abort', () => controller.abort());
    // Log lines are written in chunks (at most LOG_CHUNK lines or LOG_FLUSH_MS old), and at the end.
    let pending = '';
    let lines = 0;
    let flushed = Date.now();
    const flush = async (): Promise<void> => {
      if (!pending) return;
      const text = pending;
      pending = '';
      lines = 0;
      flushed = Date.now();
      await this.stores.schedules.appendLog(execution.id, text);
    };
    const ctx: JobContext = {
      execution, signal: controller.signal,
      log: async (line) => {
        pending += `${new Date().toISOString()} ${line}\n`;
        if (++lines >= LOG_CHUNK || Date.now() - flushed >= LOG_FLUSH_MS) await flush();
      },
    };
    const done = (async () => {
      try {
        const extra = await run(ctx);
        await flush();
        await this.stores.schedules.finishExecution(execution.id, 'Success', extra ? { ...parameters, ...extra } : undefined);
      } catch (e) {
        const stopped = e instanceof JobStopped || controller.signal.aborted;
        await ctx.log(stopped ? 'stopped' : `failed: ${(e as Error).message}`).then(flush).catch(() => undefined);
        if (!stopped) this.log.error('job failed', { kind, id: execution.id, error: e });
        await this.stores.schedules.finishExecution(execution.id, stopped ? 'Stopped' : 'Error').catch(() => undefined);
      } finally {
        this.running.delete(execution.id);
        await lease.release().catch((e: unknown) => this.log.warn('could not release a job lock', { kind, error: e }));
      }
    })();
    this.running.set(execution.id, { controller, done, kind, startedAt: Date.now() });
    return execution;
  }

  async execution(kind: string, id: number): Promise<ExecutionRecord | null> {
    return this.stores.schedules.getExecution(kind, id);
  }

  async history(kind: string, page: { offset: number; limit: number }): Promise<{ items: ExecutionRecord[]; total: number }> {
    return this.stores.schedules.listExecutions(kind, page);
  }

  async executionLog(kind: string, id: number): Promise<string | null> {
    return this.stores.schedules.getLog(kind, id);
  }

  /** Asks a running execution to stop; NOT_FOUND when the kind has no such execution. Harmless on a finished one. */
  async stop(kind: string, id: number): Promise<void> {
    if (!(await this.stores.schedules.getExecution(kind, id))) throw new HarborError('NOT_FOUND', `${kind} execution ${id} not found`);
    this.running.get(id)?.controller.abort();
  }

  /** Every persisted schedule, by kind. */
  async schedules(): Promise<ScheduleRecord[]> {
    return this.stores.schedules.listSchedules();
  }

  /** The registered kinds. */
  kinds(): string[] {
    return [...this.jobs.keys()];
  }

  /** The job types of the registered kinds (RETENTION:<id> is RETENTION), for /jobservice. */
  jobTypes(): string[] {
    return [...new Set([...this.jobs.keys()].map(jobType))].sort();
  }

  /** The executions running in this process. */
  runningJobs(): { id: number; kind: string; startedAt: number }[] {
    return [...this.running.entries()].map(([id, r]) => ({ id, kind: r.kind, startedAt: r.startedAt }));
  }

  /** Pauses or resumes a queue: SCHEDULER (every tick) or a job type. */
  setPaused(queue: string, paused: boolean): void {
    if (paused) this.paused.add(queue);
    else this.paused.delete(queue);
  }

  isPaused(queue: string): boolean {
    return this.paused.has(queue);
  }

  /** Resolves when the execution (if running here) has ended. */
  async wait(id: number): Promise<void> {
    await this.running.get(id)?.done;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const t of this.timers.values()) t.cron.stop();
    this.timers.clear();
    this.started = false;
    const runs = [...this.running.values()];
    for (const r of runs) r.controller.abort();
    await Promise.all(runs.map((r) => r.done));
  }
}
