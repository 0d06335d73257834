// `harborctl context …`: saved servers and credentials.
import type { Command } from 'commander';
import type { Kit } from '../types.js';

export function register(program: Command, { act, quiet }: Kit): void {
  const context = program.command('context').description('saved servers and credentials');
  quiet(context.command('list').description('list contexts')).action(act(() => import('./list.js')));
  context.command('use <name>').description('make a context the current one').action(act(() => import('./use.js')));
  context.command('current').description('show the context commands use now').action(act(() => import('./current.js')));
}
