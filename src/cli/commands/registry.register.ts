// The registry command group (issue 5): upstream endpoints for proxy-cache projects, system admins
// only. main.ts calls this with its own `act`, `page` and `yes` helpers, so these verbs load lazily
// and print errors like every other. --insecure-upstream is the endpoint's setting (skip verifying
// the upstream's certificate); the global --insecure is about reaching harborctl's own server.
import type { Command } from 'commander';
import type { Verb } from '../main.js';

type Act = (load: () => Promise<Verb>) => (...args: unknown[]) => Promise<void>;

export function registerRegistryCommands(program: Command, act: Act, page: (c: Command) => Command, yes: (c: Command) => Command): void {
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
    .action(act(() => import('./registry/create.js')));
  page(registry.command('list').description('list registry endpoints')).action(act(() => import('./registry/list.js')));
  registry.command('get <registry>').description(`show a registry endpoint (${ref})`).action(act(() => import('./registry/get.js')));
  credentialOpts(registry.command('update <registry>').description(`change a registry endpoint (${ref})`)
    .option('--name <name>', 'a new name')
    .option('--description <text>', 'a new description')
    .option('--url <url>', 'a new base URL')
    .option('--insecure-upstream', 'stop verifying the upstream\'s TLS certificate')
    .option('--no-insecure-upstream', 'verify the upstream\'s TLS certificate again')
    .option('--remove-credential', 'pull anonymously from now on'))
    .action(act(() => import('./registry/update.js')));
  yes(registry.command('delete <registry>').description(`delete a registry endpoint (${ref})`)).action(act(() => import('./registry/delete.js')));
  credentialOpts(registry.command('ping [registry]').description('check that a stored endpoint, or --url, answers GET /v2/ (exit 1 when unhealthy)')
    .option('--url <url>', 'ping this URL instead of a stored endpoint')
    .option('--type <type>', 'the type of --url (default docker-registry)')
    .option('--insecure-upstream', 'do not verify the upstream\'s TLS certificate'))
    .action(act(() => import('./registry/ping.js')));

  program.command('cache').description('proxy-cache projects (harborctl servers)')
    .command('list <project>').description('what a proxy-cache project holds, per tag, and when the upstream last confirmed each tag')
    .action(act(() => import('./cache/list.js')));
}
