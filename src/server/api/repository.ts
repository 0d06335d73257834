// Harbor tag "repository": /projects/{project_name}/repositories[/{repository_name}]. Names in the
// path are without the project (`{repository_name}` = `a%252Fb` for `<project>/a/b`); responses carry
// the full name, as Harbor's do.
// Both lists filter, sort and page in the store: a project may hold 10,000 repositories.
import type { RepositoryColumn, RepositoryQuery } from '../../storage/meta/index.js';
import { sendEmpty, sendJson } from '../context.js';
import { pageWindow, qConditions, sendStorePage, sortKeys } from './paging.js';
import { optString, readObject, type ApiContext, type ApiRouter } from './router.js';
import { repositoryResp } from './views.js';

const REPO_KEYS: readonly RepositoryColumn[] = ['name', 'id', 'repository_id', 'description', 'project_id', 'artifact_count', 'pull_count', 'creation_time', 'update_time'];

/** q= (`name` is the full name, `<project>/<repo>`, as in Harbor), sort= (newest update first by default) and the page. */
function repositoryQuery(c: ApiContext): Omit<RepositoryQuery, 'projectIds'> {
  const order = sortKeys(c.http.query.get('sort'), REPO_KEYS);
  return {
    where: qConditions(c.http.query.get('q'), REPO_KEYS),
    order: order.length ? order : [{ column: 'update_time', dir: 'desc' }],
    ...pageWindow(c.http),
  };
}

async function project(c: ApiContext) {
  // {project_name} is always a name here (Harbor's repository API takes no id).
  return c.svc.projects.resolve(c.params.project_name, true);
}

export function repositoryRoutes(r: ApiRouter): void {
  r.add('GET', '/projects/{project_name}/repositories', async (c) => {
    const p = await project(c);
    await c.svc.audit.flush(); // pull counts are written in batches: count what was served
    const { items, total } = await c.svc.artifacts.listRepositories(c.principal, p, () => repositoryQuery(c));
    sendStorePage(c.http, items, total, repositoryResp);
  });

  // Across projects: those the caller may see (an anonymous caller, the public ones), as Harbor lists them.
  r.add('GET', '/repositories', async (c) => {
    const q = repositoryQuery(c);
    await c.svc.audit.flush();
    const { items, total } = await c.svc.artifacts.listAllRepositories(c.principal, await c.svc.projects.list(c.principal), q);
    sendStorePage(c.http, items, total, repositoryResp);
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
