// `harborctl user …`: users (system admins only).
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act, page, yes }: Kit): void {
  const user = program.command('user').description('users (system admins only)');
  user.command('create <username>').description('create a user')
    .option('--email <email>', 'e-mail address')
    .option('--realname <name>', 'full name (default: the user name)')
    .option('--comment <text>', 'a comment')
    .option('--password-stdin', 'read the password from stdin')
    .action(act(() => import('./create.js')));
  page(user.command('list').description('list users').option('--name <text>', 'only users whose name contains this'))
    .action(act(() => import('./list.js')));
  yes(user.command('delete <user>').description('delete a user (name or id)')).action(act(() => import('./delete.js')));
  user.command('passwd [user]').description('set a user\'s password (your own by default)')
    .option('--password-stdin', 'read the new password from stdin')
    .action(act(() => import('./passwd.js')));
  user.command('cli-secret').description('show your CLI secret (OIDC users sign in to docker, podman and harborctl with it)')
    .option('--set', 'replace it with a new random one (the old one stops working; the context is updated)')
    .option('--secret-stdin', 'with --set: read the new secret from stdin')
    .action(act(() => import('./cli-secret.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  '': ['harborctl user create alice --email alice@example.com', 'harborctl user list'],
  create: ['harborctl user create alice --email alice@example.com', 'echo "$PASSWORD" | harborctl user create ci --email ci@example.com --password-stdin'],
  list: ['harborctl user list', 'harborctl user list --name ali -q'],
  delete: ['harborctl user delete alice', 'harborctl user delete 5 --yes'],
  passwd: ['harborctl user passwd', 'echo "$NEW" | harborctl user passwd alice --password-stdin'],
  'cli-secret': ['harborctl user cli-secret', 'harborctl user cli-secret --set -o json'],
};
