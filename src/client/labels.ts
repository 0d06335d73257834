// /labels and an artifact's labels (swagger tags "label" and "artifact"). Without a project a label
// is global (scope g); with one it is that project's (scope p).
import { HarborError } from '../core/errors.js';
import { seg, type HarborClient } from './http.js';
import { artifactsPath } from './artifacts.js';
import { getProject, notFound } from './projects.js';

export interface Label {
  id: number;
  name: string;
  description?: string;
  color?: string;
  scope?: string;
  project_id?: number;
  creation_time?: string;
  update_time?: string;
  [k: string]: unknown;
}

export interface LabelFields { description?: string; color?: string }

async function scopeQuery(c: HarborClient, project?: string): Promise<{ scope: string; project_id?: number }> {
  return project ? { scope: 'p', project_id: (await getProject(c, project)).project_id } : { scope: 'g' };
}

export async function listLabels(c: HarborClient, project?: string): Promise<Label[]> {
  return (await c.list<Label>('/labels', await scopeQuery(c, project), { pageSize: 0 })).items;
}

/** A label by id, or by its exact name among the global labels or the project's. */
export async function findLabel(c: HarborClient, label: string, project?: string): Promise<Label> {
  if (/^\d+$/.test(label)) {
    try {
      return (await c.request<Label>('GET', `/labels/${seg(label)}`)).data;
    } catch (e) {
      throw notFound(e, `label ${label} not found`);
    }
  }
  const found = (await listLabels(c, project)).find((l) => l.name === label);
  if (!found) throw new HarborError('NOT_FOUND', `label ${label} not found${project ? ` in project ${project}` : ' among the global labels'}`);
  return found;
}

export async function createLabel(c: HarborClient, name: string, f: LabelFields, project?: string): Promise<Label> {
  const scope = await scopeQuery(c, project);
  const r = await c.request('POST', '/labels', { body: { name, description: f.description ?? '', color: f.color ?? '', ...scope } });
  const id = (r.headers.location ?? '').split('/').pop() ?? '';
  return /^\d+$/.test(id) ? findLabel(c, id) : findLabel(c, name, project);
}

/** Harbor's update replaces name, description and color: unchanged ones are sent as they are. */
export async function updateLabel(c: HarborClient, l: Label, change: LabelFields & { name?: string }): Promise<Label> {
  await c.request('PUT', `/labels/${seg(l.id)}`, { body: {
    name: change.name ?? l.name, description: change.description ?? l.description ?? '', color: change.color ?? l.color ?? '',
  } });
  return findLabel(c, String(l.id));
}

export async function deleteLabel(c: HarborClient, l: Label): Promise<void> {
  await c.request('DELETE', `/labels/${seg(l.id)}`);
}

export async function addArtifactLabel(c: HarborClient, project: string, repo: string, reference: string, labelId: number): Promise<void> {
  await c.request('POST', `${artifactsPath(project, repo)}/${seg(reference)}/labels`, { body: { id: labelId } });
}

export async function removeArtifactLabel(c: HarborClient, project: string, repo: string, reference: string, labelId: number): Promise<void> {
  await c.request('DELETE', `${artifactsPath(project, repo)}/${seg(reference)}/labels/${seg(labelId)}`);
}
