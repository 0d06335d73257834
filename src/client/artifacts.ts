// /projects/{project}/repositories/{repo}/artifacts (swagger tag "artifact"). `reference` is a tag or a digest.
import { repoSeg, seg, type HarborClient, type ListResult, type PageOptions } from './http.js';
import { notFound } from './projects.js';
import type { Artifact } from './types.js';

export function artifactsPath(project: string, repo: string): string {
  return `/projects/${seg(project)}/repositories/${repoSeg(repo)}/artifacts`;
}

/** `extra` adds Harbor's list flags (with_sbom_overview, with_accessory ...). */
export async function listArtifacts(c: HarborClient, project: string, repo: string, page?: PageOptions, extra: Record<string, boolean> = {}): Promise<ListResult<Artifact>> {
  try {
    return await c.list<Artifact>(artifactsPath(project, repo), { with_tag: true, ...extra }, page);
  } catch (e) {
    throw notFound(e, `repository ${project}/${repo} not found`);
  }
}

export async function getArtifact(c: HarborClient, project: string, repo: string, reference: string, extra: Record<string, boolean> = {}): Promise<Artifact> {
  try {
    return (await c.request<Artifact>('GET', `${artifactsPath(project, repo)}/${seg(reference)}`, { query: { with_tag: true, ...extra } })).data;
  } catch (e) {
    throw notFound(e, `artifact ${project}/${repo}${reference.includes(':') ? '@' : ':'}${reference} not found`);
  }
}

export async function deleteArtifact(c: HarborClient, project: string, repo: string, reference: string): Promise<void> {
  try {
    await c.request('DELETE', `${artifactsPath(project, repo)}/${seg(reference)}`);
  } catch (e) {
    throw notFound(e, `artifact ${project}/${repo}${reference.includes(':') ? '@' : ':'}${reference} not found`);
  }
}

/** CopyArtifact: `from` is `project/repo:tag` or `project/repo@digest`; the copy lands in `project/repo`. */
export async function copyArtifact(c: HarborClient, project: string, repo: string, from: string): Promise<void> {
  try {
    await c.request('POST', artifactsPath(project, repo), { query: { from } });
  } catch (e) {
    throw notFound(e, `artifact ${from} or project ${project} not found`);
  }
}
