// `harborctl repo …`: repositories.
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act, page, yes }: Kit): void {
  const repo = program.command('repo').description('repositories');
  page(repo.command('list <project>').description('list the repositories of a project')).action(act(() => import('./list.js')));
  yes(repo.command('delete <repository>').description('delete a repository and all its artifacts ([HOST/]PROJECT/REPO)'))
    .action(act(() => import('./delete.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  '': ['harborctl repo list library', 'harborctl repo delete library/old-app --yes'],
  list: ['harborctl repo list library', 'harborctl repo list library --page-size 0 -q'],
  delete: ['harborctl repo delete library/old-app', 'harborctl repo delete harbor.example.com/team-a/app --yes'],
};
