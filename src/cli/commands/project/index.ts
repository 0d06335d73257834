// `harborctl project …`
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act, page, yes }: Kit): void {
  const project = program.command('project').description('projects');
  project.command('create <name>').description('create a project')
    .option('--public', 'anyone may pull from it')
    .option('--storage-limit <size>', 'storage quota, e.g. 10GiB, 500MB; -1 for unlimited')
    .option('--proxy-cache <registry>', 'make it a proxy cache of this registry endpoint (name or id; system admins only)')
    .action(act(() => import('./create.js')));
  page(project.command('list').description('list projects')
    .option('--name <text>', 'only projects whose name contains this')
    .option('--public', 'only public projects')
    .option('--private', 'only private projects'))
    .action(act(() => import('./list.js')));
  project.command('get <project>').description('show a project (name or id)').action(act(() => import('./get.js')));
  project.command('update <project>').description('change a project')
    .option('--public', 'make it public')
    .option('--private', 'make it private')
    .option('--storage-limit <size>', 'storage quota, e.g. 10GiB; -1 for unlimited')
    .option('--auto-sbom [bool]', 'generate an SBOM of every image pushed (true or false; alone: true)')
    .action(act(() => import('./update.js')));
  yes(project.command('delete <project>').description('delete an empty project')).action(act(() => import('./delete.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  '': ['harborctl project create team-a --storage-limit 10GiB', 'harborctl project list --public'],
  create: ['harborctl project create team-a --storage-limit 10GiB', 'harborctl project create dockerhub --public --proxy-cache docker-hub'],
  list: ['harborctl project list', 'harborctl project list --name team --page-size 0 -q'],
  get: ['harborctl project get team-a', 'harborctl project get 3 -o json'],
  update: ['harborctl project update team-a --public', 'harborctl project update team-a --storage-limit 50GiB --auto-sbom'],
  delete: ['harborctl project delete team-a', 'harborctl project delete team-a --yes'],
};
