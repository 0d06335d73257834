// `harborctl quota …`: project storage quotas (system admins).
import type { Command } from 'commander';
import type { Kit } from '../types.js';

export function register(program: Command, { act, page }: Kit): void {
  const quota = program.command('quota').description('project storage quotas (system admins)');
  page(quota.command('list').description('list every project\'s quota')).action(act(() => import('./list.js')));
  quota.command('get <project>').description('show a project\'s quota (name or id)').action(act(() => import('./get.js')));
  quota.command('set <project> <size>').description('set a project\'s storage limit: 10GiB, 500MB, bytes, or unlimited (-1)')
    .action(act(() => import('./set.js')));
  quota.command('verify [project]').description('recount usage from scratch and report drift (harborctl serve only; exit 1 on drift)')
    .action(act(() => import('./verify.js')));
}
