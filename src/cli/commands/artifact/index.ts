// `harborctl artifact …`: images, indexes, OCI artifacts.
import type { Command } from 'commander';
import type { Kit } from '../types.js';

export function register(program: Command, { act, page, yes }: Kit): void {
  const artifact = program.command('artifact').description('artifacts (images, indexes, OCI artifacts)');
  page(artifact.command('list <repository>').description('list the artifacts of a repository ([HOST/]PROJECT/REPO)'))
    .action(act(() => import('./list.js')));
  artifact.command('get <reference>').description('show an artifact ([HOST/]PROJECT/REPO:TAG or @DIGEST)').action(act(() => import('./get.js')));
  yes(artifact.command('delete <reference>').description('delete an artifact and all its tags')).action(act(() => import('./delete.js')));
}
