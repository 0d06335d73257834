// /users (swagger tag "user"). A user is named by user name or numeric id.
import { HarborError } from '../core/errors.js';
import { seg, type HarborClient, type ListResult, type PageOptions } from './http.js';
import { notFound } from './projects.js';
import type { User, UserCreationReq } from './types.js';

export async function currentUser(c: HarborClient): Promise<User> {
  return (await c.request<User>('GET', '/users/current')).data;
}

/** Harbor's GET /c/log_out: the server records the logout of the user the credentials name. */
export async function logOut(c: HarborClient): Promise<void> {
  await c.request('GET', '/c/log_out', { headers: { accept: '*/*' } });
}

export function listUsers(c: HarborClient, filter: { username?: string } = {}, page?: PageOptions): Promise<ListResult<User>> {
  // q=username=~x is Harbor's fuzzy match (harbor-notes §2.2).
  return c.list<User>('/users', { q: filter.username ? `username=~${filter.username}` : undefined }, page);
}

export async function getUser(c: HarborClient, id: number): Promise<User> {
  try {
    return (await c.request<User>('GET', `/users/${seg(id)}`)).data;
  } catch (e) {
    throw notFound(e, `user ${id} not found`);
  }
}

/** A user by name (exact match) or numeric id. */
export async function findUser(c: HarborClient, user: string): Promise<User> {
  if (/^\d+$/.test(user)) return getUser(c, Number(user));
  const { items } = await c.list<User>('/users', { q: `username=${user}` }, { pageSize: 0 });
  const found = items.find((u) => u.username === user);
  if (!found) throw new HarborError('NOT_FOUND', `user ${user} not found`);
  return found;
}

export async function createUser(c: HarborClient, req: UserCreationReq): Promise<User> {
  await c.request('POST', '/users', { body: req });
  return findUser(c, req.username);
}

export async function deleteUser(c: HarborClient, id: number): Promise<void> {
  try {
    await c.request('DELETE', `/users/${seg(id)}`);
  } catch (e) {
    throw notFound(e, `user ${id} not found`);
  }
}

/** PUT /users/{id}/cli_secret (OIDC users): '' makes the server generate one. */
export async function setCliSecret(c: HarborClient, id: number, secret: string): Promise<void> {
  await c.request('PUT', `/users/${seg(id)}/cli_secret`, { body: { secret } });
}

/** PUT /users/{id}/password; an admin changing someone else's password sends no old password. */
export async function changePassword(c: HarborClient, id: number, req: { old_password?: string; new_password: string }): Promise<void> {
  await c.request('PUT', `/users/${seg(id)}/password`, { body: req });
}
