// What Harbor's job service monitor shows (/jobservice, /schedules; src/controller/jobmonitor), read
// from our real background work: one worker pool (this process), whose workers are the real slots of
// each queue (scan jobs, the SBOM generator, webhook deliveries, replication tasks, one per scheduler job type), and the
// queues with what waits in them. Pausing a queue is kept in the store (JobStore), so it holds across
// restarts and on every replica of one database: the scan queue reads it at every claim, the SBOM
// queue and the scheduler's take it up within a second (refresh()), and what /jobservice shows of
// the queues is read from the store, the same on every replica:
//   IMAGE_SCAN  scans wait in the queue            SBOM       generations wait in the queue
//   SCHEDULER   no schedule fires                  a scheduler job type (GARBAGE_COLLECTION, ...): no run starts
// Webhook deliveries and replication tasks are durable tables with their own retries: their workers are shown, their queues
// are not ones that can be paused here.
import { hostname } from 'node:os';
import { HarborError } from '../core/errors.js';
import type { MetaStores } from '../storage/meta/index.js';
import type { SbomService } from './sbom.js';
import { IMAGE_SCAN_JOB, type ScanService } from './scans.js';
import { jobType, SCHEDULER_QUEUE, type Scheduler } from './scheduler.js';
import type { WebhookService } from './webhooks.js';

export const SBOM_JOB = 'SBOM';
export const WEBHOOK_JOB = 'WEBHOOK';
export const REPLICATION_JOB = 'REPLICATION';

export interface WorkerPoolView { id: string; pid: number; host: string; startAt: number; heartbeatAt: number; concurrency: number }
export interface WorkerView { id: string; poolId: string; jobName?: string; jobId?: string; startAt?: number }
export interface QueueView { jobType: string; count: number; latency: number; paused: boolean }

/** How often a replica takes up the pauses set on the others. */
const PAUSE_REFRESH_MS = 1000;

export class JobMonitor {
  private readonly poolId: string;
  private readonly startAt: number;
  private sbomHold: { release(): void } | null = null;
  private refresher: NodeJS.Timeout | undefined;

  constructor(
    private readonly stores: Pick<MetaStores, 'jobs'>,
    private readonly scheduler: Scheduler,
    private readonly scans: ScanService,
    private readonly sbom: SbomService,
    private readonly webhooks: WebhookService,
    private readonly replication: { workerLoad(): { running: number; concurrency: number } },
    private readonly now: () => number = Date.now,
  ) {
    this.startAt = now();
    this.poolId = `${hostname()}-${process.pid}`;
  }

  /** Applies the paused queues kept in the store, now and every second (the scan service reads its own). */
  async start(): Promise<void> {
    await this.refresh();
    this.refresher = setInterval(() => {
      this.refresh().catch(() => undefined); // the next one tries again; a store that is down shows elsewhere
    }, PAUSE_REFRESH_MS);
    this.refresher.unref();
  }

  close(): void {
    clearInterval(this.refresher);
  }

  /** The queues paused on any replica, as the store has them. */
  async pausedQueues(): Promise<Set<string>> {
    return new Set(await this.stores.jobs.listPausedQueues());
  }

  /** Pauses and resumes the SBOM queue and the scheduler's here as the store says (set here or on another replica). */
  private async refresh(): Promise<void> {
    const paused = await this.pausedQueues();
    this.applyPause(SBOM_JOB, paused.has(SBOM_JOB));
    for (const t of [SCHEDULER_QUEUE, ...this.scheduler.jobTypes()]) this.applyPause(t, paused.has(t));
  }

  private applyPause(q: string, paused: boolean): void {
    if (q !== SBOM_JOB) {
      this.scheduler.setPaused(q, paused);
    } else if (paused) {
      this.sbomHold ??= this.sbom.hold();
    } else {
      this.sbomHold?.release();
      this.sbomHold = null;
    }
  }

  /** The queues that can be paused: ours and each scheduler job type. */
  jobTypes(): string[] {
    return [IMAGE_SCAN_JOB, SBOM_JOB, SCHEDULER_QUEUE, ...this.scheduler.jobTypes()];
  }

  pools(): WorkerPoolView[] {
    return [{ id: this.poolId, pid: process.pid, host: hostname(), startAt: this.startAt, heartbeatAt: this.now(), concurrency: this.workers().length }];
  }

  /** Every worker slot, busy ones with their job. Job ids: scan-<report>, exec-<execution>, sbom-<digest>. */
  workers(): WorkerView[] {
    const out: WorkerView[] = [];
    const scan = this.scans.runningJobs();
    for (let i = 0; i < this.scans.concurrency; i++) {
      const r = scan[i];
      out.push({ id: `${IMAGE_SCAN_JOB}-${i + 1}`, poolId: this.poolId, ...(r ? { jobName: IMAGE_SCAN_JOB, jobId: `scan-${r.id}`, startAt: r.startedAt } : {}) });
    }
    const s = this.sbom.runningJob();
    out.push({ id: `${SBOM_JOB}-1`, poolId: this.poolId, ...(s ? { jobName: SBOM_JOB, jobId: `sbom-${s.digest}`, startAt: s.startedAt } : {}) });
    const running = this.scheduler.runningJobs();
    for (const t of this.scheduler.jobTypes()) {
      const busy = running.filter((r) => jobType(r.kind) === t);
      if (busy.length === 0) out.push({ id: `${t}-1`, poolId: this.poolId });
      busy.forEach((r, i) => out.push({ id: `${t}-${i + 1}`, poolId: this.poolId, jobName: t, jobId: `exec-${r.id}`, startAt: r.startedAt }));
    }
    for (const [job, w] of [[WEBHOOK_JOB, this.webhooks.deliveryLoad()], [REPLICATION_JOB, this.replication.workerLoad()]] as const) {
      for (let i = 0; i < w.concurrency; i++) out.push({ id: `${job}-${i + 1}`, poolId: this.poolId, ...(i < w.running ? { jobName: job } : {}) });
    }
    return out;
  }

  /** GET /jobservice/pools/{pool_id}/workers: `all` or this pool; NOT_FOUND otherwise. */
  workersOf(poolId: string): WorkerView[] {
    if (poolId !== 'all' && poolId !== this.poolId) throw new HarborError('NOT_FOUND', `worker pool ${poolId.slice(0, 100)} not found`);
    return this.workers();
  }

  async queues(): Promise<QueueView[]> {
    const paused = await this.pausedQueues();
    return [
      { jobType: IMAGE_SCAN_JOB, count: await this.scans.waiting(), latency: 0, paused: paused.has(IMAGE_SCAN_JOB) },
      { jobType: SBOM_JOB, count: this.sbom.queueStats().waiting, latency: 0, paused: paused.has(SBOM_JOB) },
      // A scheduler job never waits: it runs at once or is refused while one of its type runs.
      ...[SCHEDULER_QUEUE, ...this.scheduler.jobTypes()].map((t) => ({ jobType: t, count: 0, latency: 0, paused: paused.has(t) })),
    ];
  }

  async schedulerPaused(): Promise<boolean> {
    return (await this.pausedQueues()).has(SCHEDULER_QUEUE);
  }

  /** PUT /jobservice/queues/{job_type}: stop (drop what waits), pause or resume one queue or `all`. */
  async act(type: string, action: 'stop' | 'pause' | 'resume'): Promise<void> {
    const t = type.toUpperCase();
    const types = t === 'ALL' ? this.jobTypes() : [t];
    if (!this.jobTypes().includes(types[0])) throw new HarborError('NOT_FOUND', `job queue ${type.slice(0, 100)} not found`);
    for (const q of types) {
      if (action === 'stop') {
        if (q === IMAGE_SCAN_JOB) await this.scans.stopPending();
        else if (q === SBOM_JOB && this.sbom.queueStats().waiting > 0 && t !== 'ALL') {
          throw new HarborError('PRECONDITION', 'waiting SBOM generations cannot be dropped: pause the SBOM queue instead');
        }
        continue;
      }
      const paused = action === 'pause';
      if (q === IMAGE_SCAN_JOB) {
        await this.scans.setPaused(paused);
      } else {
        await this.stores.jobs.setQueuePaused(q, paused);
        this.applyPause(q, paused);
      }
    }
  }

  /** PUT /jobservice/jobs/{job_id}: stops a running scan or scheduler job (`all`: every one). Unknown or finished: nothing to do, as Harbor. */
  async stopJob(id: string): Promise<void> {
    if (id === 'all') {
      await this.scans.stopAllRunning();
      for (const r of this.scheduler.runningJobs()) await this.scheduler.stop(r.kind, r.id);
      return;
    }
    if (id.startsWith('scan-')) {
      await this.scans.stopRunning(id.slice(5));
      return;
    }
    const exec = /^exec-([0-9]{1,15})$/.exec(id);
    const r = exec ? this.scheduler.runningJobs().find((x) => x.id === Number(exec[1])) : undefined;
    if (r) await this.scheduler.stop(r.kind, r.id);
    else if (id.startsWith('sbom-') && this.sbom.runningJob()) throw new HarborError('PRECONDITION', 'an SBOM generation cannot be stopped: it ends by itself');
  }

  /** GET /jobservice/jobs/{job_id}/log: a scan's or a scheduler execution's log; NOT_FOUND otherwise. */
  async jobLog(id: string): Promise<string> {
    if (id.startsWith('scan-')) {
      const log = await this.scans.logOf(id.slice(5));
      if (log !== null) return log;
    }
    const exec = /^exec-([0-9]{1,15})$/.exec(id);
    if (exec) {
      for (const t of this.scheduler.kinds()) {
        const log = await this.scheduler.executionLog(t, Number(exec[1]));
        if (log !== null) return log;
      }
    }
    throw new HarborError('NOT_FOUND', `job ${id.slice(0, 100)} not found`);
  }
}
