// /quotas and /quotas/{id} (swagger tag "quota"), plus our GET /quotas/{id}/verify (a recount from
// scratch, README "Users, projects and access"). A quota's id is not its project's id: a project's
// quota is found with ?reference=project&reference_id=N.
import { HarborError } from '../core/errors.js';
import { seg, type HarborClient, type ListResult, type PageOptions } from './http.js';
import { getProject, notFound } from './projects.js';

/** swagger definitions.Quota; storage in bytes, -1 unlimited. */
export interface Quota {
  id: number;
  ref?: { id?: number; name?: string; owner_name?: string };
  hard: { storage: number };
  used: { storage: number };
  creation_time?: string;
  update_time?: string;
}

export interface QuotaVerify { id: number; used: { storage: number }; recount: { storage: number }; drift: { storage: number } }

export function listQuotas(c: HarborClient, page?: PageOptions): Promise<ListResult<Quota>> {
  return c.list<Quota>('/quotas', { reference: 'project' }, page);
}

/** The quota of a project (name or id). */
export async function getProjectQuota(c: HarborClient, project: string): Promise<Quota> {
  const p = await getProject(c, project);
  const { items } = await c.list<Quota>('/quotas', { reference: 'project', reference_id: p.project_id }, { pageSize: 0 });
  const q = items[0];
  if (!q) throw new HarborError('NOT_FOUND', `project ${project} has no quota`);
  return q;
}

export async function getQuota(c: HarborClient, id: number): Promise<Quota> {
  try {
    return (await c.request<Quota>('GET', `/quotas/${seg(id)}`)).data;
  } catch (e) {
    throw notFound(e, `quota ${id} not found`);
  }
}

/** Sets hard.storage (bytes, -1 unlimited). */
export async function setQuota(c: HarborClient, id: number, storage: number): Promise<void> {
  try {
    await c.request('PUT', `/quotas/${seg(id)}`, { body: { hard: { storage } } });
  } catch (e) {
    throw notFound(e, `quota ${id} not found`);
  }
}

/** harborctl serve only: the stored usage, a recount from scratch, and their difference. */
export async function verifyQuota(c: HarborClient, id: number): Promise<QuotaVerify> {
  try {
    return (await c.request<QuotaVerify>('GET', `/quotas/${seg(id)}/verify`)).data;
  } catch (e) {
    throw notFound(e, `quota ${id} not found (quota verify needs harborctl serve: Harbor has no recount endpoint)`);
  }
}
