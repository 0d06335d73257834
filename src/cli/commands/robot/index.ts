// `harborctl robot …`: robot accounts for CI and clusters.
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act, page, yes }: Kit): void {
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
    .action(act(() => import('./create.js')));
  page(projectOpt(robot.command('list').description('list system robots, a project\'s robots with --project, or both with --all')))
    .option('--all', 'system robots and the robots of every project you can see, in one list (not with --project)')
    .action(act(() => import('./list.js')));
  projectOpt(robot.command('get <robot>').description(`show a robot (${robotArg})`)).action(act(() => import('./get.js')));
  permissionOpts(projectOpt(robot.command('update <robot>').description('change a robot\'s description, duration or permissions')))
    .option('--description <text>', 'a new description')
    .action(act(() => import('./update.js')));
  yes(projectOpt(robot.command('delete <robot>').description('delete a robot'))).action(act(() => import('./delete.js')));
  projectOpt(robot.command('refresh <robot>').description('give a robot a new secret (the old one stops working at once)'))
    .option('--secret-file <path>', 'write the new secret to this file (mode 0600) instead of printing it')
    .action(act(() => import('./refresh.js')));
  projectOpt(robot.command('disable <robot>').description('refuse the robot from its next request')).action(act(() => import('./disable.js')));
  projectOpt(robot.command('enable <robot>').description('let a disabled robot log in again')).action(act(() => import('./enable.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  '': ['harborctl robot create builder --project ci --permission pull,push', 'harborctl robot list --project ci'],
  create: ['harborctl robot create builder --project ci --permission pull,push --secret-file ./builder.secret', 'harborctl robot create puller --project apps --permission pull --k8s-secret apps-pull | kubectl apply -f -'],
  list: ['harborctl robot list --all', 'harborctl robot list --project ci -q'],
  get: ['harborctl robot get ci+builder', 'harborctl robot get builder --project ci -o json'],
  update: ['harborctl robot update ci+builder --permission pull', 'harborctl robot update ci+builder --duration 30 --description "CI, 30 days"'],
  delete: ['harborctl robot delete ci+builder', 'harborctl robot delete ci+builder --yes'],
  refresh: ['harborctl robot refresh ci+builder', 'harborctl robot refresh ci+builder --secret-file ./builder.secret'],
  disable: ['harborctl robot disable ci+builder', 'harborctl robot disable builder --project ci'],
  enable: ['harborctl robot enable ci+builder', 'harborctl robot enable builder --project ci'],
};
