// harborctl member update PROJECT MEMBER --role ROLE (MEMBER: user name or member id)
import { findMember, updateMember } from '../../../client/members.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { parseRole } from '../common.js';
import { MEMBER_COLUMNS } from './views.js';

export interface Options { role: string }

export async function run(rt: Runtime, [project, member]: string[], o: Options): Promise<void> {
  const roleId = parseRole(o.role);
  const m = await rt.withClient(async (c) => {
    const found = await findMember(c, project, member);
    await updateMember(c, project, found.id, roleId);
    return findMember(c, project, String(found.id));
  });
  renderObject(rt.io, rt.opts.output, m, MEMBER_COLUMNS);
}
