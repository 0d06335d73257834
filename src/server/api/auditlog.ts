// Harbor tag "auditlog": GET /audit-logs (legacy: read only since artifact operations go to the
// extended log, as in Harbor 2.13), and GET /projects/{project_name}/logs of tag
// "project"; Harbor 2.13's GET /auditlog-exts, /auditlog-exts/events and /projects/{project_name}/auditlog-exts.
// The lists answer AuditLog (AuditLogExt) objects, newest first, paged like every list (X-Total-Count, Link)
// and filtered by q= over operation, resource, resource_type, username and op_time. The filters run
// in SQL: an audit log grows with every pull, so it is never loaded whole to be filtered in memory.
import { HarborError } from '../../core/errors.js';
import type { AuditCondition, AuditColumn, AuditLogExtRecord, AuditLogRecord, AuditQuery, Project } from '../../storage/meta/index.js';
import { AUDIT_EVENT_TYPES } from '../../services/audit-ext.js';
import { isSysadmin } from '../../services/rbac.js';
import { sendJson } from '../context.js';
import { pageWindow, parseQuery, qCondition, sendStorePage, type QValue } from './paging.js';
import type { ApiContext, ApiRouter } from './router.js';

const Q_KEYS: readonly AuditColumn[] = ['operation', 'resource', 'resource_type', 'username', 'op_time'];

/** A q= time (RFC 3339, or Harbor's UI form `2026-11-28 15:04:05`, UTC when no zone) → the stored ISO form. */
function isoTime(v: string): string {
  const t = v.trim().replace(' ', 'T');
  const ms = Date.parse(/(?:Z|[+-]\d\d:?\d\d)$/i.test(t) || !t.includes('T') ? t : `${t}Z`);
  if (Number.isNaN(ms)) throw new HarborError('BAD_REQUEST', `invalid op_time ${JSON.stringify(v.slice(0, 60))}: use 2006-01-02T15:04:05Z or 2006-01-02 15:04:05`);
  return new Date(ms).toISOString();
}

function condition(column: AuditColumn, v: QValue): AuditCondition {
  if (column !== 'op_time') return qCondition(column, v);
  // A time to the second matches every entry within that second.
  if (v.kind === 'exact') return { column, kind: 'range', min: isoTime(v.value), max: new Date(Date.parse(isoTime(v.value)) + 999).toISOString() };
  return qCondition(column, v, isoTime);
}

/**
 * The q= and sort= of a request → the store's query. Keys and sort fields we do not filter or sort
 * on are ignored, as Harbor's ORM skips them (src/lib/orm/query.go); the first known sort wins.
 */
export function auditQuery(c: ApiContext): Omit<AuditQuery, 'projectIds'> {
  const where: AuditCondition[] = [];
  for (const [k, v] of parseQuery(c.http.query.get('q'))) {
    if ((Q_KEYS as readonly string[]).includes(k)) where.push(condition(k as AuditColumn, v));
  }
  let order: AuditQuery['order'];
  for (const s of (c.http.query.get('sort') ?? '').split(',')) {
    const m = /^(-?)(op_time|id)$/.exec(s.trim());
    if (m) {
      order = { column: m[2] as 'op_time' | 'id', dir: m[1] ? 'desc' : 'asc' };
      break;
    }
  }
  return { where, order, ...pageWindow(c.http) };
}

export function auditLogResp(r: AuditLogRecord): Record<string, unknown> {
  return { id: r.id, username: r.username, resource: r.resource, resource_type: r.resourceType, operation: r.operation, op_time: r.opTime };
}

export function auditLogExtResp(r: AuditLogExtRecord): Record<string, unknown> {
  return { ...auditLogResp(r), operation_description: r.operationDescription, operation_result: r.operationResult };
}

async function sendAuditLogs(c: ApiContext, project?: Project, ext = false): Promise<void> {
  const query = auditQuery(c);
  const { items, total } = ext ? await c.svc.auditExt.list(c.principal, query, project) : await c.svc.audit.list(c.principal, query, project);
  if (ext) sendStorePage(c.http, items as AuditLogExtRecord[], total, auditLogExtResp);
  else sendStorePage(c.http, items, total, auditLogResp);
}

export function auditLogRoutes(r: ApiRouter): void {
  r.add('GET', '/audit-logs', (c) => sendAuditLogs(c));
  for (const [path, ext] of [['/projects/{project_name}/logs', false], ['/projects/{project_name}/auditlog-exts', true]] as const) {
    r.add('GET', path, async (c) => {
      // Who asks comes first: an anonymous caller learns nothing, not even whether the project exists.
      if (c.principal.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
      await sendAuditLogs(c, await c.svc.projects.resolve(c.params.project_name, true), ext);
    });
  }
  // Harbor 2.13's extended log: management operations and logins, the same q=, sort= and paging.
  r.add('GET', '/auditlog-exts', (c) => sendAuditLogs(c, undefined, true));
  r.add('GET', '/auditlog-exts/events', async (c) => {
    if (c.principal.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    if (!isSysadmin(c.principal) && !(await c.svc.access.canSystem(c.principal, 'audit-log', 'list'))) {
      throw new HarborError('FORBIDDEN', 'only system administrators may list the audit log event types');
    }
    sendJson(c.http, 200, AUDIT_EVENT_TYPES.map((event_type) => ({ event_type })));
  });
}
