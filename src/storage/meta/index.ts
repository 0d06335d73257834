// The metadata stores, one interface per domain (one file each, with its record types), and
// MetaStores: what a backend's factory returns and what the composition root (server/app.ts) hands
// to the services, each of which takes only the stores it uses. Every store's methods are atomic
// operations, so a backend on another database (PostgreSQL for several replicas) can implement them
// without the services knowing. Each store has one contract suite (test/unit/contract/) that every
// backend runs. A new domain: an interface file here, a class in each backend, a contract suite,
// and one line in MetaStores and in each backend's factory.
import type { ArtifactStore } from './artifacts.js';
import type { AuditLogStore } from './audit.js';
import type { ConfigStore } from './config.js';
import type { ContentStore } from './content.js';
import type { UserGroupStore } from './groups.js';
import type { GcStore } from './gc.js';
import type { IdentityStore } from './identity.js';
import type { ImmutableRuleStore } from './immutable.js';
import type { JobStore } from './jobs.js';
import type { LabelStore } from './labels.js';
import type { OidcStore } from './oidc.js';
import type { LockStore } from './locks.js';
import type { ProjectStore } from './projects.js';
import type { RegistryStore } from './registries.js';
import type { ReplicationStore } from './replication.js';
import type { RetentionStore } from './retention.js';
import type { ScanReportStore } from './scan-reports.js';
import type { ScannerStore } from './scanners.js';
import type { SecretStore } from './secrets.js';
import type { ScheduleStore } from './schedules.js';
import type { UploadStore } from './uploads.js';
import type { WebhookStore } from './webhooks.js';

export type * from './artifacts.js';
export type * from './audit.js';
export type * from './common.js';
export type * from './config.js';
export type * from './content.js';
export type * from './gc.js';
export type * from './groups.js';
export type * from './identity.js';
export type * from './immutable.js';
export type * from './jobs.js';
export type * from './labels.js';
export type * from './locks.js';
export type * from './oidc.js';
export type * from './projects.js';
export type * from './query.js';
export type * from './registries.js';
export type * from './replication.js';
export type * from './retention.js';
export type * from './scan-reports.js';
export type * from './scanners.js';
export type * from './schedules.js';
export type * from './secrets.js';
export type * from './uploads.js';
export type * from './webhooks.js';

export interface MetaStores {
  identity: IdentityStore;
  projects: ProjectStore;
  content: ContentStore;
  artifacts: ArtifactStore;
  uploads: UploadStore;
  registries: RegistryStore;
  jobs: JobStore;
  audit: AuditLogStore;
  labels: LabelStore;
  immutable: ImmutableRuleStore;
  retention: RetentionStore;
  config: ConfigStore;
  groups: UserGroupStore;
  webhooks: WebhookStore;
  schedules: ScheduleStore;
  gc: GcStore;
  scanners: ScannerStore;
  scanReports: ScanReportStore;
  oidc: OidcStore;
  locks: LockStore;
  secrets: SecretStore;
  replication: ReplicationStore;
  /** Closes the database (every store shares it); a second call does nothing. */
  close(): Promise<void>;
}
