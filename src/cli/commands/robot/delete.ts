// harborctl robot delete ROBOT [--project P] --yes
import { deleteRobot, findRobot } from '../../../client/robots.js';
import { confirm } from '../../output/interactive.js';
import type { Runtime } from '../../runtime.js';
import { printDeleted } from '../common.js';

export interface Options { project?: string; yes?: boolean }

export async function run(rt: Runtime, [robot]: string[], o: Options): Promise<void> {
  await confirm(rt, o.yes, `delete robot ${robot}?`);
  const r = await rt.withClient(async (c) => {
    const found = await findRobot(c, robot, o.project);
    await deleteRobot(c, found.id);
    return found;
  });
  printDeleted(rt, 'robot', r.name, { id: r.id });
}
