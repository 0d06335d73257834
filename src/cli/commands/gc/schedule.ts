// harborctl gc schedule get
// harborctl gc schedule set hourly|daily|weekly|"S M H DOM MON DOW"|off [--dry-run] [--delete-untagged] [--workers N]
import { getGcSchedule, setGcSchedule } from '../../../client/gc.js';
import { HarborError } from '../../../core/errors.js';
import { renderObject, renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { parseScheduleArg } from '../../schedule.js';
import { gcParameters, type GcFlags } from './views.js';

export async function run(rt: Runtime, [action, cron]: string[], o: GcFlags): Promise<void> {
  if (action === 'get' && cron === undefined) return get(rt);
  if (action === 'set' && cron !== undefined) return set(rt, cron, o);
  throw new HarborError('USAGE', 'use: harborctl gc schedule get, or harborctl gc schedule set hourly|daily|weekly|off|"S M H DOM MON DOW"');
}

async function get(rt: Runtime): Promise<void> {
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

async function set(rt: Runtime, cron: string, o: GcFlags): Promise<void> {
  const parameters = gcParameters(o);
  const { type, cron: custom } = parseScheduleArg(cron);
  await rt.withClient((c) => setGcSchedule(c, type, custom, parameters));
  renderResult(rt.io, rt.opts.output, { type, cron: custom ?? null, parameters },
    type === 'None' ? 'garbage collection is no longer scheduled' : `garbage collection scheduled: ${custom ?? type}`);
}
