// harborctl member add PROJECT USER [--role admin|maintainer|developer|guest|limited-guest]
import { addMember } from '../../../client/members.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { parseRole } from '../common.js';
import { MEMBER_COLUMNS } from './views.js';

export interface Options { role: string }

export async function run(rt: Runtime, [project, user]: string[], o: Options): Promise<void> {
  const roleId = parseRole(o.role);
  const m = await rt.withClient((c) => addMember(c, project, user, roleId));
  renderObject(rt.io, rt.opts.output, m, MEMBER_COLUMNS);
}
