// `harborctl webhook …` (issue 19): a project's webhook policies (Harbor's /projects/{p}/webhook),
// their deliveries (executions, each attempt in the task log) and a test delivery (harborctl serve only).
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act, page, yes }: Kit): void {
  const ref = 'policy id or name';
  const targetOpts = (c: Command): Command => c
    .option('--event <type...>', 'event types: PUSH_ARTIFACT, PULL_ARTIFACT, DELETE_ARTIFACT, QUOTA_EXCEED, QUOTA_WARNING, SCANNING_COMPLETED, SCANNING_FAILED, REPLICATION, TAG_RETENTION')
    .option('--address <url>', 'the target URL (http or https)')
    .option('--type <type>', 'http (default) or slack')
    .option('--format <format>', 'payload format: Default (Harbor\'s JSON) or CloudEvents')
    .option('--auth-header-stdin', 'read the Authorization header the target expects from stdin')
    .option('--skip-cert-verify', 'do not verify the target\'s TLS certificate')
    .option('--description <text>', 'a description');
  const webhook = program.command('webhook').description('webhook policies of a project and their deliveries');
  targetOpts(webhook.command('create <project> <name>').description('add a webhook policy').option('--disabled', 'create it disabled'))
    .action(act(() => import('./create.js')));
  page(webhook.command('list <project>').description('list a project\'s webhook policies')).action(act(() => import('./list.js')));
  webhook.command('get <project> <policy>').description(`show a webhook policy (${ref})`).action(act(() => import('./get.js')));
  targetOpts(webhook.command('update <project> <policy>').description(`change a webhook policy (${ref}); --address replaces its target`)
    .option('--name <name>', 'a new name')
    .option('--enable', 'enable it')
    .option('--disable', 'disable it')
    .option('--no-skip-cert-verify', 'verify the target\'s certificate again'))
    .action(act(() => import('./update.js')));
  yes(webhook.command('delete <project> <policy>').description(`delete a webhook policy (${ref})`)).action(act(() => import('./delete.js')));
  page(webhook.command('executions <project> <policy>').description(`list a policy's deliveries, newest first (${ref})`)
    .option('--log <execution>', 'print the attempts of one delivery instead'))
    .action(act(() => import('./executions.js')));
  webhook.command('test <project> <policy>').description(`queue a sample event to the policy's targets (${ref}; harborctl serve only)`)
    .action(act(() => import('./test.js')));
}

export const examples: Examples = {
  '': ['harborctl webhook create library ci --event PUSH_ARTIFACT --address https://ci.example.com/hook', 'harborctl webhook executions library ci'],
  create: ['harborctl webhook create library ci --event PUSH_ARTIFACT DELETE_ARTIFACT --address https://ci.example.com/hook --format CloudEvents',
    'echo "Bearer $TOKEN" | harborctl webhook create library ci --event PUSH_ARTIFACT --address https://ci.example.com/hook --auth-header-stdin'],
  list: ['harborctl webhook list library', 'harborctl webhook list library -o json'],
  get: ['harborctl webhook get library ci', 'harborctl webhook get library 1 -o json'],
  update: ['harborctl webhook update library ci --disable', 'harborctl webhook update library ci --event PUSH_ARTIFACT PULL_ARTIFACT'],
  delete: ['harborctl webhook delete library ci --yes'],
  executions: ['harborctl webhook executions library ci', 'harborctl webhook executions library ci --log 12'],
  test: ['harborctl webhook test library ci'],
};
