// harborctl gc schedule set hourly|daily|weekly|"S M H DOM MON DOW"|off [--dry-run] [--delete-untagged] [--workers N]
import { setGcSchedule } from '../../../client/gc.js';
import { HarborError } from '../../../core/errors.js';
import { renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { gcParameters, type GcFlags } from './views.js';

const NAMED: Record<string, string> = { hourly: 'Hourly', daily: 'Daily', weekly: 'Weekly', off: 'None', none: 'None' };

export async function run(rt: Runtime, [cron]: string[], o: GcFlags): Promise<void> {
  const parameters = gcParameters(o);
  const type = NAMED[cron.toLowerCase()] ?? 'Custom';
  if (type === 'Custom' && cron.trim().split(/\s+/).length !== 6) {
    throw new HarborError('USAGE', `invalid schedule ${JSON.stringify(cron.slice(0, 100))}: hourly, daily, weekly, off, or a 6-field cron with seconds first ("0 0 2 * * 6")`);
  }
  await rt.withClient((c) => setGcSchedule(c, type, type === 'Custom' ? cron.trim() : undefined, parameters));
  renderResult(rt.io, rt.opts.output, { type, cron: type === 'Custom' ? cron.trim() : null, parameters },
    type === 'None' ? 'garbage collection is no longer scheduled' : `garbage collection scheduled: ${type === 'Custom' ? cron.trim() : type}`);
}
