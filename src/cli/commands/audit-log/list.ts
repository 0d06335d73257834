// harborctl audit-log list [--operation pull|create|delete] [--resource R] [--username U] [--project P] [--page N] [--page-size N]
import { listAuditLogs } from '../../../client/auditlogs.js';
import { HarborError } from '../../../core/errors.js';
import { withSpinner } from '../../output/interactive.js';
import { renderList, shortTime, type Column } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { moreNote, pageOptions, type PageFlags } from '../common.js';
import type { AuditLog } from '../../../client/auditlogs.js';

export interface Options extends PageFlags { operation?: string; resource?: string; username?: string; project?: string }

const OPERATIONS = ['pull', 'create', 'delete'];

export const AUDIT_LOG_COLUMNS: Column<AuditLog>[] = [
  { header: 'ID', value: (l) => l.id },
  { header: 'TIME', value: (l) => shortTime(l.op_time) },
  { header: 'USER', value: (l) => l.username },
  { header: 'OPERATION', value: (l) => l.operation },
  { header: 'RESOURCE', value: (l) => l.resource },
];

export async function run(rt: Runtime, _args: string[], o: Options): Promise<void> {
  if (o.operation !== undefined && !OPERATIONS.includes(o.operation)) throw new HarborError('USAGE', `invalid --operation ${JSON.stringify(o.operation)}: ${OPERATIONS.join(', ')}`);
  const page = pageOptions(o);
  const filter = { operation: o.operation, resource: o.resource, username: o.username, project: o.project };
  const { items, total } = await rt.withClient((c) => withSpinner(rt, 'reading the audit log', () => listAuditLogs(c, filter, page)));
  renderList(rt.io, rt.listFormat(), items, AUDIT_LOG_COLUMNS, 'no audit log entries');
  moreNote(rt, items.length, total, page);
}
