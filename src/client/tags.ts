// …/artifacts/{reference}/tags (swagger tag "artifact": listTags, createTag, deleteTag).
import { seg, type HarborClient, type ListResult, type PageOptions } from './http.js';
import { artifactsPath } from './artifacts.js';
import { notFound } from './projects.js';
import type { Tag } from './types.js';

export async function listTags(c: HarborClient, project: string, repo: string, reference: string, page?: PageOptions): Promise<ListResult<Tag>> {
  try {
    return await c.list<Tag>(`${artifactsPath(project, repo)}/${seg(reference)}/tags`, {}, page);
  } catch (e) {
    throw notFound(e, `artifact ${project}/${repo}${reference.includes(':') ? '@' : ':'}${reference} not found`);
  }
}

export async function createTag(c: HarborClient, project: string, repo: string, reference: string, tag: string): Promise<void> {
  try {
    await c.request('POST', `${artifactsPath(project, repo)}/${seg(reference)}/tags`, { body: { name: tag } });
  } catch (e) {
    throw notFound(e, `artifact ${project}/${repo}${reference.includes(':') ? '@' : ':'}${reference} not found`);
  }
}

export async function deleteTag(c: HarborClient, project: string, repo: string, reference: string, tag: string): Promise<void> {
  try {
    await c.request('DELETE', `${artifactsPath(project, repo)}/${seg(reference)}/tags/${seg(tag)}`);
  } catch (e) {
    throw notFound(e, `tag ${project}/${repo}:${tag} not found`);
  }
}
