// GET /audit-logs and GET /projects/{project_name}/logs (swagger tags "auditlog" and "project"):
// Harbor's record of artifact pulls, pushes (create) and deletes. Filters become Harbor's q= terms.
import { HarborError } from '../core/errors.js';
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

export interface AuditLogFilter {
  operation?: string;
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
  add('username', f.username);
  return terms.length ? terms.join(',') : undefined;
}

export function listAuditLogs(c: HarborClient, f: AuditLogFilter = {}, page?: PageOptions): Promise<ListResult<AuditLog>> {
  const path = f.project ? `/projects/${seg(f.project)}/logs` : '/audit-logs';
  return c.list<AuditLog>(path, { q: auditLogQuery(f) }, page);
}
