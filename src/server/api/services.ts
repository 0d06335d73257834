// What the API handlers are given: the services, built once in app.ts.
import type { ArtifactService } from '../../services/artifacts.js';
import type { AuditLogService } from '../../services/audit.js';
import type { AuditExtService } from '../../services/audit-ext.js';
import type { AuthService } from '../../services/auth.js';
import type { LabelService } from '../../services/labels.js';
import type { OverviewService } from '../../services/overview.js';
import type { ImmutableService } from '../../services/immutable.js';
import type { ConfigService } from '../../services/config.js';
import type { LdapService } from '../../services/ldap.js';
import type { OidcService } from '../../services/oidc.js';
import type { ProjectService } from '../../services/projects.js';
import type { QuotaService } from '../../services/quotas.js';
import type { RegistryEndpointService } from '../../services/registries.js';
import type { ReplicationService } from '../../services/replication/service.js';
import type { RetentionService } from '../../services/retention.js';
import type { RobotService } from '../../services/robots.js';
import type { Scheduler } from '../../services/scheduler.js';
import type { ScannerService } from '../../services/scanners.js';
import type { ScanService } from '../../services/scans.js';
import type { JobMonitor } from '../../services/jobmonitor.js';
import type { AccessControl } from '../../services/rbac.js';
import type { UserGroupService } from '../../services/usergroups.js';
import type { UserService } from '../../services/users.js';
import type { WebhookService } from '../../services/webhooks.js';
import type { MetaStores } from '../../storage/meta/index.js';

export interface ApiServices {
  /** The few direct lookups handlers make (a project or user by name or id); everything else goes through a service. */
  stores: Pick<MetaStores, 'identity' | 'projects' | 'registries' | 'webhooks' | 'retention' | 'replication'>;
  auth: AuthService;
  access: AccessControl;
  /** System configuration (/configurations; the read-only mode the server enforces). */
  config: ConfigService;
  /** /ldap/* (ping, user and group search, user import). */
  ldap: LdapService;
  /** OIDC sign-in: browser sessions, CLI secrets, /system/oidc/ping. */
  oidc: OidcService;
  users: UserService;
  usergroups: UserGroupService;
  projects: ProjectService;
  artifacts: ArtifactService;
  labels: LabelService;
  overview: OverviewService;
  /** The data directory's file system (GET /systeminfo/volumes) and the CA `tls init` made, when serving with it (getcert). */
  system: { volumes(): Promise<{ total: number; free: number }>; caCert(): Promise<Buffer | null> };
  quotas: QuotaService;
  robots: RobotService;
  immutable: ImmutableService;
  retention: RetentionService;
  registries: RegistryEndpointService;
  /** Artifact pulls, pushes and deletes, recorded in the extended log; the legacy log's lists (/audit-logs, /projects/{p}/logs) and purge. */
  audit: AuditLogService;
  /** Management operations and logins (/auditlog-exts); `auditExt.event()` is the recorder API. */
  auditExt: AuditExtService;
  /** Webhook policies and their deliveries. */
  webhooks: WebhookService;
  /** Replication policies, executions and tasks. */
  replication: ReplicationService;
  /** Background jobs: garbage collection, audit-log purge (/system/gc, /system/purgeaudit). */
  scheduler: Scheduler;
  /** Scanner registrations (/scanners, a project's scanner) and vulnerability scans (scan-all, reports). */
  scanners: ScannerService;
  scans: ScanService;
  /** The job service monitor: pools, workers and queues of our background work (/jobservice, /schedules). */
  jobs: JobMonitor;
  /** The version systeminfo reports. */
  version: string;
  /** Told after a password change (app.ts keeps admin.password in step for the local CLI). */
  passwordChanged?: (username: string, password: string) => Promise<void>;
}
