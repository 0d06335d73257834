// The audit-log command group: Harbor's record of artifact pulls, pushes and deletes (system admins
// see all of it, project admins their projects'). Registration only; the verb loads lazily.
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act, page }: Kit): void {
  const audit = program.command('audit-log').description('who pulled, pushed or deleted which artifact, and when');
  page(audit.command('list').description('list audit log entries, newest first')
    .option('--operation <op>', 'only pull, create (push) or delete')
    .option('--resource <text>', 'only resources (PROJECT/REPO:TAG or @DIGEST) containing this')
    .option('--username <user>', 'only this user (robot$NAME for robots, anonymous for public pulls)')
    .option('--project <name>', 'only this project\'s entries (needs the project admin role)'))
    .action(act(() => import('./list.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  '': ['harborctl audit-log list', 'harborctl audit-log list --operation pull --project library'],
  list: ['harborctl audit-log list --operation pull', 'harborctl audit-log list --username \'robot$ci+builder\' --page-size 0 -o json'],
};
