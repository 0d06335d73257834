// `harborctl cache …`: what a proxy-cache project holds (harborctl servers).
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act, quiet }: Kit): void {
  quiet(program.command('cache').description('proxy-cache projects (harborctl servers)')
    .command('list <project>').description('what a proxy-cache project holds, per tag, and when the upstream last confirmed each tag'))
    .action(act(() => import('./list.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  '': ['harborctl cache list dockerhub'],
  list: ['harborctl cache list dockerhub', 'harborctl cache list dockerhub -o json'],
};
