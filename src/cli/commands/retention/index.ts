// `harborctl retention …`: a project's tag retention policy (Harbor's /retentions), its runs and logs.
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function register(program: Command, { act, page }: Kit): void {
  const ret = program.command('retention').description('tag retention: which artifacts a project keeps, and runs that delete the rest');
  ret.command('get <project>').description('show the project\'s retention policy').action(act(() => import('./get.js')));
  ret.command('set <project>').description('create or replace the project\'s retention policy (an artifact is kept if ANY rule keeps it)')
    .requiredOption('--rule <spec>', 'TEMPLATE[=N] [tags=P|tags!=P] [repos=P|repos!=P] [untagged=true|false]; repeatable. Templates: '
      + 'latestPushedK, latestPulledN, nDaysSinceLastPush, nDaysSinceLastPull, always', collect)
    .option('--cron <cron>', 'run on this 6-field cron (seconds first), e.g. "0 0 0 * * *"; empty: manual runs only', '')
    .action(act(() => import('./set.js')));
  ret.command('run <project>').description('run the policy now')
    .option('--dry-run', 'decide and log, delete nothing')
    .action(act(() => import('./run.js')));
  page(ret.command('executions <project>').description('list the policy\'s runs, newest first')).action(act(() => import('./executions.js')));
  ret.command('stop <project> <execution>').description('stop a running execution').action(act(() => import('./stop.js')));
  page(ret.command('tasks <project> <execution>').description('list an execution\'s tasks (one per repository)')).action(act(() => import('./tasks.js')));
  ret.command('log <project> <execution> <task>').description('print a task\'s log: each artifact and whether it was kept').action(act(() => import('./log.js')));
}

export const examples: Examples = {
  '': ['harborctl retention set library --rule \'latestPushedK=10 tags=**\'', 'harborctl retention run library --dry-run'],
  get: ['harborctl retention get library -o json'],
  set: ['harborctl retention set library --rule \'latestPushedK=10\' --rule \'always tags=release-*\' --cron \'0 0 0 * * *\'',
    'harborctl retention set library --rule \'nDaysSinceLastPull=30 repos=cache/**\''],
  run: ['harborctl retention run library --dry-run', 'harborctl retention run library'],
  executions: ['harborctl retention executions library'],
  stop: ['harborctl retention stop library 12'],
  tasks: ['harborctl retention tasks library 12'],
  log: ['harborctl retention log library 12 40'],
};
