// The top-level verbs about the server itself: `health`, `info`, `search` and `permissions` (habits of harbor-cli users).
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act }: Kit): void {
  program.command('health')
    .description('the server\'s health and its components\' (GET /api/v2.0/health); exit 1 when unhealthy')
    .action(act(() => import('./health.js')));
  program.command('info')
    .description('the server\'s version, auth mode and URLs, with project and repository counts where it shares them')
    .action(act(() => import('./info.js')));
  program.command('search <text>')
    .description('projects and repositories you may see whose name contains TEXT')
    .action(act(() => import('./search.js')));
  program.command('permissions')
    .description('the permissions robot accounts may be given (system and project admins)')
    .action(act(() => import('./permissions.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  health: ['harborctl health', 'harborctl health --server harbor.example.com -o json'],
  info: ['harborctl info', 'harborctl info -o yaml'],
  search: ['harborctl search alpine', 'harborctl search team- -o json'],
  permissions: ['harborctl permissions', 'harborctl permissions -o json'],
};
