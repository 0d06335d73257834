// `harborctl context …`: saved servers and credentials.
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act, quiet }: Kit): void {
  const context = program.command('context').description('saved servers and credentials');
  quiet(context.command('list').description('list contexts')).action(act(() => import('./list.js')));
  context.command('use <name>').description('make a context the current one').action(act(() => import('./use.js')));
  context.command('current').description('show the context commands use now').action(act(() => import('./current.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  '': ['harborctl context list', 'harborctl context use alice@harbor.example.com'],
  list: ['harborctl context list', 'harborctl context list -q'],
  use: ['harborctl context use alice@harbor.example.com', 'harborctl context use local'],
  current: ['harborctl context current', 'harborctl context current -o json'],
};
