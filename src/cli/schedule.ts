// The schedule argument of `gc schedule set` and `scan-all schedule set`: Harbor's schedule types by
// name, or a 6-field cron (seconds first, as Harbor's scheduler reads it).
import { HarborError } from '../core/errors.js';

const NAMED: Record<string, string> = { hourly: 'Hourly', daily: 'Daily', weekly: 'Weekly', off: 'None', none: 'None' };

/** `{type, cron}` for Harbor's Schedule object; USAGE for anything else. */
export function parseScheduleArg(arg: string): { type: string; cron: string | undefined } {
  const type = NAMED[arg.toLowerCase()] ?? 'Custom';
  if (type === 'Custom' && arg.trim().split(/\s+/).length !== 6) {
    throw new HarborError('USAGE', `invalid schedule ${JSON.stringify(arg.slice(0, 100))}: hourly, daily, weekly, off, or a 6-field cron with seconds first ("0 0 2 * * 6")`);
  }
  return { type, cron: type === 'Custom' ? arg.trim() : undefined };
}
