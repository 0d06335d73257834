// Harbor tag "quota": /quotas (list, ?reference=project&reference_id=N), /quotas/{id} (get, PUT
// {"hard":{"storage":N}}), for system administrators. Our addition: GET /quotas/{id}/verify recounts
// the project's usage from scratch and reports any drift (what `harborctl quota verify` calls).
import type { ProjectQuota } from '../../services/quotas.js';
import { sendEmpty, sendJson } from '../context.js';
import { pageParams, sendPage, sortBy } from './paging.js';
import { idParam, readObject, type ApiContext, type ApiRouter } from './router.js';
import { quotaResp } from './views.js';

const QUOTA_FIELDS: Record<string, (q: ProjectQuota) => string | number> = {
  id: (q) => q.id, creation_time: (q) => q.project.createdAt, update_time: (q) => q.project.updatedAt,
  'hard.storage': (q) => q.hard, 'used.storage': (q) => q.used,
};

async function render(c: ApiContext, q: ProjectQuota): Promise<Record<string, unknown>> {
  const owner = await c.svc.projects.owner(q.project);
  return quotaResp(q, owner?.username ?? 'admin');
}

export function quotaRoutes(r: ApiRouter): void {
  r.add('GET', '/quotas', async (c) => {
    pageParams(c.http);
    const q = c.http.query;
    const items = sortBy(await c.svc.quotas.list(c.principal, {
      reference: q.get('reference') ?? undefined, referenceId: q.get('reference_id') ?? undefined,
    }), q.get('sort'), QUOTA_FIELDS);
    const rendered = new Map<number, Record<string, unknown>>();
    for (const x of items) rendered.set(x.id, await render(c, x));
    sendPage(c.http, items, (x) => rendered.get(x.id));
  });

  r.add('GET', '/quotas/{id}', async (c) => {
    sendJson(c.http, 200, await render(c, await c.svc.quotas.get(c.principal, idParam(c, 'id'))));
  });

  r.add('PUT', '/quotas/{id}', async (c) => {
    const id = idParam(c, 'id');
    const b = await readObject(c.http);
    await c.svc.quotas.update(c.principal, id, b.hard);
    sendEmpty(c.http, 200);
  });

  r.addExtension('GET', '/quotas/{id}/verify', async (c) => {
    const v = await c.svc.quotas.verify(c.principal, idParam(c, 'id'));
    sendJson(c.http, 200, { id: v.id, used: { storage: v.used }, recount: { storage: v.recount }, drift: { storage: v.drift } });
  });
}
