// `harborctl replication …` (issue 18): Harbor's replication policies (/replication/policies), runs
// (executions), their tasks (one per repository) and each task's log.
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function register(program: Command, { act, page, yes }: Kit): void {
  const ref = 'policy id or name';
  const policyOpts = (c: Command): Command => c
    .option('--to <registry>', 'push-based: replicate from here to this registry (id or name, see harborctl registry list)')
    .option('--from <registry>', 'pull-based: replicate from this registry to here')
    .option('--dest-namespace <ns>', 'the destination namespace (project)')
    .option('--flatten <n>', 'how many leading path components the namespace replaces (-1: all but the last, Harbor\'s default)')
    .option('--repos <pattern>', 'only repositories matching this doublestar pattern, e.g. "library/**"')
    .option('--tags <pattern>', 'only tags matching this pattern (with --exclude-tags: all but those)')
    .option('--exclude-tags', '--tags names the tags to leave out')
    .option('--label <name>', 'only artifacts with this label (repeatable; all must be there)', collect)
    .option('--exclude-labels', '--label names the labels whose artifacts are left out')
    .option('--resource <type>', 'image (images and indexes only) or artifact (everything)')
    .option('--trigger <type>', 'manual (default), scheduled (with --cron) or event_based (push and delete; push-based only)')
    .option('--cron <cron>', 'the schedule, 6 fields with seconds first, e.g. "0 0 2 * * *"')
    .option('--no-override', 'leave a tag the destination already has under another digest')
    .option('--deletion', 'replicate deletes too (event_based)')
    .option('--speed <kbps>', 'limit each task to this many KB/s (-1: no limit)')
    .option('--copy-by-chunk', 'upload blobs in chunks')
    .option('--single-active', 'skip a run while the previous one is still going')
    .option('--description <text>', 'a description');
  const repl = program.command('replication').description('replication policies between this registry and another, and their runs');
  const policy = repl.command('policy').description('replication policies');
  policyOpts(policy.command('create <name>').description('add a replication policy (needs --to or --from)').option('--disabled', 'create it disabled'))
    .action(act(() => import('./policy-create.js')));
  page(policy.command('list').description('list replication policies')).action(act(() => import('./policy-list.js')));
  policy.command('get <policy>').description(`show a replication policy (${ref})`).action(act(() => import('./policy-get.js')));
  policyOpts(policy.command('update <policy>').description(`change a replication policy (${ref})`)
    .option('--name <name>', 'a new name').option('--enable', 'enable it').option('--disable', 'disable it'))
    .action(act(() => import('./policy-update.js')));
  yes(policy.command('delete <policy>').description(`delete a replication policy (${ref})`)).action(act(() => import('./policy-delete.js')));
  repl.command('run <policy>').description(`start a run of a policy now (${ref})`)
    .option('--wait', 'wait for it to end, with a progress bar on stderr; exit 1 unless it succeeded')
    .action(act(() => import('./run.js')));
  repl.command('stop <execution>').description('stop a run').action(act(() => import('./stop.js')));
  page(repl.command('executions [policy]').description('list runs, newest first (of one policy, or all)')
    .option('--status <status>', 'only InProgress, Succeed, Failed or Stopped runs')
    .option('--trigger <type>', 'only runs started manual, scheduled or event_based'))
    .action(act(() => import('./executions.js')));
  page(repl.command('tasks <execution>').description('list a run\'s tasks (one per repository, or one per deletion)')
    .option('--status <status>', 'only Pending, InProgress, Succeed, Failed or Stopped tasks'))
    .action(act(() => import('./tasks.js')));
  repl.command('log <execution> [task]').description('print a task\'s log (every task of the run without a task id)').action(act(() => import('./log.js')));
}

export const examples: Examples = {
  '': ['harborctl replication policy create to-dr --to dr --repos \'library/**\' --dest-namespace mirror',
    'harborctl replication run to-dr --wait'],
  'policy': ['harborctl replication policy create to-dr --to dr --repos \'library/**\'', 'harborctl replication policy list'],
  'policy create': ['harborctl replication policy create to-dr --to dr --repos \'library/**\' --tags \'v*\' --dest-namespace mirror --flatten 1',
    'harborctl replication policy create from-hub --from hub --repos \'bitnami/**\' --dest-namespace hub --trigger scheduled --cron \'0 0 2 * * *\'',
    'harborctl replication policy create follow --to dr --trigger event_based --deletion --speed 10240'],
  'policy list': ['harborctl replication policy list', 'harborctl replication policy list -o json'],
  'policy get': ['harborctl replication policy get to-dr'],
  'policy update': ['harborctl replication policy update to-dr --disable', 'harborctl replication policy update to-dr --tags \'*-rc*\' --exclude-tags'],
  'policy delete': ['harborctl replication policy delete to-dr --yes'],
  run: ['harborctl replication run to-dr --wait', 'harborctl replication run 3 -o json'],
  stop: ['harborctl replication stop 12'],
  executions: ['harborctl replication executions to-dr', 'harborctl replication executions --status Failed'],
  tasks: ['harborctl replication tasks 12', 'harborctl replication tasks 12 --status Failed'],
  log: ['harborctl replication log 12 40', 'harborctl replication log 12'],
};
