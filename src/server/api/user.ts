// Harbor tag "user": /users, /users/{user_id}, /users/current, /users/search, password and sysadmin flag.
import { HarborError } from '../../core/errors.js';
import { requireUser } from '../../services/users.js';
import type { User } from '../../storage/meta/index.js';
import { sendEmpty, sendJson } from '../context.js';
import { filterByQuery, parseQuery, sendPage, sortBy } from './paging.js';
import { idParam, optBoolean, optString, readObject, type ApiContext, type ApiRouter } from './router.js';
import { userResp } from './views.js';

const USER_FIELDS: Record<string, (u: User) => string | number | boolean> = {
  username: (u) => u.username, email: (u) => u.email, realname: (u) => u.realname, user_id: (u) => u.id,
  sysadmin_flag: (u) => u.sysadmin, creation_time: (u) => u.createdAt,
};

function requiredString(o: Record<string, unknown>, key: string): string {
  const v = optString(o, key);
  if (!v) throw new HarborError('BAD_REQUEST', `${key} is required`);
  return v;
}

/**
 * A user record as the caller may read it. The caller's own one says admin_role_in_auth when its
 * sign-in made it an admin (the principal is an admin, the stored flag is not), as Harbor's user
 * controller copies AdminRoleInAuth from the security context; sysadmin_flag is the stored flag.
 */
async function userRecord(c: ApiContext, id: number): Promise<Record<string, unknown>> {
  const stored = await c.svc.users.get(c.principal, id);
  const self = c.principal.kind === 'user' && c.principal.user.id === id ? c.principal.user : undefined;
  return userResp(stored, !!self?.sysadmin && !stored.sysadmin);
}

/** The caller's own record; an OIDC user's oidc_user_meta holds its CLI secret (Harbor shows it to the user only). */
async function currentUser(c: ApiContext): Promise<void> {
  const user = requireUser(c.principal);
  const meta = await c.svc.oidc.meta(user);
  sendJson(c.http, 200, { ...(await userRecord(c, user.id)), ...(meta ? { oidc_user_meta: meta } : {}) });
}

export function userRoutes(r: ApiRouter): void {
  r.add('GET', '/users', async (c) => {
    const all = await c.svc.users.list(c.principal);
    const items = sortBy(filterByQuery(all, parseQuery(c.http.query.get('q')), USER_FIELDS), c.http.query.get('sort'), USER_FIELDS);
    sendPage(c.http, items, (u) => userResp(u));
  });
  r.add('POST', '/users', async (c) => {
    const b = await readObject(c.http);
    const u = await c.svc.users.create(c.principal, {
      username: requiredString(b, 'username'), password: requiredString(b, 'password'),
      email: optString(b, 'email'), realname: optString(b, 'realname'), comment: optString(b, 'comment'),
    });
    sendEmpty(c.http, 201, { Location: `/api/v2.0/users/${u.id}` });
  });
  r.add('GET', '/users/current', currentUser);
  r.add('GET', '/users/search', async (c) => {
    const username = c.http.query.get('username');
    if (!username) throw new HarborError('BAD_REQUEST', 'username is required');
    const items = (await c.svc.users.search(c.principal)).filter((u) => u.username.includes(username));
    sendPage(c.http, items, (u) => ({ user_id: u.id, username: u.username }));
  });
  r.add('GET', '/users/{user_id}', async (c) => {
    sendJson(c.http, 200, await userRecord(c, idParam(c, 'user_id')));
  });
  r.add('PUT', '/users/{user_id}', async (c) => {
    const b = await readObject(c.http);
    await c.svc.users.updateProfile(c.principal, idParam(c, 'user_id'), {
      email: optString(b, 'email'), realname: optString(b, 'realname'), comment: optString(b, 'comment'),
    });
    sendEmpty(c.http, 200);
  });
  r.add('DELETE', '/users/{user_id}', async (c) => {
    await c.svc.users.delete(c.principal, idParam(c, 'user_id'));
    sendEmpty(c.http, 200);
  });
  r.add('PUT', '/users/{user_id}/password', async (c) => {
    const b = await readObject(c.http);
    const id = idParam(c, 'user_id');
    const password = requiredString(b, 'new_password');
    await c.svc.users.changePassword(c.principal, id, optString(b, 'old_password'), password);
    const user = await c.svc.stores.identity.getUserById(id);
    if (user) await c.svc.passwordChanged?.(user.username, password);
    sendEmpty(c.http, 200);
  });
  r.add('PUT', '/users/{user_id}/cli_secret', async (c) => {
    const b = await readObject(c.http);
    await c.svc.oidc.setCliSecret(c.principal, idParam(c, 'user_id'), optString(b, 'secret') ?? '');
    sendEmpty(c.http, 200);
  });
  r.add('PUT', '/users/{user_id}/sysadmin', async (c) => {
    const b = await readObject(c.http);
    const flag = optBoolean(b, 'sysadmin_flag');
    if (flag === undefined) throw new HarborError('BAD_REQUEST', 'sysadmin_flag is required');
    await c.svc.users.setSysadmin(c.principal, idParam(c, 'user_id'), flag);
    sendEmpty(c.http, 200);
  });
}
