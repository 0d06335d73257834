// harborctl scan-all schedule get
// harborctl scan-all schedule set hourly|daily|weekly|"S M H DOM MON DOW"|off
import { getScanAllSchedule, setScanAllSchedule } from '../../../client/scanall.js';
import { HarborError } from '../../../core/errors.js';
import { renderObject, renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { parseScheduleArg } from '../../schedule.js';

export async function run(rt: Runtime, [action, arg]: string[]): Promise<void> {
  if (action === 'get' && arg === undefined) {
    const s = await rt.withClient((c) => getScanAllSchedule(c));
    const view = { type: s?.schedule?.type ?? 'None', cron: s?.schedule?.cron ?? null, next: s?.schedule?.next_scheduled_time ?? null };
    return renderObject(rt.io, rt.opts.output, view, [
      { header: 'TYPE', value: (v) => v.type },
      { header: 'CRON', value: (v) => v.cron },
      { header: 'NEXT RUN', value: (v) => v.next },
    ]);
  }
  if (action !== 'set' || arg === undefined) {
    throw new HarborError('USAGE', 'use: harborctl scan-all schedule get, or harborctl scan-all schedule set hourly|daily|weekly|off|"S M H DOM MON DOW"');
  }
  const { type, cron } = parseScheduleArg(arg);
  await rt.withClient((c) => setScanAllSchedule(c, type, cron));
  renderResult(rt.io, rt.opts.output, { type, cron: cron ?? null }, type === 'None' ? 'scan-all is no longer scheduled' : `scan-all scheduled: ${cron ?? type}`);
}
