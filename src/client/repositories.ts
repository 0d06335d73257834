// /projects/{project}/repositories and /repositories (swagger tag "repository"). `repo` is the name inside the project.
import { repoSeg, seg, type HarborClient, type ListResult, type PageOptions } from './http.js';
import { notFound } from './projects.js';
import type { Repository } from './types.js';

export async function listRepositories(c: HarborClient, project: string, page?: PageOptions): Promise<ListResult<Repository>> {
  try {
    return await c.list<Repository>(`/projects/${seg(project)}/repositories`, {}, page);
  } catch (e) {
    throw notFound(e, `project ${project} not found`);
  }
}

/** GET /repositories: every repository the caller may see, across projects. */
export async function listAllRepositories(c: HarborClient, page?: PageOptions): Promise<ListResult<Repository>> {
  return c.list<Repository>('/repositories', {}, page);
}

/** PUT a repository: Harbor changes only its description. */
export async function updateRepository(c: HarborClient, project: string, repo: string, description: string): Promise<void> {
  try {
    await c.request('PUT', `/projects/${seg(project)}/repositories/${repoSeg(repo)}`, { body: { description } });
  } catch (e) {
    throw notFound(e, `repository ${project}/${repo} not found`);
  }
}

export async function getRepository(c: HarborClient, project: string, repo: string): Promise<Repository> {
  try {
    return (await c.request<Repository>('GET', `/projects/${seg(project)}/repositories/${repoSeg(repo)}`)).data;
  } catch (e) {
    throw notFound(e, `repository ${project}/${repo} not found`);
  }
}

export async function deleteRepository(c: HarborClient, project: string, repo: string): Promise<void> {
  try {
    await c.request('DELETE', `/projects/${seg(project)}/repositories/${repoSeg(repo)}`);
  } catch (e) {
    throw notFound(e, `repository ${project}/${repo} not found`);
  }
}
