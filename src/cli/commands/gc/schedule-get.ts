// harborctl gc schedule get
import { getGcSchedule } from '../../../client/gc.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

export async function run(rt: Runtime): Promise<void> {
  const s = await rt.withClient((c) => getGcSchedule(c));
  const view = { type: s?.schedule?.type ?? 'None', cron: s?.schedule?.cron ?? null, next: s?.schedule?.next_scheduled_time ?? null,
    parameters: s?.job_parameters ? JSON.parse(s.job_parameters) as Record<string, unknown> : null };
  renderObject(rt.io, rt.opts.output, view, [
    { header: 'TYPE', value: (v) => v.type },
    { header: 'CRON', value: (v) => v.cron },
    { header: 'NEXT RUN', value: (v) => v.next },
    { header: 'PARAMETERS', value: (v) => (v.parameters ? JSON.stringify(v.parameters) : null) },
  ]);
}
