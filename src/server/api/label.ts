// Harbor tag "label": global and project labels (/labels). Putting them on artifacts is in artifact.ts.
import { HarborError } from '../../core/errors.js';
import type { LabelReq } from '../../services/labels.js';
import { sendEmpty, sendJson } from '../context.js';
import { filterByQuery, parseQuery, sendPage, sortBy, type Fields } from './paging.js';
import { idParam, optInteger, optString, readObject, type ApiContext, type ApiRouter } from './router.js';
import type { Label } from '../../storage/meta/index.js';
import { labelResp } from './views.js';

const LABEL_FIELDS: Fields<Label> = {
  id: (l) => l.id, name: (l) => l.name, description: (l) => l.description, color: (l) => l.color, scope: (l) => l.scope,
  project_id: (l) => l.projectId, creation_time: (l) => l.createdAt, update_time: (l) => l.updatedAt,
};

async function labelReq(c: ApiContext): Promise<LabelReq> {
  const b = await readObject(c.http);
  return { name: optString(b, 'name'), description: optString(b, 'description'), color: optString(b, 'color'), scope: optString(b, 'scope'), projectId: optInteger(b, 'project_id') };
}

export function labelRoutes(r: ApiRouter): void {
  r.add('GET', '/labels', async (c) => {
    const pid = c.http.query.get('project_id');
    if (pid !== null && pid !== '' && !/^-?[0-9]{1,15}$/.test(pid)) throw new HarborError('UNPROCESSABLE_ENTITY', 'project_id in query must be of type int64');
    const all = await c.svc.labels.list(c.principal, c.http.query.get('scope'), pid ? Number(pid) : null);
    const q = parseQuery(c.http.query.get('q'));
    const name = c.http.query.get('name');
    // `name` is a fuzzy match, as Harbor's ListLabels makes it.
    if (name) q.set('name', { kind: 'fuzzy', value: name });
    sendPage(c.http, sortBy(filterByQuery(all, q, LABEL_FIELDS), c.http.query.get('sort'), LABEL_FIELDS), labelResp);
  });

  r.add('POST', '/labels', async (c) => {
    const l = await c.svc.labels.create(c.principal, await labelReq(c));
    const path = (c.http.req.url ?? '').split('?')[0].replace(/\/$/, '');
    sendEmpty(c.http, 201, { Location: `${path}/${l.id}` });
  });

  r.add('GET', '/labels/{label_id}', async (c) => {
    sendJson(c.http, 200, labelResp(await c.svc.labels.get(c.principal, idParam(c, 'label_id'))));
  });

  r.add('PUT', '/labels/{label_id}', async (c) => {
    const id = idParam(c, 'label_id');
    await c.svc.labels.update(c.principal, id, await labelReq(c));
    sendEmpty(c.http, 200);
  });

  r.add('DELETE', '/labels/{label_id}', async (c) => {
    await c.svc.labels.delete(c.principal, idParam(c, 'label_id'));
    sendEmpty(c.http, 200);
  });
}
