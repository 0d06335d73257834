// harborctl robot update ROBOT [--project P] [--description TEXT] [--duration DAYS|-1] [--permission LIST | --permissions-file F]
import { HarborError } from '../../../core/errors.js';
import { findRobot, getRobotById, updateRobot } from '../../../client/robots.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { parseDuration, permissionsFromFlags } from './permissions.js';
import { ROBOT_FIELDS } from './views.js';

export interface Options { project?: string; description?: string; duration?: string; permission?: string; permissionsFile?: string }

export async function run(rt: Runtime, [robot]: string[], o: Options): Promise<void> {
  const duration = o.duration === undefined ? undefined : parseDuration(o.duration);
  if (o.description === undefined && duration === undefined && o.permission === undefined && o.permissionsFile === undefined) {
    throw new HarborError('USAGE', 'nothing to update: pass --description, --duration, --permission or --permissions-file');
  }
  if (o.permission !== undefined && o.permissionsFile !== undefined) throw new HarborError('USAGE', '--permission and --permissions-file exclude each other');
  const r = await rt.withClient(async (c) => {
    const cur = await findRobot(c, robot, o.project);
    // The shorthand needs the robot's own project: the namespace of its project entry.
    const project = cur.permissions.find((p) => p.kind === 'project')?.namespace;
    const permissions = await permissionsFromFlags(o, cur.level, project, true);
    await updateRobot(c, {
      ...cur,
      ...(o.description !== undefined ? { description: o.description } : {}),
      ...(duration !== undefined ? { duration } : {}),
      ...(permissions !== undefined ? { permissions } : {}),
    });
    return getRobotById(c, cur.id);
  });
  renderObject(rt.io, rt.opts.output, r, ROBOT_FIELDS);
}
