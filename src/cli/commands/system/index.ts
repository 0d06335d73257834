// The top-level verbs about the server itself: `health` and `info` (habits of harbor-cli users).
import type { Command } from 'commander';
import type { Kit } from '../types.js';

export function register(program: Command, { act }: Kit): void {
  program.command('health')
    .description('the server\'s health and its components\' (GET /api/v2.0/health); exit 1 when unhealthy')
    .action(act(() => import('./health.js')));
  program.command('info')
    .description('the server\'s version, auth mode and URLs, with project and repository counts where it shares them')
    .action(act(() => import('./info.js')));
}
