// Harbor tag "immutable": /projects/{project_name_or_id}/immutabletagrules[/{immutable_rule_id}]
// (list, create, PUT to update or enable/disable, delete).
import { sendEmpty } from '../context.js';
import { sendPage } from './paging.js';
import { projectParam } from './project.js';
import { idParam, readObject, type ApiRouter } from './router.js';

const RULES = '/projects/{project_name_or_id}/immutabletagrules';

export function immutableRoutes(r: ApiRouter): void {
  r.add('GET', RULES, async (c) => {
    const p = await projectParam(c);
    sendPage(c.http, await c.svc.immutable.list(c.principal, p), (x) => x);
  });

  r.add('POST', RULES, async (c) => {
    const p = await projectParam(c);
    const id = await c.svc.immutable.create(c.principal, p, await readObject(c.http));
    const path = (c.http.req.url ?? '').split('?')[0].replace(/\/$/, '');
    sendEmpty(c.http, 201, { Location: `${path}/${id}` });
  });

  r.add('PUT', `${RULES}/{immutable_rule_id}`, async (c) => {
    const p = await projectParam(c);
    await c.svc.immutable.update(c.principal, p, idParam(c, 'immutable_rule_id'), await readObject(c.http));
    sendEmpty(c.http, 200);
  });

  r.add('DELETE', `${RULES}/{immutable_rule_id}`, async (c) => {
    const p = await projectParam(c);
    await c.svc.immutable.delete(c.principal, p, idParam(c, 'immutable_rule_id'));
    sendEmpty(c.http, 200);
  });
}
