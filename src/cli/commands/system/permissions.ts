// harborctl permissions: what robot accounts may be given here (GET /permissions; system and project admins)
import { permissions } from '../../../client/system.js';
import { renderList, renderObject, type Column } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

interface Row { scope: 'system' | 'project'; resource: string; action: string }

const COLUMNS: Column<Row>[] = [
  { header: 'SCOPE', value: (r) => r.scope },
  { header: 'RESOURCE', value: (r) => r.resource },
  { header: 'ACTION', value: (r) => r.action },
];

export async function run(rt: Runtime): Promise<void> {
  const p = await rt.withClient((c) => permissions(c));
  const format = rt.listFormat();
  if (format === 'json' || format === 'yaml') { renderObject(rt.io, format, p, []); return; }
  const rows: Row[] = [...(p.system ?? []).map((x): Row => ({ scope: 'system', ...x })), ...(p.project ?? []).map((x): Row => ({ scope: 'project', ...x }))];
  renderList(rt.io, format, rows, COLUMNS, 'no permissions');
}
