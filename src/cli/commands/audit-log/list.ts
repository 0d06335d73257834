// harborctl audit-log list [--ext | --legacy] [--operation OP] [--resource R] [--resource-type T] [--username U]
//   [--since TIME|DURATION] [--project P] [--page N] [--page-size N]
// The log where the registry records artifact operations now: Harbor 2.13's extended log (also
// management operations and logins), or the legacy log on an older Harbor. --ext: the extended log
// or an error; --legacy: the legacy log (what Harbor recorded before 2.13).
import { extOnlyFilter, LEGACY_OPERATIONS, listAuditLogExts, listAuditLogs, listCurrentAuditLogs, type AuditLogExt, type SourcedAuditLogs } from '../../../client/auditlogs.js';
import { parseDuration } from '../../../core/units.js';
import { HarborError } from '../../../core/errors.js';
import { withSpinner } from '../../output/interactive.js';
import { renderList, shortTime, type Column } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { moreNote, pageOptions, type PageFlags } from '../common.js';
import type { AuditLog } from '../../../client/auditlogs.js';

export interface Options extends PageFlags {
  operation?: string; resource?: string; resourceType?: string; username?: string; project?: string; since?: string; ext?: boolean; legacy?: boolean;
}

const EXT_OPERATIONS = [...LEGACY_OPERATIONS, 'update', 'login', 'logout'];

export const AUDIT_LOG_COLUMNS: Column<AuditLog>[] = [
  { header: 'ID', value: (l) => l.id },
  { header: 'TIME', value: (l) => shortTime(l.op_time) },
  { header: 'USER', value: (l) => l.username },
  { header: 'OPERATION', value: (l) => l.operation },
  { header: 'RESOURCE', value: (l) => l.resource },
];

export const AUDIT_LOG_EXT_COLUMNS: Column<AuditLogExt>[] = [
  ...AUDIT_LOG_COLUMNS.slice(0, 4),
  { header: 'TYPE', value: (l) => l.resource_type },
  AUDIT_LOG_COLUMNS[4],
  { header: 'RESULT', value: (l) => (l.operation_result ? 'ok' : 'failed') },
  { header: 'DESCRIPTION', value: (l) => l.operation_description },
];

/** --since: an RFC 3339 time, or a duration back from now (24h, 7d). */
function sinceOf(v: string | undefined, now: number): string | undefined {
  if (v === undefined) return undefined;
  if (/^\d+(\.\d+)?(ms|s|m|h|d)$/.test(v.trim())) return new Date(now - parseDuration(v)).toISOString();
  const t = Date.parse(v);
  if (Number.isNaN(t) || !/^\d{4}-\d\d-\d\d/.test(v.trim())) throw new HarborError('USAGE', `invalid --since ${JSON.stringify(v)}: a time (2026-12-01T00:00:00Z) or a duration (24h, 7d)`);
  return new Date(t).toISOString();
}

export async function run(rt: Runtime, _args: string[], o: Options): Promise<void> {
  if (o.ext && o.legacy) throw new HarborError('USAGE', '--ext and --legacy name different logs: give one');
  const ops = o.legacy ? LEGACY_OPERATIONS : EXT_OPERATIONS;
  if (o.operation !== undefined && !ops.includes(o.operation)) throw new HarborError('USAGE', `invalid --operation ${JSON.stringify(o.operation)}: ${ops.join(', ')}`);
  const page = pageOptions(o);
  const filter = { operation: o.operation, resource: o.resource, resourceType: o.resourceType, username: o.username, project: o.project, since: sinceOf(o.since, Date.now()) };
  if (o.legacy && extOnlyFilter(filter)) throw new HarborError('USAGE', '--resource-type does not go with --legacy (the legacy log holds artifacts only)');
  const r: SourcedAuditLogs = await rt.withClient((c) => withSpinner(rt, 'reading the audit log', async () => {
    if (o.ext) return { ...await listAuditLogExts(c, filter, page), legacy: false as const };
    if (o.legacy) return { ...await listAuditLogs(c, filter, page), legacy: true as const };
    return listCurrentAuditLogs(c, filter, page);
  }));
  if (r.legacy) renderList(rt.io, rt.listFormat(), r.items, AUDIT_LOG_COLUMNS, 'no audit log entries');
  else renderList(rt.io, rt.listFormat(), r.items, AUDIT_LOG_EXT_COLUMNS, 'no audit log entries');
  moreNote(rt, r.items.length, r.total, page);
}
