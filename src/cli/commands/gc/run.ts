// harborctl gc run [--dry-run] [--delete-untagged] [--workers N] [--wait]
import { FINAL_STATUSES, gcLog, getGc, runGc } from '../../../client/gc.js';
import { HarborError } from '../../../core/errors.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { GC_COLUMNS, gcParameters, type GcFlags } from './views.js';

export interface Options extends GcFlags { wait?: boolean }

const POLL_MS = 500;

export async function run(rt: Runtime, _args: string[], o: Options): Promise<void> {
  const parameters = gcParameters(o);
  const h = await rt.withClient(async (c) => {
    const id = await runGc(c, parameters);
    rt.info(`garbage collection ${id} started`);
    if (!o.wait) return getGc(c, id);
    // Progress: the run's log lines as they come, on stderr (not under -o json/yaml or -q).
    let shown = 0;
    for (;;) {
      const cur = await getGc(c, id);
      const lines = (await gcLog(c, id)).split('\n').filter(Boolean);
      for (const l of lines.slice(shown)) rt.info(l);
      shown = lines.length;
      if (FINAL_STATUSES.includes(cur.job_status ?? '')) return cur;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  });
  renderObject(rt.io, rt.opts.output, h, GC_COLUMNS);
  if (o.wait && h.job_status !== 'Success') throw new HarborError('INTERNAL_SERVER_ERROR', `garbage collection ${h.id} ended ${h.job_status}: see harborctl gc log ${h.id}`);
}
