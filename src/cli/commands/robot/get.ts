// harborctl robot get ROBOT [--project P] (ROBOT: id, robot$p+ci, p+ci, or ci with --project)
import { findRobot } from '../../../client/robots.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { ROBOT_FIELDS } from './views.js';

export interface Options { project?: string }

export async function run(rt: Runtime, [robot]: string[], o: Options): Promise<void> {
  const r = await rt.withClient((c) => findRobot(c, robot, o.project));
  renderObject(rt.io, rt.opts.output, r, ROBOT_FIELDS);
}
