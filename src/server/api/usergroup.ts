// Harbor tag "usergroup": /usergroups, /usergroups/search, /usergroups/{group_id} (services/usergroups.ts).
import type { UserGroup } from '../../storage/meta/index.js';
import { sendEmpty, sendJson } from '../context.js';
import { sendPage } from './paging.js';
import { idParam, optInteger, optString, readObject, type ApiRouter } from './router.js';

const groupResp = (g: UserGroup): Record<string, unknown> => ({ id: g.id, group_name: g.name, group_type: g.type, ldap_group_dn: g.ldapDn });

export function userGroupRoutes(r: ApiRouter): void {
  r.add('GET', '/usergroups', async (c) => {
    const q = c.http.query;
    const items = await c.svc.usergroups.list(c.principal, { groupName: q.get('group_name') ?? undefined, ldapDn: q.get('ldap_group_dn') ?? undefined });
    sendPage(c.http, items, groupResp);
  });

  r.add('POST', '/usergroups', async (c) => {
    const b = await readObject(c.http);
    const g = await c.svc.usergroups.create(c.principal, { groupName: optString(b, 'group_name'), groupType: b.group_type, ldapGroupDn: optString(b, 'ldap_group_dn') });
    const path = (c.http.req.url ?? '').split('?')[0].replace(/\/$/, '');
    sendEmpty(c.http, 201, { Location: `${path}/${g.id}` });
  });

  r.add('GET', '/usergroups/search', async (c) => {
    const items = await c.svc.usergroups.search(c.principal, c.http.query.get('groupname') ?? '');
    sendPage(c.http, items, (g) => ({ id: g.id, group_name: g.name, group_type: g.type }));
  });

  r.add('GET', '/usergroups/{group_id}', async (c) => {
    sendJson(c.http, 200, groupResp(await c.svc.usergroups.get(c.principal, idParam(c, 'group_id'))));
  });

  r.add('PUT', '/usergroups/{group_id}', async (c) => {
    const id = idParam(c, 'group_id');
    const b = await readObject(c.http, { optional: true });
    optInteger(b, 'group_type'); // type-checked; a group's type and DN do not change (Harbor renames only)
    await c.svc.usergroups.rename(c.principal, id, optString(b, 'group_name'));
    sendEmpty(c.http, 200);
  });

  r.add('DELETE', '/usergroups/{group_id}', async (c) => {
    await c.svc.usergroups.delete(c.principal, idParam(c, 'group_id'));
    sendEmpty(c.http, 200);
  });
}
