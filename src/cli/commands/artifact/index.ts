// `harborctl artifact …`: images, indexes, OCI artifacts.
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act, page, yes }: Kit): void {
  const artifact = program.command('artifact').description('artifacts (images, indexes, OCI artifacts)');
  page(artifact.command('list <repository>').description('list the artifacts of a repository ([HOST/]PROJECT/REPO)'))
    .action(act(() => import('./list.js')));
  artifact.command('get <reference>').description('show an artifact ([HOST/]PROJECT/REPO:TAG or @DIGEST)').action(act(() => import('./get.js')));
  artifact.command('copy <source> <target>').description('copy an artifact with its tags and accessories (SOURCE [HOST/]PROJECT/REPO:TAG or @DIGEST, TARGET PROJECT/REPO)')
    .action(act(() => import('./copy.js')));
  const label = artifact.command('label').description('put labels on an artifact or take them off');
  label.command('add <reference> <label>').description('add a label (the project\'s or a global one; name or id)')
    .action(act(async () => (await import('./label.js')).add));
  label.command('remove <reference> <label>').description('remove a label').action(act(async () => (await import('./label.js')).remove));
  yes(artifact.command('delete <reference>').description('delete an artifact and all its tags')).action(act(() => import('./delete.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  '': ['harborctl artifact list library/alpine', 'harborctl artifact get library/alpine:3'],
  list: ['harborctl artifact list library/alpine', 'harborctl artifact list harbor.example.com/team-a/app -o json'],
  get: ['harborctl artifact get library/alpine:3', 'harborctl artifact get library/alpine@sha256:<64 hex> -o json'],
  label: ['harborctl artifact label add library/alpine:3 release', 'harborctl artifact label remove library/alpine:3 release'],
  'label add': ['harborctl artifact label add library/alpine:3 release', 'harborctl artifact label add team-a/app@sha256:<64 hex> 12'],
  'label remove': ['harborctl artifact label remove library/alpine:3 release'],
  copy: ['harborctl artifact copy library/alpine:3 team-a/base/alpine', 'harborctl artifact copy library/alpine@sha256:<64 hex> team-a/alpine'],
  delete: ['harborctl artifact delete library/alpine:3', 'harborctl artifact delete library/alpine@sha256:<64 hex> --yes'],
};
