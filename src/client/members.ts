// /projects/{project}/members (swagger tag "member"): users (entity_type "u") and user groups ("g").
import { HarborError } from '../core/errors.js';
import { nameOrId, seg, type HarborClient, type ListResult, type PageOptions } from './http.js';
import { getProject, notFound } from './projects.js';
import type { ProjectMemberEntity } from './types.js';

export async function listMembers(c: HarborClient, project: string, filter: { entityname?: string } = {}, page?: PageOptions): Promise<ListResult<ProjectMemberEntity>> {
  const p = nameOrId(project);
  try {
    return await c.list<ProjectMemberEntity>(`/projects/${p.path}/members`, { entityname: filter.entityname }, page, p.headers);
  } catch (e) {
    throw notFound(e, `project ${project} not found`);
  }
}

/** A member by its member id or by the member's user name. */
export async function findMember(c: HarborClient, project: string, member: string): Promise<ProjectMemberEntity> {
  const p = nameOrId(project);
  if (/^\d+$/.test(member)) {
    try {
      return (await c.request<ProjectMemberEntity>('GET', `/projects/${p.path}/members/${seg(member)}`, { headers: p.headers })).data;
    } catch (e) {
      throw notFound(e, `member ${member} of project ${project} not found`);
    }
  }
  const { items } = await listMembers(c, project, { entityname: member }, { pageSize: 0 });
  const found = items.find((m) => m.entity_name === member);
  if (!found) throw new HarborError('NOT_FOUND', `${member} is not a member of project ${project}`);
  return found;
}

export async function addMember(c: HarborClient, project: string, username: string, roleId: number): Promise<ProjectMemberEntity> {
  const p = nameOrId(project);
  try {
    await c.request('POST', `/projects/${p.path}/members`, { body: { role_id: roleId, member_user: { username } }, headers: p.headers });
  } catch (e) {
    if (!(e instanceof HarborError && e.code === 'NOT_FOUND')) throw e;
    await getProject(c, project); // "project X not found" when it is the project
    throw new HarborError('NOT_FOUND', `user ${username} not found`, { detail: e.detail });
  }
  return findMember(c, project, username);
}

/** Harbor's user group types (swagger UserGroup.group_type). */
export const GROUP_TYPES = { ldap: 1, http: 2, oidc: 3 } as const;
export type GroupKind = keyof typeof GROUP_TYPES;

/** Adds a user group as a member: an LDAP group by its DN, an HTTP or OIDC group by name (Harbor's member_group). */
export async function addGroupMember(c: HarborClient, project: string, group: { kind: GroupKind; name: string }, roleId: number): Promise<ProjectMemberEntity> {
  const p = nameOrId(project);
  const memberGroup = group.kind === 'ldap' ? { ldap_group_dn: group.name } : { group_name: group.name, group_type: GROUP_TYPES[group.kind] };
  let r;
  try {
    r = await c.request('POST', `/projects/${p.path}/members`, { body: { role_id: roleId, member_group: memberGroup }, headers: p.headers });
  } catch (e) {
    throw notFound(e, `project ${project} not found`);
  }
  const id = /\/members\/(\d+)$/.exec(r.headers.location ?? '')?.[1];
  if (!id) throw new HarborError('INTERNAL_SERVER_ERROR', 'the server added the group but did not say its member id (no Location header)');
  return findMember(c, project, id);
}

export async function updateMember(c: HarborClient, project: string, memberId: number, roleId: number): Promise<void> {
  const p = nameOrId(project);
  await c.request('PUT', `/projects/${p.path}/members/${seg(memberId)}`, { body: { role_id: roleId }, headers: p.headers });
}

export async function removeMember(c: HarborClient, project: string, memberId: number): Promise<void> {
  const p = nameOrId(project);
  await c.request('DELETE', `/projects/${p.path}/members/${seg(memberId)}`, { headers: p.headers });
}
