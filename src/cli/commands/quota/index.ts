// `harborctl quota …`: project storage quotas (system admins).
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act, page }: Kit): void {
  const quota = program.command('quota').description('project storage quotas (system admins)');
  page(quota.command('list').description('list every project\'s quota')).action(act(() => import('./list.js')));
  quota.command('get <project>').description('show a project\'s quota (name or id)').action(act(() => import('./get.js')));
  quota.command('set <project> <size>').description('set a project\'s storage limit: 10GiB, 500MB, bytes, or unlimited (-1)')
    .action(act(() => import('./set.js')));
  quota.command('verify [project]').description('recount usage from scratch and report drift (harborctl serve only; exit 1 on drift)')
    .action(act(() => import('./verify.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  '': ['harborctl quota list', 'harborctl quota set team-a 50GiB'],
  list: ['harborctl quota list', 'harborctl quota list --page-size 0 -o json'],
  get: ['harborctl quota get team-a', 'harborctl quota get team-a -o json'],
  set: ['harborctl quota set team-a 50GiB', 'harborctl quota set team-a unlimited'],
  verify: ['harborctl quota verify', 'harborctl quota verify team-a'],
};
