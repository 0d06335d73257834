// The top-level verbs about the server itself: `health` and `info` (habits of harbor-cli users).
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act }: Kit): void {
  program.command('health')
    .description('the server\'s health and its components\' (GET /api/v2.0/health); exit 1 when unhealthy')
    .action(act(() => import('./health.js')));
  program.command('info')
    .description('the server\'s version, auth mode and URLs, with project and repository counts where it shares them')
    .action(act(() => import('./info.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  health: ['harborctl health', 'harborctl health --server harbor.example.com -o json'],
  info: ['harborctl info', 'harborctl info -o yaml'],
};
