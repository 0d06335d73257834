// Harbor's audit log of artifacts (the legacy AuditLog of /audit-logs and /projects/{p}/logs): who
// pulled (manifest GET, not HEAD, as Harbor counts it), pushed (create) or deleted what, and when.
// Recording must not slow the manifest GET path: record() only appends to a buffer, which is written
// in one transaction every FLUSH_MS or once MAX_BATCH rows wait, and on close. A list flushes first,
// so what was answered is what is listed. Usernames are as Harbor shows them: `robot$name` for
// robots, `anonymous` for a public pull without credentials (goharbor/harbor#11306).
import { HarborError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { AuditQuery, NewAuditLog, SqliteAuditLogStore, AuditLogRecord } from '../storage/meta/sqlite/audit.js';
import type { MetadataStore, Project } from '../storage/meta/types.js';
import { isSysadmin, type AccessControl, type Principal } from './rbac.js';

export type AuditOperation = 'pull' | 'create' | 'delete';

export const ANONYMOUS_USERNAME = 'anonymous';
const FLUSH_MS = 200;
const MAX_BATCH = 500;

/** Harbor's resource text: `project/repo:tag`, or `project/repo@sha256:…` for a digest. */
export function auditResource(repository: string, reference: string): string {
  return reference.includes(':') ? `${repository}@${reference}` : `${repository}:${reference}`;
}

export interface AuditLogOptions { clock?: () => number; flushMs?: number; maxBatch?: number }

export class AuditLogService {
  private buffer: NewAuditLog[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly now: () => number;
  private readonly flushMs: number;
  private readonly maxBatch: number;

  constructor(
    private readonly store: SqliteAuditLogStore,
    private readonly meta: MetadataStore,
    private readonly access: AccessControl,
    private readonly log: Logger,
    opts: AuditLogOptions = {},
  ) {
    this.now = opts.clock ?? Date.now;
    this.flushMs = opts.flushMs ?? FLUSH_MS;
    this.maxBatch = opts.maxBatch ?? MAX_BATCH;
  }

  /** Notes one artifact operation; never throws and never waits. */
  record(operation: AuditOperation, username: string | undefined, repository: string, project: Project, reference: string): void {
    if (this.closed) return;
    this.buffer.push({
      projectId: project.id, username: username || ANONYMOUS_USERNAME, resource: auditResource(repository, reference),
      resourceType: 'artifact', operation, opTime: new Date(this.now()).toISOString(),
    });
    if (this.buffer.length >= this.maxBatch) {
      clearTimeout(this.timer);
      this.timer = undefined;
      setImmediate(() => this.flush());
    } else if (!this.timer) {
      this.timer = setTimeout(() => { this.timer = undefined; this.flush(); }, this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes what is buffered in one transaction. A failure is logged, not thrown: the request it came from is long answered. */
  flush(): void {
    if (this.buffer.length === 0) return;
    const rows = this.buffer;
    this.buffer = [];
    try {
      this.store.insertMany(rows);
    } catch (e) {
      this.log.error('could not write audit log entries', { rows: rows.length, error: e });
    }
  }

  /** Flushes and stops recording (before the database closes). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
    this.closed = true;
  }

  /**
   * The entries the caller may see: all for a system admin (or a system robot with audit-log list),
   * else those of the projects where it may list logs (project admins); with `project`, only that
   * project's, FORBIDDEN without the permission. Anonymous callers get UNAUTHORIZED.
   */
  async list(actor: Principal, query: Omit<AuditQuery, 'projectIds'>, project?: Project): Promise<{ items: AuditLogRecord[]; total: number }> {
    if (actor.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    let projectIds: number[] | undefined;
    if (project) {
      await this.access.require(actor, project, 'log', 'list');
      projectIds = [project.id];
    } else if (!isSysadmin(actor) && !(await this.access.canSystem(actor, 'audit-log', 'list'))) {
      projectIds = [];
      for (const p of await this.meta.listProjects()) if (await this.access.can(actor, p, 'log', 'list')) projectIds.push(p.id);
    }
    this.flush();
    return this.store.list({ ...query, projectIds });
  }
}
