// The SQLite backend (better-sqlite3, WAL): one database file, one class per domain store, all on
// the same connection so that a cross-domain write (a push updating the project's usage) is still
// one transaction. better-sqlite3 is synchronous, which is what makes a manifest GET one indexed
// lookup with no await in between. openSqliteStores() is the backend's one factory.
import type Database from 'better-sqlite3';
import { openSqlite } from '../../../core/sqlite.js';
import type { MetaStores } from '../index.js';
import { SqliteArtifactStore } from './artifacts.js';
import { SqliteAuditLogStore } from './audit.js';
import { CONNECTION_PRAGMAS, SqliteWorker, type WorkerOptions } from './worker.js';
import type { Clock } from './common.js';
import { SqliteConfigStore } from './config.js';
import { SqliteContentStore } from './content.js';
import { SqliteUserGroupStore } from './groups.js';
import { SqliteGcStore } from './gc.js';
import { SqliteIdentityStore } from './identity.js';
import { SqliteImmutableRuleStore } from './immutable.js';
import { SqliteJobStore } from './jobs.js';
import { SqliteLabelStore } from './labels.js';
import { SqliteLockStore } from './locks.js';
import { MIGRATIONS } from './migrations.js';
import { SqliteOidcStore } from './oidc.js';
import { SqliteProjectStore } from './projects.js';
import { SqliteRegistryStore } from './registries.js';
import { SqliteReplicationStore } from './replication.js';
import { SqliteRetentionStore } from './retention.js';
import { SqliteScanReportStore } from './scan-reports.js';
import { SqliteScannerStore } from './scanners.js';
import { SqliteScheduleStore } from './schedules.js';
import { SqliteSecretStore } from './secrets.js';
import { SqliteUploadStore } from './uploads.js';
import { SqliteWebhookStore } from './webhooks.js';

export function migrate(db: Database.Database): number {
  // One IMMEDIATE transaction that reads the version inside it: two replicas starting together on
  // one file apply each migration once (the second waits, then finds nothing to do).
  return db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new Error(`database schema version ${current} is newer than this harborctl (${MIGRATIONS.length}); upgrade harborctl`);
    }
    for (let v = current; v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    }
    return MIGRATIONS.length;
  }).immediate();
}

/**
 * Makes every transaction on `db` BEGIN IMMEDIATE. Several processes may share the file (replicas
 * on one data dir): a deferred transaction that reads and then writes fails with SQLITE_BUSY when
 * another process committed in between, since busy_timeout only covers waiting for a lock, never
 * a stale snapshot. IMMEDIATE takes the write lock first (waiting up to busy_timeout). Within one
 * process it changes nothing: better-sqlite3 runs one transaction at a time.
 */
export function immediateTransactions(db: Database.Database): void {
  const plain = db.transaction.bind(db);
  db.transaction = ((fn: Parameters<typeof plain>[0]) => {
    const t = plain(fn);
    return Object.assign((...args: unknown[]) => t.immediate(...args), { default: t.immediate, deferred: t.deferred, immediate: t.immediate, exclusive: t.exclusive });
  }) as typeof db.transaction;
}

/** The stores with the database they share (tests look at its pragmas). */
export interface SqliteStores extends MetaStores {
  readonly db: Database.Database;
  readonly worker: SqliteWorker;
}

/** Opens (creating and migrating) the database at `path` and builds every store on it. */
export function openSqliteStores(path: string, opts: { clock?: Clock; worker?: WorkerOptions } = {}): SqliteStores {
  const now = opts.clock ?? (() => new Date());
  const db = openSqlite(path);
  try {
    // The version check comes first: a database from a newer harborctl is left exactly as it is.
    for (const p of CONNECTION_PRAGMAS) db.pragma(p);
    immediateTransactions(db);
    migrate(db);
    db.pragma('journal_mode = WAL');
  } catch (e) {
    db.close();
    throw e;
  }
  const worker = new SqliteWorker(db, path, opts.worker);
  const content = new SqliteContentStore(db, now);
  const identity = new SqliteIdentityStore(db, now);
  return {
    db,
    worker,
    identity,
    projects: new SqliteProjectStore(db, now),
    content,
    artifacts: new SqliteArtifactStore(db, now),
    uploads: new SqliteUploadStore(db, now),
    registries: new SqliteRegistryStore(db, now),
    jobs: new SqliteJobStore(db, now),
    audit: new SqliteAuditLogStore(db, worker),
    labels: new SqliteLabelStore(db, now),
    immutable: new SqliteImmutableRuleStore(db, now),
    retention: new SqliteRetentionStore(db, now),
    config: new SqliteConfigStore(db, now),
    groups: new SqliteUserGroupStore(db, now),
    webhooks: new SqliteWebhookStore(db, now),
    schedules: new SqliteScheduleStore(db, now),
    gc: new SqliteGcStore(db, now, content),
    scanners: new SqliteScannerStore(db, now),
    scanReports: new SqliteScanReportStore(db, now),
    oidc: new SqliteOidcStore(db, now, identity),
    locks: new SqliteLockStore(db, now),
    secrets: new SqliteSecretStore(db, now),
    replication: new SqliteReplicationStore(db, now),
    async close() {
      await worker.close();
      if (db.open) {
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
      }
    },
  };
}
