// WAL checkpoints off the event loop. SQLite checkpoints in the connection whose commit takes the WAL
// past 1000 pages, and with synchronous=NORMAL a checkpoint fsyncs the WAL and the database file:
// 3-5 ms on this machine, on the thread that serves requests, several times a second while the pull
// log commits under load (docs/benchmarks.md: the manifest GET's p99). So a second connection in a
// worker thread runs PASSIVE checkpoints, which never wait for readers or writers, every 250 ms while
// the WAL is written (8-16 MB of WAL under the bench's GET load). The worker starts only when the WAL
// reaches those 1000 pages, so a server that writes little never has one. If the worker fails, the
// serving connection checkpoints again as SQLite does by default.
//
// The WAL is written from its start again only when a commit finds every frame copied back. Under a
// steady stream of commits the worker's checkpoints never catch the last ones, and the WAL grew to
// 3.8 GB while the bench pushed 100,000 tags in 100 s. So the serving connection still checkpoints
// once the WAL passes MAX_PAGES (32 MiB): the worker has copied nearly every frame by then, so that
// checkpoint is short, and the next commit starts the WAL over.
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** SQLite's own automatic checkpoint size: 1000 pages of 4 KiB. */
const CHECKPOINT_PAGES = 1000;
/** WAL pages past which the serving connection checkpoints itself (32 MiB). */
const MAX_PAGES = 8192;
const CHECK_MS = 250;

/** The worker's whole code: it opens the database and answers each message with one checkpoint. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { fileMustExist: true });
parentPort.on('message', (m) => {
  if (m === 'close') { db.close(); parentPort.close(); return; }
  try { parentPort.postMessage({ result: db.pragma('wal_checkpoint(PASSIVE)')[0] }); }
  catch (e) { parentPort.postMessage({ error: e.message }); }
});
`;

export interface CheckpointOptions {
  /** Told once if the worker cannot checkpoint; the serving connection then does it itself. */
  onError?: (e: Error) => void;
  /** WAL bytes at which the worker starts (default 1000 pages). */
  startBytes?: number;
  /** How often the WAL is looked at (default 250 ms). */
  intervalMs?: number;
  /** WAL pages past which the serving connection checkpoints itself (default 8192). */
  maxPages?: number;
}

export interface CheckpointResult { busy: number; log: number; checkpointed: number }

export class WalCheckpointer {
  private worker: Worker | null = null;
  private pending: { resolve: (r: CheckpointResult) => void; reject: (e: Error) => void } | null = null;
  private lastWrite = 0;
  private ticking = false;
  private stoppedBy: 'close' | 'failure' | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly startBytes: number;

  constructor(private readonly db: Database.Database, private readonly path: string, private readonly opts: CheckpointOptions = {}) {
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
      return await this.checkpoint();
    } catch (e) {
      this.fail(e as Error);
      return null;
    } finally {
      this.ticking = false;
    }
  }

  private checkpoint(): Promise<CheckpointResult> {
    this.worker ??= this.startWorker();
    return new Promise<CheckpointResult>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker!.postMessage('checkpoint');
    });
  }

  private startWorker(): Worker {
    // node:worker_threads loaded here, once the WAL first needs a checkpoint (issue 20: start-up and idle RSS).
    const w = new (process.getBuiltinModule('node:worker_threads').Worker)(WORKER_SOURCE, {
      eval: true,
      workerData: { module: createRequire(import.meta.url).resolve('better-sqlite3'), path: this.path },
      resourceLimits: { maxOldGenerationSizeMb: 16 },
    });
    w.unref();
    const settle = (m: { result?: CheckpointResult; error?: string }): void => {
      const p = this.pending;
      this.pending = null;
      if (m.result) p?.resolve(m.result);
      else p?.reject(new Error(m.error));
    };
    w.on('message', settle);
    w.on('error', (e: Error) => settle({ error: e.message }));
    w.on('exit', (code) => {
      settle({ error: `the checkpoint worker exited with code ${code}` });
      this.fail(new Error(`the checkpoint worker exited with code ${code}`));
    });
    return w;
  }

  /** The worker is gone or failed: the serving connection checkpoints again, as SQLite does by default. */
  private fail(e: Error): void {
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

  /** Ends the worker after the checkpoint it is running, if any. */
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
