// `harborctl scan-all …`: Harbor's scan all (/system/scanAll, /scans/all/metrics), system
// administrators only; it needs a vulnerability scanner as the default (`harborctl scanner`).
// Registration only; the verbs load lazily.
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act }: Kit): void {
  const all = program.command('scan-all').description('scan every artifact with the default scanner, now or on a schedule (system admins)');
  all.command('run').description('start a scan of every artifact now')
    .option('--wait', 'wait until every scan has finished, showing the progress on stderr; exit 1 when a scan failed')
    .action(act(() => import('./run.js')));
  all.command('status').description('the progress of the latest scan-all').action(act(() => import('./status.js')));
  all.command('stop').description('stop the running scan-all').action(act(() => import('./stop.js')));
  all.command('schedule <action> [cron]').description('show (get) or set the schedule: set hourly|daily|weekly|off, or a 6-field cron (seconds first)')
    .action(act(() => import('./schedule.js')));
}

export const examples: Examples = {
  '': ['harborctl scan-all run --wait', 'harborctl scan-all schedule set daily'],
  run: ['harborctl scan-all run', 'harborctl scan-all run --wait -o json'],
  status: ['harborctl scan-all status', 'harborctl scan-all status -o json'],
  stop: ['harborctl scan-all stop'],
  schedule: ['harborctl scan-all schedule get', 'harborctl scan-all schedule set "0 0 3 * * *"', 'harborctl scan-all schedule set off'],
};
