// /projects/{project}/members (swagger tag "member"). Members here are users (entity_type "u").
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

export async function updateMember(c: HarborClient, project: string, memberId: number, roleId: number): Promise<void> {
  const p = nameOrId(project);
  await c.request('PUT', `/projects/${p.path}/members/${seg(memberId)}`, { body: { role_id: roleId }, headers: p.headers });
}

export async function removeMember(c: HarborClient, project: string, memberId: number): Promise<void> {
  const p = nameOrId(project);
  await c.request('DELETE', `/projects/${p.path}/members/${seg(memberId)}`, { headers: p.headers });
}
