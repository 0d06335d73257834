// harborctl quota verify [PROJECT]: recounts usage from scratch (harborctl serve's GET /quotas/{id}/verify)
// for one project or all, prints stored usage, recount and drift, and fails when any drift is not 0.
import { HarborError } from '../../../core/errors.js';
import { formatSize } from '../../../core/sizes.js';
import { getProjectQuota, listQuotas, verifyQuota } from '../../../client/quotas.js';
import { withSpinner } from '../../output/interactive.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

export interface QuotaCheckRow { id: number; project: string; used: number; recount: number; drift: number }

function signed(bytes: number): string {
  return bytes === 0 ? '0' : `${bytes > 0 ? '+' : '-'}${formatSize(Math.abs(bytes))}`;
}

export async function run(rt: Runtime, [project]: string[]): Promise<void> {
  const rows = await rt.withClient((c) => withSpinner(rt, 'recounting quota usage', async () => {
    const quotas = project === undefined ? (await listQuotas(c, { pageSize: 0 })).items : [await getProjectQuota(c, project)];
    const out: QuotaCheckRow[] = [];
    for (const q of quotas) {
      const v = await verifyQuota(c, q.id);
      out.push({ id: q.id, project: q.ref?.name ?? String(q.id), used: v.used.storage, recount: v.recount.storage, drift: v.drift.storage });
    }
    return out;
  }));
  renderList(rt.io, rt.opts.output, rows, [
    { header: 'PROJECT', value: (r) => r.project },
    { header: 'USED', value: (r) => formatSize(r.used) },
    { header: 'RECOUNT', value: (r) => formatSize(r.recount) },
    { header: 'DRIFT', value: (r) => signed(r.drift) },
  ], 'no projects');
  const drifting = rows.filter((r) => r.drift !== 0);
  if (drifting.length > 0) {
    throw new HarborError('QUOTA_DRIFT', `quota usage drifts from a recount in ${drifting.map((r) => `${r.project} (${r.drift > 0 ? '+' : ''}${r.drift} bytes)`).join(', ')}`);
  }
  rt.info(`usage matches a recount in ${rows.length} project${rows.length === 1 ? '' : 's'}`);
}
