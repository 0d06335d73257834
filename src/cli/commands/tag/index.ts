// `harborctl tag …`
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act, page, yes }: Kit): void {
  const tag = program.command('tag').description('tags');
  page(tag.command('list <reference>').description('list the tags of a repository or of one artifact')).action(act(() => import('./list.js')));
  tag.command('create <reference> <tag>').description('add a tag to an artifact').action(act(() => import('./create.js')));
  yes(tag.command('delete <reference>').description('delete a tag (PROJECT/REPO:TAG); the artifact stays')).action(act(() => import('./delete.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  '': ['harborctl tag list library/alpine', 'harborctl tag create library/alpine:3 stable'],
  list: ['harborctl tag list library/alpine', 'harborctl tag list library/alpine:3 -q'],
  create: ['harborctl tag create library/alpine:3.20 stable', 'harborctl tag create library/alpine@sha256:<64 hex> v1'],
  delete: ['harborctl tag delete library/alpine:old', 'harborctl tag delete library/alpine:old --yes'],
};
