// harborctl member add PROJECT USER [--role admin|maintainer|developer|guest|limited-guest]
// harborctl member add PROJECT GROUP --group oidc|http|ldap (an LDAP group by its DN)
import { addGroupMember, addMember, GROUP_TYPES, type GroupKind } from '../../../client/members.js';
import { HarborError } from '../../../core/errors.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { parseRole } from '../common.js';
import { MEMBER_COLUMNS } from './views.js';

export interface Options { role: string; group?: string }

export async function run(rt: Runtime, [project, name]: string[], o: Options): Promise<void> {
  const roleId = parseRole(o.role);
  const group = o.group !== undefined ? parseGroup(o.group, name) : undefined;
  const m = await rt.withClient((c) => (group ? addGroupMember(c, project, group, roleId) : addMember(c, project, name, roleId)));
  renderObject(rt.io, rt.opts.output, m, MEMBER_COLUMNS);
}

function parseGroup(kind: string, name: string): { kind: GroupKind; name: string } {
  if (!Object.hasOwn(GROUP_TYPES, kind)) throw new HarborError('USAGE', `invalid --group ${JSON.stringify(kind)}: oidc, ldap or http`);
  if (kind === 'ldap' && !/^[A-Za-z][\w-]*=/.test(name)) {
    throw new HarborError('USAGE', `with --group ldap the member is the group's DN (cn=devs,ou=groups,dc=example,dc=org), not ${JSON.stringify(name)}`);
  }
  return { kind: kind as GroupKind, name };
}
