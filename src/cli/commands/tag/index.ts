// `harborctl tag …`
import type { Command } from 'commander';
import type { Kit } from '../types.js';

export function register(program: Command, { act, page, yes }: Kit): void {
  const tag = program.command('tag').description('tags');
  page(tag.command('list <reference>').description('list the tags of a repository or of one artifact')).action(act(() => import('./list.js')));
  tag.command('create <reference> <tag>').description('add a tag to an artifact').action(act(() => import('./create.js')));
  yes(tag.command('delete <reference>').description('delete a tag (PROJECT/REPO:TAG); the artifact stays')).action(act(() => import('./delete.js')));
}
