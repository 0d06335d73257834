// A second connection to the database, in a worker thread, for the writes nobody waits on.
//
// WAL checkpoints. SQLite checkpoints in the connection whose commit takes the WAL past 1000
// pages, and with synchronous=NORMAL a checkpoint fsyncs the WAL and the database file: 3-5 ms on
// this machine, on the thread that serves requests, several times a second while the pull log
// commits under load (docs/benchmarks.md: the manifest GET's p99). So the worker runs PASSIVE
// checkpoints, which never wait for readers or writers, every 250 ms while the WAL is written (8-16
// MB of WAL under the bench's GET load), once the WAL has first reached those 1000 pages.
//
// The WAL is written from its start again only when a commit finds every frame copied back. Under a
// steady stream of commits the worker's checkpoints never catch the last ones, and the WAL grew to
// 3.8 GB while the bench pushed 100,000 tags in 100 s. So the serving connection still checkpoints
// once the WAL passes MAX_PAGES (32 MiB): the worker has copied nearly every frame by then, so that
// checkpoint is short, and the next commit starts the WAL over.
//
// Background transactions (transact()): the audit log's batches, the pulls' rows with their pull
// counts (services/audit.ts). better-sqlite3 blocks the thread that writes: a 100-row batch held the
// serving thread ~0.29 ms (median), where handing it to the worker takes ~0.04 ms; in a profile of
// the bench's manifest phase the pull log's writes took 1.2 s of the serving thread's 9.2 s busy,
// 0.34 s of 8.8 s since (docs/benchmarks.md, issue 20). A transaction is a list of steps, SQL text and its parameters,
// that runSteps() runs in the worker, or in this thread where there is no worker: one function for
// both (the worker's source carries its text). Every transaction is IMMEDIATE, on both connections
// (index.ts), so neither writes on a snapshot the other's commit made stale.
//
// The worker starts once the WAL first reaches 1000 pages (4 MiB): a worker thread with its
// connection is ~13 MB of RSS, which a server that writes little never pays; until then the serving
// connection runs the transactions itself. Under the bench's pull load the WAL gets there in about a
// second. If the worker fails, the serving connection takes both jobs back: it checkpoints as SQLite
// does by default, and runs the transactions itself, those in flight too (a transaction the worker
// committed but was stopped before answering is then written twice: only when the worker dies).
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** SQLite's own automatic checkpoint size: 1000 pages of 4 KiB. */
const CHECKPOINT_PAGES = 1000;
/** WAL pages past which the serving connection checkpoints itself (32 MiB). */
const MAX_PAGES = 8192;
const CHECK_MS = 250;

/**
 * Every connection's settings (index.ts, and the worker's own connection): lock waits up to 5 s,
 * foreign keys enforced, and in WAL mode a commit that does not wait for the disk (a checkpoint does).
 * better-sqlite3's build has the same defaults; said here, they do not depend on its build.
 */
export const CONNECTION_PRAGMAS = ['busy_timeout = 5000', 'foreign_keys = ON', 'synchronous = NORMAL'] as const;

/** One statement of a background transaction: its SQL and its parameters; the SQL texts are a fixed set (each is prepared once per connection and kept). */
export type Step = readonly [sql: string, params: readonly (string | number | null)[]];

/**
 * Runs the steps in one IMMEDIATE transaction on `db`, preparing each distinct SQL text once
 * (`prepared` is the connection's). It is also the worker's code (its text is the worker's source):
 * it uses nothing but its arguments.
 */
export function runSteps(db: Database.Database, steps: readonly Step[], prepared: Map<string, Database.Statement>): void {
  db.transaction(() => {
    for (const [sql, params] of steps) {
      let statement = prepared.get(sql);
      if (!statement) prepared.set(sql, statement = db.prepare(sql));
      statement.run(params);
    }
  }).immediate();
}

/** The worker's whole code: it opens the database and answers each message, a checkpoint or a transaction's steps, in order. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { fileMustExist: true });
for (const p of workerData.pragmas) db.pragma(p);
const runSteps = ${runSteps.toString()};
const prepared = new Map();
parentPort.on('message', (m) => {
  if (m === 'close') { db.close(); parentPort.close(); return; }
  try {
    if (m === 'checkpoint') parentPort.postMessage({ result: db.pragma('wal_checkpoint(PASSIVE)')[0] });
    else { runSteps(db, m, prepared); parentPort.postMessage({ result: null }); }
  } catch (e) { parentPort.postMessage({ error: e.message }); }
});
`;

export interface WorkerOptions {
  /** Told once if the worker fails; the serving connection then checkpoints and writes itself. */
  onError?: (e: Error) => void;
  /** WAL bytes at which the worker starts checkpointing (default 1000 pages). */
  startBytes?: number;
  /** How often the WAL is looked at (default 250 ms). */
  intervalMs?: number;
  /** WAL pages past which the serving connection checkpoints itself (default 8192). */
  maxPages?: number;
}

export interface CheckpointResult { busy: number; log: number; checkpointed: number }

/** An answer the worker never gave: it exited or failed first. */
class WorkerGone extends Error {}

interface Pending { resolve: (r: CheckpointResult | null) => void; reject: (e: Error) => void }

export class SqliteWorker {
  private worker: Worker | null = null;
  /** Callers waiting for the worker's answers, in the order of their messages. */
  private readonly pending: Pending[] = [];
  /** The serving connection's statements for runSteps() when there is no worker. */
  private readonly prepared = new Map<string, Database.Statement>();
  private lastWrite = 0;
  private ticking = false;
  private stoppedBy: 'close' | 'failure' | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly startBytes: number;

  constructor(private readonly db: Database.Database, private readonly path: string, private readonly opts: WorkerOptions = {}) {
    this.startBytes = opts.startBytes ?? CHECKPOINT_PAGES * (db.pragma('page_size', { simple: true }) as number);
    db.pragma(`wal_autocheckpoint = ${opts.maxPages ?? MAX_PAGES}`);
    this.timer = setInterval(() => { void this.tick(); }, opts.intervalMs ?? CHECK_MS);
    this.timer.unref();
  }

  /** Whether the worker is running (tests). */
  get started(): boolean {
    return this.worker !== null;
  }

  /** Looks at the WAL and checkpoints it in the worker when it was written since the last look. */
  async tick(): Promise<CheckpointResult | null> {
    if (this.stoppedBy || this.ticking) return null;
    this.ticking = true;
    try {
      const wal = await stat(`${this.path}-wal`).catch(() => null);
      if (this.stoppedBy || !wal || wal.mtimeMs === this.lastWrite || (!this.worker && wal.size < this.startBytes)) return null;
      this.lastWrite = wal.mtimeMs;
      return await this.send('checkpoint');
    } catch (e) {
      this.fail(e as Error);
      return null;
    } finally {
      this.ticking = false;
    }
  }

  /**
   * The steps in one transaction: in the worker (after what was sent to it before) once the WAL's
   * growth has started it, in this thread until then. Rejects with the transaction's own error.
   */
  async transact(steps: readonly Step[]): Promise<void> {
    if (steps.length === 0) return;
    if (this.worker) {
      try {
        await this.send(steps);
        return;
      } catch (e) {
        if (!(e instanceof WorkerGone)) throw e;
      }
    }
    runSteps(this.db, steps, this.prepared);
  }

  private send(message: 'checkpoint' | readonly Step[]): Promise<CheckpointResult | null> {
    this.worker ??= this.startWorker();
    const w = this.worker;
    return new Promise<CheckpointResult | null>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      w.postMessage(message);
    });
  }

  private startWorker(): Worker {
    // node:worker_threads loaded here, once the worker is first needed (issue 20: start-up and idle RSS).
    const w = new (process.getBuiltinModule('node:worker_threads').Worker)(WORKER_SOURCE, {
      eval: true,
      workerData: { module: createRequire(import.meta.url).resolve('better-sqlite3'), path: this.path, pragmas: CONNECTION_PRAGMAS },
      resourceLimits: { maxOldGenerationSizeMb: 16 },
    });
    w.unref();
    w.on('message', (m: { result: CheckpointResult | null } | { error: string }) => {
      const p = this.pending.shift();
      if ('error' in m) p?.reject(new Error(m.error));
      else p?.resolve(m.result);
    });
    w.on('error', (e: Error) => this.fail(new WorkerGone(`the SQLite worker failed: ${e.message}`)));
    w.on('exit', (code) => this.fail(new WorkerGone(`the SQLite worker exited with code ${code}`)));
    return w;
  }

  /**
   * The worker is gone or failed: whoever waits for it is told (a transaction then runs here), and
   * the serving connection checkpoints again, as SQLite does by default.
   */
  private fail(e: Error): void {
    for (const p of this.pending.splice(0)) p.reject(e instanceof WorkerGone ? e : new WorkerGone(e.message));
    if (this.stoppedBy) return;
    void this.halt()?.terminate();
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${CHECKPOINT_PAGES}`);
    this.opts.onError?.(e);
  }

  private halt(): Worker | null {
    this.stoppedBy ??= 'failure';
    clearInterval(this.timer);
    const w = this.worker;
    this.worker = null;
    return w;
  }

  /** Ends the worker after what it was sent; the transactions sent before are written. */
  async close(): Promise<void> {
    if (this.stoppedBy) return;
    this.stoppedBy = 'close';
    const w = this.halt();
    if (!w) return;
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    w.postMessage('close');
    await exited;
  }
}
