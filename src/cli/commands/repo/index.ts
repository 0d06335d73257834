// `harborctl repo …`: repositories.
import type { Command } from 'commander';
import type { Kit } from '../types.js';

export function register(program: Command, { act, page, yes }: Kit): void {
  const repo = program.command('repo').description('repositories');
  page(repo.command('list <project>').description('list the repositories of a project')).action(act(() => import('./list.js')));
  yes(repo.command('delete <repository>').description('delete a repository and all its artifacts ([HOST/]PROJECT/REPO)'))
    .action(act(() => import('./delete.js')));
}
