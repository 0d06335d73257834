// Harbor tags "search", "statistic" and "permissions", and GET /users/current/permissions: the
// system-wide reads (services/overview.ts).
import { HarborError } from '../../core/errors.js';
import { sendJson } from '../context.js';
import { renderProject } from './project.js';
import type { ApiRouter } from './router.js';

export function overviewRoutes(r: ApiRouter): void {
  r.add('GET', '/search', async (c) => {
    const q = c.http.query.get('q');
    // go-swagger checks required parameters before the handler runs.
    if (q === null) throw new HarborError('UNPROCESSABLE_ENTITY', 'q in query is required');
    await c.svc.audit.flush();
    const visible = await c.svc.projects.list(c.principal);
    const found = await c.svc.overview.search(c.principal, visible, q);
    const byId = new Map(visible.map((p) => [p.id, p]));
    const project = [];
    for (const p of found.projects) project.push(await renderProject(c.svc, c.principal, p));
    sendJson(c.http, 200, {
      project,
      repository: found.repositories.map((x) => ({
        project_id: x.projectId, project_name: byId.get(x.projectId)?.name ?? x.name.split('/')[0], project_public: byId.get(x.projectId)?.public ?? false,
        repository_name: x.name, pull_count: x.pullCount, artifact_count: x.artifactCount,
      })),
    });
  });

  r.add('GET', '/statistics', async (c) => {
    const s = await c.svc.overview.statistic(c.principal);
    sendJson(c.http, 200, {
      private_project_count: s.privateProjects, private_repo_count: s.privateRepos, public_project_count: s.publicProjects,
      public_repo_count: s.publicRepos, total_project_count: s.totalProjects, total_repo_count: s.totalRepos, total_storage_consumption: s.totalStorage,
    });
  });

  r.add('GET', '/permissions', async (c) => {
    sendJson(c.http, 200, await c.svc.overview.catalogue(c.principal));
  });

  r.add('GET', '/users/current/permissions', async (c) => {
    const rel = c.http.query.get('relative');
    if (rel !== null && rel !== 'true' && rel !== 'false') throw new HarborError('UNPROCESSABLE_ENTITY', 'relative in query must be of type boolean');
    sendJson(c.http, 200, await c.svc.overview.current(c.principal, c.http.query.get('scope') ?? '', rel === 'true'));
  });
}
