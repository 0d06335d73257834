// `harborctl registry …` (issue 5): upstream endpoints for proxy-cache projects, system admins
// only. --insecure-upstream is the endpoint's setting (skip verifying
// the upstream's certificate); the global --insecure is about reaching harborctl's own server.
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act, page, yes }: Kit): void {
  const ref = 'registry endpoint id or name';
  const credentialOpts = (c: Command): Command => c
    .option('--username <user>', 'the upstream user name (its password from --password-stdin, else a prompt on a TTY)')
    .option('--password-stdin', 'read the upstream password or token from stdin');

  const registry = program.command('registry').description('registry endpoints: upstreams for proxy-cache projects (system admins)');
  credentialOpts(registry.command('create <name>').description('add a registry endpoint')
    .option('--type <type>', 'docker-hub, docker-registry, harbor, github-ghcr, quay, gitlab, aws-ecr, azure-acr, google-gcr, ...')
    .option('--url <url>', 'the registry\'s base URL (http or https, no path)')
    .option('--description <text>', 'a description')
    .option('--insecure-upstream', 'do not verify the upstream\'s TLS certificate'))
    .action(act(() => import('./create.js')));
  page(registry.command('list').description('list registry endpoints')).action(act(() => import('./list.js')));
  registry.command('get <registry>').description(`show a registry endpoint (${ref})`).action(act(() => import('./get.js')));
  credentialOpts(registry.command('update <registry>').description(`change a registry endpoint (${ref})`)
    .option('--name <name>', 'a new name')
    .option('--description <text>', 'a new description')
    .option('--url <url>', 'a new base URL')
    .option('--insecure-upstream', 'stop verifying the upstream\'s TLS certificate')
    .option('--no-insecure-upstream', 'verify the upstream\'s TLS certificate again')
    .option('--remove-credential', 'pull anonymously from now on'))
    .action(act(() => import('./update.js')));
  yes(registry.command('delete <registry>').description(`delete a registry endpoint (${ref})`)).action(act(() => import('./delete.js')));
  credentialOpts(registry.command('ping [registry]').description('check that a stored endpoint, or --url, answers GET /v2/ (exit 1 when unhealthy)')
    .option('--url <url>', 'ping this URL instead of a stored endpoint')
    .option('--type <type>', 'the type of --url (default docker-registry)')
    .option('--insecure-upstream', 'do not verify the upstream\'s TLS certificate'))
    .action(act(() => import('./ping.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  '': ['harborctl registry create docker-hub --type docker-hub --url https://hub.docker.com', 'harborctl registry list'],
  create: ['harborctl registry create docker-hub --type docker-hub --url https://hub.docker.com', 'echo "$TOKEN" | harborctl registry create ghcr --type github-ghcr --url https://ghcr.io --username me --password-stdin'],
  list: ['harborctl registry list', 'harborctl registry list -q'],
  get: ['harborctl registry get docker-hub', 'harborctl registry get 1 -o json'],
  update: ['harborctl registry update docker-hub --description "Docker Hub"', 'harborctl registry update ghcr --remove-credential'],
  delete: ['harborctl registry delete docker-hub', 'harborctl registry delete 1 --yes'],
  ping: ['harborctl registry ping docker-hub', 'harborctl registry ping --url https://registry.example.com --type docker-registry'],
};
