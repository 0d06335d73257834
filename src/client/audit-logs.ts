// Harbor's audit log (the legacy AuditLog model): GET /api/v2.0/projects/{project}/logs and
// GET /api/v2.0/audit-logs. Each manifest GET is recorded as operation `pull` with the resource
// `project/repo:tag` or `project/repo@sha256:…`; `doctor --pull` reads it as the registry's own record.
import { nameOrId, type HarborClient } from './http.js';

export interface AuditLog {
  id: number;
  username: string;
  resource: string;
  resource_type: string;
  operation: string;
  op_time: string;
}

export interface AuditQuery {
  /** Harbor's q= grammar, e.g. `operation=pull,resource=~cache/library/tiny`. */
  q?: string;
  pageSize?: number;
  /** e.g. `-op_time` (newest first). */
  sort?: string;
}

/** The first page of a project's audit log (newest first when the server honours `sort`). */
export async function projectLogs(c: HarborClient, project: string, o: AuditQuery = {}): Promise<AuditLog[]> {
  const p = nameOrId(project);
  const r = await c.request<AuditLog[]>('GET', `/projects/${p.path}/logs`, {
    query: { q: o.q, sort: o.sort, page: 1, page_size: o.pageSize ?? 100 },
    headers: p.headers,
  });
  return Array.isArray(r.data) ? r.data : [];
}
