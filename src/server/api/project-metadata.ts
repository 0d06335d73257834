// Harbor tag "projectMetadata": /projects/{project_name_or_id}/metadatas[/{meta_name}], string values.
import { HarborError } from '../../core/errors.js';
import { projectMetadata } from '../../services/projects.js';
import { sendEmpty, sendJson } from '../context.js';
import { projectParam } from './project.js';
import { readObject, type ApiRouter } from './router.js';

export function projectMetadataRoutes(r: ApiRouter): void {
  r.add('GET', '/projects/{project_name_or_id}/metadatas', async (c) => {
    sendJson(c.http, 200, await c.svc.projects.getMetadata(c.principal, await projectParam(c)));
  });

  r.add('POST', '/projects/{project_name_or_id}/metadatas', async (c) => {
    const p = await projectParam(c);
    await c.svc.projects.setMetadata(c.principal, p, await readObject(c.http), 'create');
    sendEmpty(c.http, 200);
  });

  r.add('GET', '/projects/{project_name_or_id}/metadatas/{meta_name}', async (c) => {
    const p = await projectParam(c);
    const all = await c.svc.projects.getMetadata(c.principal, p);
    const key = c.params.meta_name;
    if (!Object.hasOwn(all, key)) throw new HarborError('NOT_FOUND', `project metadata ${key.slice(0, 100)} not found`);
    sendJson(c.http, 200, { [key]: all[key] });
  });

  r.add('PUT', '/projects/{project_name_or_id}/metadatas/{meta_name}', async (c) => {
    const p = await projectParam(c);
    const b = await readObject(c.http);
    const key = c.params.meta_name;
    if (Object.keys(b).length !== 1 || !Object.hasOwn(b, key)) throw new HarborError('BAD_REQUEST', `the body must be {"${key.slice(0, 100)}": "<value>"}`);
    if (!Object.hasOwn(projectMetadata(p), key)) throw new HarborError('NOT_FOUND', `project metadata ${key.slice(0, 100)} not found`);
    await c.svc.projects.setMetadata(c.principal, p, b, 'update');
    sendEmpty(c.http, 200);
  });

  r.add('DELETE', '/projects/{project_name_or_id}/metadatas/{meta_name}', async (c) => {
    await c.svc.projects.deleteMetadata(c.principal, await projectParam(c), c.params.meta_name);
    sendEmpty(c.http, 200);
  });
}
