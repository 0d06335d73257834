// The robot, quota and k8s command groups (issue 4). main.ts calls this with its own `act`, `page` and
// `yes` helpers, so these verbs load lazily and print errors like every other.
import type { Command } from 'commander';
import type { Verb } from '../main.js';

type Act = (load: () => Promise<Verb>) => (...args: unknown[]) => Promise<void>;

export function registerRobotQuotaCommands(program: Command, act: Act, page: (c: Command) => Command, yes: (c: Command) => Command): void {
  const robotArg = 'robot id or name: robot$PROJECT+NAME, PROJECT+NAME, or NAME (with --project for a project robot)';
  const projectOpt = (c: Command): Command => c.option('--project <project>', 'the robot belongs to this project');
  const permissionOpts = (c: Command): Command => c
    .option('--permission <list>', 'comma-separated: pull, push, delete, read, tag, scan, RESOURCE:ACTION, system/RESOURCE:ACTION')
    .option('--permissions-file <file>', 'Harbor\'s JSON permissions array [{"kind","namespace","access":[{"resource","action"}]}]')
    .option('--duration <days>', 'days until it expires, or -1 for never');

  const robot = program.command('robot').description('robot accounts for CI and clusters');
  permissionOpts(robot.command('create <name>').description('create a robot; prints its secret once')
    .option('--project <project>', 'a project robot of this project (default level: project)')
    .option('--level <level>', 'system or project (default: project with --project, else system)'))
    .option('--description <text>', 'a description')
    .option('--secret-file <path>', 'write the secret to this file (mode 0600) instead of printing it')
    .option('--k8s-secret <name>', 'print a kubernetes.io/dockerconfigjson Secret for the robot instead (for kubectl apply -f -)')
    .option('--namespace <ns>', 'namespace of the --k8s-secret Secret')
    .action(act(() => import('./robot/create.js')));
  page(projectOpt(robot.command('list').description('list system robots, or a project\'s robots with --project')))
    .action(act(() => import('./robot/list.js')));
  projectOpt(robot.command('get <robot>').description(`show a robot (${robotArg})`)).action(act(() => import('./robot/get.js')));
  permissionOpts(projectOpt(robot.command('update <robot>').description('change a robot\'s description, duration or permissions')))
    .option('--description <text>', 'a new description')
    .action(act(() => import('./robot/update.js')));
  yes(projectOpt(robot.command('delete <robot>').description('delete a robot'))).action(act(() => import('./robot/delete.js')));
  projectOpt(robot.command('refresh <robot>').description('give a robot a new secret (the old one stops working at once)'))
    .option('--secret-file <path>', 'write the new secret to this file (mode 0600) instead of printing it')
    .action(act(() => import('./robot/refresh.js')));
  projectOpt(robot.command('disable <robot>').description('refuse the robot from its next request')).action(act(() => import('./robot/disable.js')));
  projectOpt(robot.command('enable <robot>').description('let a disabled robot log in again')).action(act(() => import('./robot/enable.js')));

  const quota = program.command('quota').description('project storage quotas (system admins)');
  page(quota.command('list').description('list every project\'s quota')).action(act(() => import('./quota/list.js')));
  quota.command('get <project>').description('show a project\'s quota (name or id)').action(act(() => import('./quota/get.js')));
  quota.command('set <project> <size>').description('set a project\'s storage limit: 10GiB, 500MB, bytes, or unlimited (-1)')
    .action(act(() => import('./quota/set.js')));
  quota.command('verify [project]').description('recount usage from scratch and report drift (harborctl serve only; exit 1 on drift)')
    .action(act(() => import('./quota/verify.js')));

  const k8s = program.command('k8s').description('Kubernetes manifests');
  k8s.command('pull-secret <name>').description('print a kubernetes.io/dockerconfigjson Secret, as kubectl create secret docker-registry would')
    .option('--server <url>', 'the registry, used verbatim as the key in auths (like --docker-server)')
    .option('--robot <name>', 'log in as this robot (robot$ is added when missing)')
    .option('-u, --username <user>', 'log in as this user')
    .option('--password-stdin', 'read the password or robot secret from stdin')
    .option('-n, --namespace <ns>', 'the Secret\'s namespace')
    .option('--secret-file <path>', 'write the manifest to this file (mode 0600) instead of stdout')
    .action(act(() => import('./k8s/pull-secret.js')));
}
