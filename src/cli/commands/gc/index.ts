// The gc command group: Harbor's garbage collection (/system/gc), system administrators only.
// Registration only; the verbs load lazily.
import { Option, type Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act, page }: Kit): void {
  const gc = program.command('gc').description('garbage collection: free the bytes no artifact uses (system admins)');
  gc.command('run').description('run a garbage collection now')
    .option('--dry-run', 'only report what would be deleted')
    .option('--delete-untagged', 'also delete untagged artifacts (with their accessories and index children)')
    .addOption(new Option('--workers <n>', 'parallel deletions, 1-10').default('1'))
    .option('--wait', 'wait for the run to finish, showing its progress on stderr')
    .action(act(() => import('./run.js')));
  page(gc.command('history').description('list garbage collection runs, newest first')).action(act(() => import('./history.js')));
  gc.command('log <id>').description('print the log of a run').action(act(() => import('./log.js')));
  gc.command('stop <id>').description('stop a running garbage collection').action(act(() => import('./stop.js')));
  gc.command('schedule <action> [cron]').description('show (get) or set the schedule: set hourly|daily|weekly|off, or a 6-field cron (seconds first)')
    .option('--dry-run', 'scheduled runs only report (set)')
    .option('--delete-untagged', 'scheduled runs also delete untagged artifacts (set)')
    .addOption(new Option('--workers <n>', 'parallel deletions, 1-10 (set)').default('1'))
    .action(act(() => import('./schedule.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  '': ['harborctl gc run --dry-run --wait', 'harborctl gc schedule set daily --delete-untagged'],
  run: ['harborctl gc run --wait', 'harborctl gc run --dry-run --delete-untagged --wait -o json'],
  history: ['harborctl gc history', 'harborctl gc history -o json'],
  log: ['harborctl gc log 12'],
  stop: ['harborctl gc stop 12'],
  schedule: ['harborctl gc schedule get', 'harborctl gc schedule set "0 0 2 * * 6" --delete-untagged', 'harborctl gc schedule set off'],
};
