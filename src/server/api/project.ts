// Harbor tag "project": /projects (list, create, HEAD by name), /projects/{project_name_or_id}
// (get, update, delete) and its summary.
import { HarborError } from '../../core/errors.js';
import type { Principal } from '../../services/rbac.js';
import type { Project } from '../../storage/meta/index.js';
import { sendEmpty, sendJson } from '../context.js';
import { filterByQuery, pageParams, parseQuery, sendPage, sortBy } from './paging.js';
import { isResourceName, optBoolean, optInteger, readObject, type ApiContext, type ApiRouter } from './router.js';
import type { ApiServices } from './services.js';
import { cveAllowlistResp, projectResp } from './views.js';

const PROJECT_FIELDS: Record<string, (p: Project) => string | number | boolean | null> = {
  name: (p) => p.name, project_id: (p) => p.id, public: (p) => p.public, owner_id: (p) => p.ownerId,
  creation_time: (p) => p.createdAt, update_time: (p) => p.updatedAt,
};

export async function renderProject(svc: ApiServices, actor: Principal, p: Project): Promise<Record<string, unknown>> {
  const owner = await svc.projects.owner(p);
  return projectResp(p, {
    ownerName: owner?.username ?? 'admin', role: await svc.projects.roleOf(actor, p), repoCount: await svc.projects.repoCount(p),
    cveAllowlist: await svc.projects.cveAllowlist(p),
  });
}

export async function projectParam(c: ApiContext): Promise<Project> {
  return c.svc.projects.resolve(c.params.project_name_or_id ?? c.params.project_name, isResourceName(c));
}

function metadataBody(b: Record<string, unknown>): Record<string, string> | undefined {
  const md = b.metadata;
  if (md === undefined || md === null) return undefined;
  if (typeof md !== 'object' || Array.isArray(md)) throw new HarborError('BAD_REQUEST', 'metadata must be an object of strings');
  return md as Record<string, string>;
}

export function projectRoutes(r: ApiRouter): void {
  r.add('GET', '/projects', async (c) => {
    pageParams(c.http);
    const q = c.http.query;
    let items = await c.svc.projects.list(c.principal);
    const name = q.get('name');
    if (name) items = items.filter((p) => p.name.includes(name)); // Harbor's `name` is a fuzzy match
    const pub = q.get('public');
    if (pub !== null && pub !== '') {
      if (pub !== 'true' && pub !== 'false') throw new HarborError('BAD_REQUEST', 'public must be true or false');
      items = items.filter((p) => p.public === (pub === 'true'));
    }
    const owner = q.get('owner');
    if (owner) {
      const u = await c.svc.stores.identity.getUserByName(owner);
      items = items.filter((p) => u !== null && p.ownerId === u.id);
    }
    items = sortBy(filterByQuery(items, parseQuery(q.get('q')), PROJECT_FIELDS), q.get('sort'), PROJECT_FIELDS);
    const rendered = new Map<number, Record<string, unknown>>();
    const p = pageParams(c.http);
    for (const x of items.slice((p.page - 1) * p.pageSize, p.page * p.pageSize)) rendered.set(x.id, await renderProject(c.svc, c.principal, x));
    sendPage(c.http, items, (x) => rendered.get(x.id));
  });

  // Harbor tag "SystemCVEAllowlist".
  r.add('GET', '/system/CVEAllowlist', async (c) => {
    sendJson(c.http, 200, cveAllowlistResp(await c.svc.projects.systemCveAllowlist(c.principal), 0));
  });

  r.add('PUT', '/system/CVEAllowlist', async (c) => {
    await c.svc.projects.setSystemCveAllowlist(c.principal, await readObject(c.http));
    sendEmpty(c.http, 200);
  });

  r.add('GET', '/projects/{project_name_or_id}/_deletable', async (c) => {
    const p = await projectParam(c);
    const d = await c.svc.projects.deletable(c.principal, p);
    sendJson(c.http, 200, d ? { deletable: true } : { deletable: false, message: 'the project contains repositories, can not be deleted' });
  });

  r.add('HEAD', '/projects', async (c) => {
    const name = c.http.query.get('project_name');
    if (!name) throw new HarborError('BAD_REQUEST', 'project_name is required');
    if (!(await c.svc.projects.exists(name))) throw new HarborError('NOT_FOUND', `project ${name.slice(0, 255)} not found`);
    sendEmpty(c.http, 200);
  });

  r.add('POST', '/projects', async (c) => {
    const b = await readObject(c.http);
    const name = b.project_name;
    if (typeof name !== 'string' || name === '') throw new HarborError('BAD_REQUEST', 'project_name is required');
    const registryId = optInteger(b, 'registry_id');
    const p = await c.svc.projects.create(c.principal, {
      name, public: optBoolean(b, 'public'), metadata: metadataBody(b), storageLimit: optInteger(b, 'storage_limit'),
      registryId: registryId === 0 ? undefined : registryId, cveAllowlist: b.cve_allowlist,
    });
    const byName = String(c.http.req.headers['x-resource-name-in-location'] ?? '').toLowerCase() === 'true';
    sendEmpty(c.http, 201, { Location: `/api/v2.0/projects/${byName ? p.name : p.id}` });
  });

  r.add('GET', '/projects/{project_name_or_id}', async (c) => {
    const p = await c.svc.projects.get(c.principal, await projectParam(c));
    sendJson(c.http, 200, await renderProject(c.svc, c.principal, p));
  });

  r.add('PUT', '/projects/{project_name_or_id}', async (c) => {
    const p = await projectParam(c);
    const b = await readObject(c.http);
    await c.svc.projects.update(c.principal, p, {
      public: optBoolean(b, 'public'), metadata: metadataBody(b), storageLimit: optInteger(b, 'storage_limit'), cveAllowlist: b.cve_allowlist,
    });
    sendEmpty(c.http, 200);
  });

  r.add('DELETE', '/projects/{project_name_or_id}', async (c) => {
    await c.svc.projects.delete(c.principal, await projectParam(c));
    sendEmpty(c.http, 200);
  });

  r.add('GET', '/projects/{project_name_or_id}/summary', async (c) => {
    const s = await c.svc.projects.summary(c.principal, await projectParam(c));
    sendJson(c.http, 200, {
      repo_count: s.repoCount, project_admin_count: s.roleCounts[1], maintainer_count: s.roleCounts[4],
      developer_count: s.roleCounts[2], guest_count: s.roleCounts[3], limited_guest_count: s.roleCounts[5],
      quota: { hard: { storage: s.storageLimit }, used: { storage: s.storageUsed } },
    });
  });

  // harborctl's own: what a proxy-cache project holds, and when each tag was last checked upstream.
  r.addExtension('GET', '/projects/{project_name_or_id}/cache', async (c) => {
    const rows = await c.svc.projects.cachedTags(c.principal, await projectParam(c));
    sendJson(c.http, 200, rows.map((t) => ({
      repository_name: t.repository, tag: t.tag, digest: t.digest, media_type: t.mediaType, cached_size: t.cachedSize,
      push_time: t.pushedAt, revalidated_time: t.revalidatedAt,
    })));
  });
}
