// harborctl project delete PROJECT --yes (Harbor refuses while the project has repositories: 412)
import { HarborError } from '../../../core/errors.js';
import { deleteProject } from '../../../client/projects.js';
import { confirm } from '../../output/interactive.js';
import type { Runtime } from '../../runtime.js';
import { printDeleted } from '../common.js';

export interface Options { yes?: boolean }

export async function run(rt: Runtime, [project]: string[], o: Options): Promise<void> {
  await confirm(rt, o.yes, `delete project ${project}?`);
  await rt.withClient(async (c) => {
    try {
      await deleteProject(c, project);
    } catch (e) {
      if (e instanceof HarborError && e.code === 'PRECONDITION') {
        // The server's own reason (Harbor: repositories, policies...); the hint only where it helps.
        const hint = /repositor/i.test(e.message) ? ` (harborctl repo list ${project})` : '';
        throw new HarborError('PRECONDITION', `cannot delete project ${project}: ${e.message}${hint}`, { detail: e.detail });
      }
      throw e;
    }
  });
  printDeleted(rt, 'project', project);
}
