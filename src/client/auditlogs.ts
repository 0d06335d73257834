// GET /auditlog-exts and /projects/{project_name}/auditlog-exts: Harbor 2.13's extended log of
// artifact pulls, pushes (create) and deletes, management operations and logins; GET /audit-logs and
// GET /projects/{project_name}/logs (swagger tags "auditlog" and "project"): the legacy log, where
// Harbor recorded artifact operations before 2.13 and which 2.13 no longer writes. Filters become
// Harbor's q= terms.
import { HarborError, isHarborError } from '../core/errors.js';
import { seg, type HarborClient, type ListResult, type PageOptions } from './http.js';

/** swagger definitions.AuditLog. */
export interface AuditLog {
  id: number;
  username: string;
  /** project/repo:tag or project/repo@digest */
  resource: string;
  resource_type: string;
  operation: string;
  op_time: string;
}

/** swagger definitions.AuditLogExt (Harbor 2.13): management operations and logins too. */
export interface AuditLogExt extends AuditLog {
  operation_description: string;
  operation_result: boolean;
}

export interface AuditLogFilter {
  operation?: string;
  resourceType?: string;
  /** Only entries at or after this time (RFC 3339). */
  since?: string;
  /** Matched as a substring (q= resource=~R). */
  resource?: string;
  username?: string;
  /** Only this project's entries (GET /projects/{project_name}/logs). */
  project?: string;
}

/** The q= text for these filters; a value with a comma or a brace would change its meaning, so it is refused. */
export function auditLogQuery(f: AuditLogFilter): string | undefined {
  const terms: string[] = [];
  const add = (key: string, v: string | undefined, fuzzy = false): void => {
    if (v === undefined || v === '') return;
    if (/[,{}()[\]~]/.test(v)) throw new HarborError('USAGE', `invalid --${key} ${JSON.stringify(v)}: no , { } ( ) [ ] or ~ in a filter value`);
    terms.push(`${key}=${fuzzy ? '~' : ''}${v}`);
  };
  add('operation', f.operation);
  add('resource', f.resource, true);
  add('resource_type', f.resourceType);
  add('username', f.username);
  // Harbor's range needs both ends, in its UI's form (2006-01-02 15:04:05, UTC): the far end is tomorrow.
  const harborTime = (t: number): string => new Date(t).toISOString().slice(0, 19).replace('T', ' ');
  if (f.since !== undefined) terms.push(`op_time=[${harborTime(Date.parse(f.since))}~${harborTime(Date.now() + 86_400_000)}]`);
  return terms.length ? terms.join(',') : undefined;
}

export function listAuditLogs(c: HarborClient, f: AuditLogFilter = {}, page?: PageOptions): Promise<ListResult<AuditLog>> {
  const path = f.project ? `/projects/${seg(f.project)}/logs` : '/audit-logs';
  return c.list<AuditLog>(path, { q: auditLogQuery(f) }, page);
}

/** GET /auditlog-exts and /projects/{project_name}/auditlog-exts (Harbor 2.13+). */
export function listAuditLogExts(c: HarborClient, f: AuditLogFilter = {}, page?: PageOptions): Promise<ListResult<AuditLogExt>> {
  const path = f.project ? `/projects/${seg(f.project)}/auditlog-exts` : '/auditlog-exts';
  return c.list<AuditLogExt>(path, { q: auditLogQuery(f) }, page);
}

/** One of the two logs, and which. */
export type SourcedAuditLogs = ListResult<AuditLogExt> & { legacy: false } | ListResult<AuditLog> & { legacy: true };

/** The legacy log's operations. */
export const LEGACY_OPERATIONS: readonly string[] = ['pull', 'create', 'delete'];

/** True for filters only the extended log has (a resource type; an operation other than LEGACY_OPERATIONS). */
export const extOnlyFilter = (f: AuditLogFilter): boolean =>
  f.resourceType !== undefined || (f.operation !== undefined && !LEGACY_OPERATIONS.includes(f.operation));

/**
 * The log where the registry records artifact operations now: the extended log, or, on a Harbor
 * before 2.13 (it answers 404 for the extended log's path), the legacy one. A project that does not
 * exist is a 404 of both: the legacy path's error is the one thrown. Filters only the extended log
 * has are a USAGE error once the registry turns out to have the legacy log only.
 */
export async function listCurrentAuditLogs(c: HarborClient, f: AuditLogFilter = {}, page?: PageOptions): Promise<SourcedAuditLogs> {
  try {
    return { ...await listAuditLogExts(c, f, page), legacy: false };
  } catch (e) {
    if (!isHarborError(e) || e.code !== 'NOT_FOUND') throw e;
  }
  const legacy = await listAuditLogs(c, { ...f, resourceType: undefined }, page);
  if (extOnlyFilter(f)) {
    throw new HarborError('USAGE', `${c.server} keeps the legacy audit log only (Harbor before 2.13): it has no ${f.resourceType !== undefined ? '--resource-type' : `--operation ${f.operation}`}`);
  }
  return { ...legacy, legacy: true };
}
