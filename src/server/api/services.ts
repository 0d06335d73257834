// What the API handlers are given: the services, built once in app.ts.
import type { ArtifactService } from '../../services/artifacts.js';
import type { AuditLogService } from '../../services/audit.js';
import type { AuthService } from '../../services/auth.js';
import type { ProjectService } from '../../services/projects.js';
import type { QuotaService } from '../../services/quotas.js';
import type { RegistryEndpointService } from '../../services/registries.js';
import type { RobotService } from '../../services/robots.js';
import type { Scheduler } from '../../services/scheduler.js';
import type { AccessControl } from '../../services/rbac.js';
import type { UserService } from '../../services/users.js';
import type { MetaStores } from '../../storage/meta/index.js';

export interface ApiServices {
  /** The few direct lookups handlers make (a project or user by name or id); everything else goes through a service. */
  stores: Pick<MetaStores, 'identity' | 'projects'>;
  auth: AuthService;
  access: AccessControl;
  users: UserService;
  projects: ProjectService;
  artifacts: ArtifactService;
  quotas: QuotaService;
  robots: RobotService;
  registries: RegistryEndpointService;
  /** Artifact pulls, pushes and deletes (/audit-logs, /projects/{p}/logs). */
  audit: AuditLogService;
  /** Background jobs: garbage collection, audit-log purge (/system/gc, /system/purgeaudit). */
  scheduler: Scheduler;
  /** The version systeminfo reports. */
  version: string;
  /** Told after a password change (app.ts keeps admin.password in step for the local CLI). */
  passwordChanged?: (username: string, password: string) => Promise<void>;
}
