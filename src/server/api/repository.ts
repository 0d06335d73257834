// Harbor tag "repository": /projects/{project_name}/repositories[/{repository_name}]. Names in the
// path are without the project (`{repository_name}` = `a%252Fb` for `<project>/a/b`); responses carry
// the full name, as Harbor's do.
import type { RepositoryInfo } from '../../storage/meta/index.js';
import { sendEmpty, sendJson } from '../context.js';
import { filterByQuery, parseQuery, sendPage, sortBy, type Fields } from './paging.js';
import { optString, readObject, type ApiContext, type ApiRouter } from './router.js';
import { repositoryResp } from './views.js';

const REPO_FIELDS: Fields<RepositoryInfo> = {
  name: (r) => r.name, id: (r) => r.id, description: (r) => r.description, repository_id: (r) => r.id, project_id: (r) => r.projectId, artifact_count: (r) => r.artifactCount,
  pull_count: (r) => r.pullCount, creation_time: (r) => r.createdAt, update_time: (r) => r.updatedAt,
};

async function project(c: ApiContext) {
  // {project_name} is always a name here (Harbor's repository API takes no id).
  return c.svc.projects.resolve(c.params.project_name, true);
}

export function repositoryRoutes(r: ApiRouter): void {
  r.add('GET', '/projects/{project_name}/repositories', async (c) => {
    const p = await project(c);
    await c.svc.audit.flush(); // pull counts are written in batches: count what was served
    const all = await c.svc.artifacts.listRepositories(c.principal, p);
    const q = parseQuery(c.http.query.get('q'));
    // `q=name=...` matches the full name (`<project>/<repo>`), as in Harbor.
    const items = sortBy(filterByQuery(all, q, REPO_FIELDS), c.http.query.get('sort'), REPO_FIELDS, '-update_time');
    sendPage(c.http, items, repositoryResp);
  });

  // Across projects: those the caller may see (an anonymous caller, the public ones), as Harbor lists them.
  r.add('GET', '/repositories', async (c) => {
    await c.svc.audit.flush();
    const all = await c.svc.artifacts.listAllRepositories(c.principal, await c.svc.projects.list(c.principal));
    const items = sortBy(filterByQuery(all, parseQuery(c.http.query.get('q')), REPO_FIELDS), c.http.query.get('sort'), REPO_FIELDS, '-update_time');
    sendPage(c.http, items, repositoryResp);
  });

  r.add('PUT', '/projects/{project_name}/repositories/{repository_name}', async (c) => {
    const p = await project(c);
    const b = await readObject(c.http);
    await c.svc.artifacts.updateRepository(c.principal, p, c.params.repository_name, optString(b, 'description') ?? '');
    sendEmpty(c.http, 200);
  });

  r.add('GET', '/projects/{project_name}/repositories/{repository_name}', async (c) => {
    const p = await project(c);
    await c.svc.audit.flush();
    sendJson(c.http, 200, repositoryResp(await c.svc.artifacts.getRepository(c.principal, p, c.params.repository_name)));
  });

  r.add('DELETE', '/projects/{project_name}/repositories/{repository_name}', async (c) => {
    const p = await project(c);
    await c.svc.artifacts.deleteRepository(c.principal, p, c.params.repository_name);
    sendEmpty(c.http, 200);
  });
}

export { project as repositoryProject };
