// The audit-log command group: Harbor's record of artifact pulls, pushes and deletes, management
// operations and logins (the 2.13 extended log; the legacy log of older Harbors) — system admins
// see all of it, project admins their projects'. Registration only; the verb loads lazily.
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act, page }: Kit): void {
  const audit = program.command('audit-log').description('who pulled, pushed or deleted which artifact, who changed what, who signed in, and when');
  page(audit.command('list').description('list audit log entries, newest first: the extended log (Harbor 2.13+), or the legacy log of an older Harbor')
    .option('--ext', 'the extended log only (an error on a Harbor before 2.13)')
    .option('--legacy', 'the legacy log: artifact operations recorded before Harbor 2.13')
    .option('--operation <op>', 'only pull, create (push), delete, update, login or logout (--legacy: pull, create, delete)')
    .option('--resource-type <type>', 'only artifact, user, project, project_member, robot, registry, webhook_policy, configuration ... (not with --legacy)')
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
    'harborctl audit-log list --operation login --since 24h', 'harborctl audit-log list --resource-type user -o json', 'harborctl audit-log list --legacy --project library'],
};
