// Harbor tag "registry": /registries (list, create), /registries/ping, /registries/{id} (get, PUT
// update, DELETE) and /registries/{id}/info. System administrators only (services/registries.ts).
// A ping of an unhealthy registry answers 400 "the registry is unhealthy", as Harbor's handler does.
import { HarborError } from '../../core/errors.js';
import type { RegistryEndpoint } from '../../storage/meta/index.js';
import { sendEmpty, sendJson } from '../context.js';
import { filterByQuery, pageParams, parseQuery, sendPage, sortBy } from './paging.js';
import { idParam, readObject, type ApiRouter } from './router.js';
import { registryResp } from './views.js';
import { adapterInfos } from '../../services/replication/adapters/index.js';

const REGISTRY_FIELDS: Record<string, (r: RegistryEndpoint) => string | number | boolean | null> = {
  id: (r) => r.id, name: (r) => r.name, type: (r) => r.type, url: (r) => r.url, description: (r) => r.description,
  insecure: (r) => r.insecure, status: (r) => r.status, creation_time: (r) => r.createdAt, update_time: (r) => r.updatedAt,
};

export function registryRoutes(r: ApiRouter): void {
  r.add('GET', '/registries', async (c) => {
    pageParams(c.http);
    const q = parseQuery(c.http.query.get('q'));
    const name = c.http.query.get('name'); // deprecated by Harbor in favour of q=name=~...
    if (name && !q.has('name')) q.set('name', { kind: 'fuzzy', value: name });
    const items = sortBy(filterByQuery(await c.svc.registries.list(c.principal), q, REGISTRY_FIELDS), c.http.query.get('sort'), REGISTRY_FIELDS);
    sendPage(c.http, items, registryResp);
  });

  r.add('POST', '/registries', async (c) => {
    const b = await readObject(c.http);
    const reg = await c.svc.registries.create(c.principal, b);
    sendEmpty(c.http, 201, { Location: `/api/v2.0/registries/${reg.id}` });
  });

  r.add('POST', '/registries/ping', async (c) => {
    const b = await readObject(c.http);
    const res = await c.svc.registries.ping(c.principal, b);
    if (!res.healthy) throw new HarborError('BAD_REQUEST', `the registry is unhealthy: ${res.reason}`);
    sendEmpty(c.http, 200);
  });

  r.add('GET', '/registries/{id}', async (c) => {
    sendJson(c.http, 200, registryResp(await c.svc.registries.get(c.principal, idParam(c, 'id'))));
  });

  r.add('PUT', '/registries/{id}', async (c) => {
    const id = idParam(c, 'id');
    const b = await readObject(c.http);
    await c.svc.registries.update(c.principal, id, b);
    sendEmpty(c.http, 200);
  });

  r.add('DELETE', '/registries/{id}', async (c) => {
    await c.svc.registries.delete(c.principal, idParam(c, 'id'));
    sendEmpty(c.http, 200);
  });

  // What the type's replication adapter declares (Harbor's native adapter's for a type without one).
  r.add('GET', '/registries/{id}/info', async (c) => {
    const reg = await c.svc.registries.get(c.principal, idParam(c, 'id'));
    const info = adapterInfos()[reg.type];
    sendJson(c.http, 200, {
      type: reg.type, description: reg.description,
      supported_resource_filters: info?.supported_resource_filters ?? [{ type: 'name', style: 'input' }, { type: 'tag', style: 'input' }],
      supported_triggers: info?.supported_triggers ?? ['manual', 'scheduled'],
      ...(info?.supported_copy_by_chunk !== undefined ? { supported_copy_by_chunk: info.supported_copy_by_chunk } : {}),
    });
  });
}
