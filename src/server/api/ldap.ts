// Harbor tag "Ldap": /ldap/ping, /ldap/users/search, /ldap/users/import, /ldap/groups/search (services/ldap.ts).
import { HarborError } from '../../core/errors.js';
import type { LdapPingRequest } from '../../services/ldap.js';
import { sendEmpty, sendJson } from '../context.js';
import { optBoolean, optInteger, optString, readObject, type ApiRouter } from './router.js';

const MAX_IMPORT = 1000;

export function ldapRoutes(r: ApiRouter): void {
  r.add('POST', '/ldap/ping', async (c) => {
    const b = await readObject(c.http, { optional: true });
    const req: LdapPingRequest = {
      ldap_url: optString(b, 'ldap_url'), ldap_search_dn: optString(b, 'ldap_search_dn'), ldap_search_password: optString(b, 'ldap_search_password'),
      ldap_base_dn: optString(b, 'ldap_base_dn'), ldap_filter: optString(b, 'ldap_filter'), ldap_uid: optString(b, 'ldap_uid'),
      ldap_scope: optInteger(b, 'ldap_scope'), ldap_connection_timeout: optInteger(b, 'ldap_connection_timeout'), ldap_verify_cert: optBoolean(b, 'ldap_verify_cert'),
    };
    sendJson(c.http, 200, await c.svc.ldap.ping(c.principal, req));
  });

  r.add('GET', '/ldap/users/search', async (c) => {
    const users = await c.svc.ldap.searchUsers(c.principal, c.http.query.get('username') ?? '');
    sendJson(c.http, 200, users.map((u) => ({ username: u.username, realname: u.realname, email: u.email })));
  });

  r.add('GET', '/ldap/groups/search', async (c) => {
    const q = c.http.query;
    const groups = await c.svc.ldap.searchGroups(c.principal, { groupName: q.get('groupname') ?? undefined, groupDn: q.get('groupdn') ?? undefined });
    sendJson(c.http, 200, groups.map((g) => ({ group_name: g.name, group_type: 1, ldap_group_dn: g.dn })));
  });

  r.add('POST', '/ldap/users/import', async (c) => {
    const b = await readObject(c.http);
    const list = b.ldap_uid_list;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_IMPORT || !list.every((x) => typeof x === 'string')) {
      throw new HarborError('BAD_REQUEST', `ldap_uid_list must be 1 to ${MAX_IMPORT} strings`);
    }
    const failed = await c.svc.ldap.importUsers(c.principal, list as string[]);
    // Harbor answers 404 with the uids it could not import.
    if (failed.length) sendJson(c.http, 404, failed);
    else sendEmpty(c.http, 200);
  });
}
