// harborctl member remove PROJECT MEMBER --yes (MEMBER: user name or member id)
import { findMember, removeMember } from '../../../client/members.js';
import { confirm } from '../../output/interactive.js';
import type { Runtime } from '../../runtime.js';
import { printDeleted } from '../common.js';

export interface Options { yes?: boolean }

export async function run(rt: Runtime, [project, member]: string[], o: Options): Promise<void> {
  await confirm(rt, o.yes, `remove ${member} from project ${project}?`);
  const m = await rt.withClient(async (c) => {
    const found = await findMember(c, project, member);
    await removeMember(c, project, found.id);
    return found;
  });
  printDeleted(rt, 'member', m.entity_name, { project, id: m.id });
}
