// The top-level verbs about who talks to which server: login, logout, whoami.
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act }: Kit): void {
  program.command('login [server]')
    .description('log in to a Harbor and save it as a context (checks the credentials first)')
    .option('-u, --username <user>', 'user name (asked on a terminal when missing)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--name <context>', 'context name (default USER@HOST)')
    .option('--docker-config', 'also write the credentials to $DOCKER_CONFIG/config.json (~/.docker) for docker, podman and skopeo')
    .option('--oidc', 'sign in through the registry\'s OpenID provider in a browser; saves your CLI secret')
    .option('--no-browser', 'with --oidc: only print the sign-in URL, do not open a browser')
    .action(act(() => import('./login.js')));
  program.command('logout [context]')
    .description('forget a saved context (the current one by default)')
    .option('--docker-config', 'also remove the server from $DOCKER_CONFIG/config.json')
    .action(act(() => import('./logout.js')));
  program.command('whoami')
    .description('show the user the server sees')
    .action(act(() => import('./whoami.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  login: ['harborctl login harbor.example.com -u alice', 'harborctl login --oidc harbor.example.com --docker-config', 'echo "$PASSWORD" | harborctl login harbor.example.com -u ci --password-stdin --docker-config'],
  logout: ['harborctl logout', 'harborctl logout alice@harbor.example.com --docker-config'],
  whoami: ['harborctl whoami', 'harborctl whoami --context local -o json'],
};
