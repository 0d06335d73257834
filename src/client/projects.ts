// /projects (swagger tag "project").
import { HarborError } from '../core/errors.js';
import { nameOrId, type HarborClient, type ListResult, type PageOptions } from './http.js';
import type { Project, ProjectReq } from './types.js';

export function listProjects(c: HarborClient, filter: { name?: string; public?: boolean } = {}, page?: PageOptions): Promise<ListResult<Project>> {
  return c.list<Project>('/projects', { name: filter.name, public: filter.public }, page);
}

export async function getProject(c: HarborClient, project: string | number): Promise<Project> {
  const p = nameOrId(project);
  try {
    return (await c.request<Project>('GET', `/projects/${p.path}`, { headers: p.headers })).data;
  } catch (e) {
    throw notFound(e, `project ${project} not found`);
  }
}

/** Creates the project and returns it as the server now describes it. */
export async function createProject(c: HarborClient, req: ProjectReq & { project_name: string }): Promise<Project> {
  await c.request('POST', '/projects', { body: req, headers: { 'X-Resource-Name-In-Location': 'true' } });
  return getProject(c, req.project_name);
}

export async function updateProject(c: HarborClient, project: string | number, req: ProjectReq): Promise<void> {
  const p = nameOrId(project);
  try {
    await c.request('PUT', `/projects/${p.path}`, { body: req, headers: p.headers });
  } catch (e) {
    throw notFound(e, `project ${project} not found`);
  }
}

export async function deleteProject(c: HarborClient, project: string | number): Promise<void> {
  const p = nameOrId(project);
  try {
    await c.request('DELETE', `/projects/${p.path}`, { headers: p.headers });
  } catch (e) {
    throw notFound(e, `project ${project} not found`);
  }
}

/** swagger definitions.ProjectSummary, the part the CLI reads: the project's quota (bytes, -1 unlimited). */
export interface ProjectSummary {
  repo_count?: number;
  quota?: { hard?: { storage?: number }; used?: { storage?: number } };
}

export async function getProjectSummary(c: HarborClient, project: string | number): Promise<ProjectSummary> {
  const p = nameOrId(project);
  try {
    return (await c.request<ProjectSummary>('GET', `/projects/${p.path}/summary`, { headers: p.headers })).data;
  } catch (e) {
    throw notFound(e, `project ${project} not found`);
  }
}

/** A proxy-cache project's tag as harborctl's /projects/{p}/cache lists it. */
export interface CachedTag {
  repository_name: string; tag: string; digest: string; media_type: string; cached_size: number; push_time: string; revalidated_time: string | null;
}

export async function listProjectCache(c: HarborClient, project: string): Promise<CachedTag[]> {
  const p = nameOrId(project);
  try {
    return (await c.request<CachedTag[]>('GET', `/projects/${p.path}/cache`, { headers: p.headers })).data;
  } catch (e) {
    throw notFound(e, `project ${project} not found (or the server is not harborctl, which lists proxy caches)`);
  }
}

/** Gives a 404 a message that names what was asked for. */
export function notFound(e: unknown, message: string): unknown {
  if (e instanceof HarborError && e.code === 'NOT_FOUND') return new HarborError('NOT_FOUND', message, { detail: e.detail });
  return e;
}
