// The audit-log command group: Harbor's record of artifact pulls, pushes and deletes (system admins
// see all of it, project admins their projects'). Registration only; the verb loads lazily.
import type { Command } from 'commander';
import type { Kit } from '../types.js';

export function register(program: Command, { act, page }: Kit): void {
  const audit = program.command('audit-log').description('who pulled, pushed or deleted which artifact, and when');
  page(audit.command('list').description('list audit log entries, newest first')
    .option('--operation <op>', 'only pull, create (push) or delete')
    .option('--resource <text>', 'only resources (PROJECT/REPO:TAG or @DIGEST) containing this')
    .option('--username <user>', 'only this user (robot$NAME for robots, anonymous for public pulls)')
    .option('--project <name>', 'only this project\'s entries (needs the project admin role)'))
    .action(act(() => import('./list.js')));
}
