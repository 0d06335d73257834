// The audit-log command group: Harbor's record of artifact pulls, pushes and deletes, and with --ext
// its 2.13 extended log of management operations and logins (system admins see all of it, project
// admins their projects'). Registration only; the verb loads lazily.
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act, page }: Kit): void {
  const audit = program.command('audit-log').description('who pulled, pushed or deleted which artifact, and when');
  page(audit.command('list').description('list audit log entries, newest first')
    .option('--ext', 'the extended log (Harbor 2.13+): create/update/delete of users, projects, members, robots, registries, webhooks, configuration, and logins')
    .option('--operation <op>', 'only pull, create (push) or delete; with --ext also update, login, logout')
    .option('--resource-type <type>', 'with --ext: only user, project, project_member, robot, registry, webhook_policy, configuration, artifact ...')
    .option('--since <time|duration>', 'only entries since this time (2026-12-01T00:00:00Z) or this long ago (24h, 7d)')
    .option('--resource <text>', 'only resources (PROJECT/REPO:TAG or @DIGEST) containing this')
    .option('--username <user>', 'only this user (robot$NAME for robots, anonymous for public pulls)')
    .option('--project <name>', 'only this project\'s entries (needs the project admin role)'))
    .action(act(() => import('./list.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  '': ['harborctl audit-log list', 'harborctl audit-log list --operation pull --project library'],
  list: ['harborctl audit-log list --operation pull', 'harborctl audit-log list --username \'robot$ci+builder\' --page-size 0 -o json',
    'harborctl audit-log list --ext --operation login --since 24h', 'harborctl audit-log list --ext --resource-type user -o json'],
};
