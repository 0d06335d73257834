// `harborctl member …`: project members and their roles.
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act, page, yes }: Kit): void {
  const member = program.command('member').description('project members and their roles');
  member.command('add <project> <member>').description('give a user (or with --group a user group) a role in a project')
    .option('--role <role>', 'admin, maintainer, developer, guest or limited-guest', 'developer')
    .option('--group <type>', 'the member is a user group: oidc or http (by name) or ldap (by its DN)')
    .action(act(() => import('./add.js')));
  page(member.command('list <project>').description('list the members of a project')
    .option('--name <text>', 'only members whose name contains this'))
    .action(act(() => import('./list.js')));
  member.command('update <project> <member>').description('change a member\'s role (member: user name or member id)')
    .requiredOption('--role <role>', 'admin, maintainer, developer, guest or limited-guest')
    .action(act(() => import('./update.js')));
  yes(member.command('remove <project> <member>').description('remove a member from a project')).action(act(() => import('./remove.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  '': ['harborctl member add team-a alice --role maintainer', 'harborctl member list team-a'],
  add: ['harborctl member add team-a alice', 'harborctl member add team-a bob --role guest', 'harborctl member add team-a platform --group oidc --role maintainer',
    'harborctl member add team-a cn=devs,ou=groups,dc=example,dc=org --group ldap'],
  list: ['harborctl member list team-a', 'harborctl member list team-a --name ali -o json'],
  update: ['harborctl member update team-a alice --role admin', 'harborctl member update team-a 7 --role developer'],
  remove: ['harborctl member remove team-a alice', 'harborctl member remove team-a alice --yes'],
};
