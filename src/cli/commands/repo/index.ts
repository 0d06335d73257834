// `harborctl repo …`: repositories.
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act, page, yes }: Kit): void {
  const repo = program.command('repo').description('repositories');
  page(repo.command('list [project]').description('list the repositories of a project, or every one you may see')).action(act(() => import('./list.js')));
  repo.command('update <repository>').description('set a repository\'s description ([HOST/]PROJECT/REPO)')
    .requiredOption('--description <text>', 'the new description').action(act(() => import('./update.js')));
  yes(repo.command('delete <repository>').description('delete a repository and all its artifacts ([HOST/]PROJECT/REPO)'))
    .action(act(() => import('./delete.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  '': ['harborctl repo list library', 'harborctl repo update library/app --description "the web app"', 'harborctl repo delete library/old-app --yes'],
  list: ['harborctl repo list library', 'harborctl repo list', 'harborctl repo list library --page-size 0 -q'],
  update: ['harborctl repo update library/app --description "the web app"'],
  delete: ['harborctl repo delete library/old-app', 'harborctl repo delete harbor.example.com/team-a/app --yes'],
};
