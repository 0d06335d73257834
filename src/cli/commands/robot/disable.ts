// harborctl robot disable ROBOT [--project P]: the robot is refused from its very next request
import { findRobot, getRobotById, updateRobot } from '../../../client/robots.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { ROBOT_FIELDS } from './views.js';

export interface Options { project?: string }

export async function run(rt: Runtime, [robot]: string[], o: Options): Promise<void> {
  const r = await rt.withClient(async (c) => {
    const cur = await findRobot(c, robot, o.project);
    await updateRobot(c, { ...cur, disable: true });
    return getRobotById(c, cur.id);
  });
  renderObject(rt.io, rt.opts.output, r, ROBOT_FIELDS);
}
