// `harborctl cache …`: what a proxy-cache project holds (harborctl servers).
import type { Command } from 'commander';
import type { Kit } from '../types.js';

export function register(program: Command, { act, quiet }: Kit): void {
  quiet(program.command('cache').description('proxy-cache projects (harborctl servers)')
    .command('list <project>').description('what a proxy-cache project holds, per tag, and when the upstream last confirmed each tag'))
    .action(act(() => import('./list.js')));
}
