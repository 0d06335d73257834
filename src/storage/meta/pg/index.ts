// The PostgreSQL backend (node-postgres): one pool, one class per domain store, as the SQLite
// backend has. For several `harborctl serve` replicas on one database: what SQLite's single writer
// serialised, row locks and advisory locks serialise here (see content.ts, schedules.ts,
// webhooks.ts). openPgStores() is the backend's one factory.
import type { MetaStores } from '../index.js';
import { PgArtifactStore } from './artifacts.js';
import { PgAuditLogStore } from './audit.js';
import { type Clock, createPool } from './common.js';
import { PgConfigStore } from './config.js';
import { PgContentStore } from './content.js';
import { PgGcStore } from './gc.js';
import { PgUserGroupStore } from './groups.js';
import { PgIdentityStore } from './identity.js';
import { PgImmutableRuleStore } from './immutable.js';
import { PgJobStore } from './jobs.js';
import { PgLabelStore } from './labels.js';
import { PgLockStore } from './locks.js';
import { migrate } from './migrations.js';
import { PgOidcStore } from './oidc.js';
import { PgProjectStore } from './projects.js';
import { PgRegistryStore } from './registries.js';
import { PgReplicationStore } from './replication.js';
import { PgRetentionStore } from './retention.js';
import { PgScanReportStore } from './scan-reports.js';
import { PgScannerStore } from './scanners.js';
import { PgScheduleStore } from './schedules.js';
import { PgSecretStore } from './secrets.js';
import { PgUploadStore } from './uploads.js';
import { PgWebhookStore } from './webhooks.js';

/** Connects to the database at `url` (postgres://...), migrates it and builds every store on one pool. */
export async function openPgStores(url: string, opts: { clock?: Clock } = {}): Promise<MetaStores> {
  const now = opts.clock ?? (() => new Date());
  const pool = createPool(url);
  try {
    await migrate(pool);
  } catch (e) {
    await pool.end();
    throw e;
  }
  const content = new PgContentStore(pool, now);
  const identity = new PgIdentityStore(pool, now);
  let closed = false;
  return {
    identity,
    projects: new PgProjectStore(pool, now),
    content,
    artifacts: new PgArtifactStore(pool, now),
    uploads: new PgUploadStore(pool, now),
    registries: new PgRegistryStore(pool, now),
    jobs: new PgJobStore(pool, now),
    audit: new PgAuditLogStore(pool, now),
    labels: new PgLabelStore(pool, now),
    immutable: new PgImmutableRuleStore(pool, now),
    retention: new PgRetentionStore(pool, now),
    config: new PgConfigStore(pool, now),
    groups: new PgUserGroupStore(pool, now),
    webhooks: new PgWebhookStore(pool, now),
    schedules: new PgScheduleStore(pool, now),
    gc: new PgGcStore(pool, now, content),
    scanners: new PgScannerStore(pool, now),
    scanReports: new PgScanReportStore(pool, now),
    oidc: new PgOidcStore(pool, now, identity),
    locks: new PgLockStore(pool, now),
    secrets: new PgSecretStore(pool, now),
    replication: new PgReplicationStore(pool, now),
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
