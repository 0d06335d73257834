// User groups and group members of projects on a real server (issue 17): /usergroups CRUD and
// search, who may use them, project members by member_group, and a user's role through its groups.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { admin, api, basicHeader, createProject, createUser, expectApiError, getToken, type Creds } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
const bob: Creds = { username: 'ug-bob', password: 'Bob1234567' };
let bobId: number;

beforeAll(async () => {
  srv = await startTestServer();
  bobId = await createUser(srv.url, bob.username, bob.password);
  await createProject(srv.url, 'ug-proj');
});
afterAll(async () => { await srv.close(); });

async function createGroup(body: unknown, as: Creds = admin): Promise<number> {
  const r = await api(srv.url, 'POST', '/usergroups', { body, as });
  expect(r.status, r.text).toBe(201);
  expect(r.headers.location).toMatch(/^\/api\/v2\.0\/usergroups\/[0-9]+$/);
  return Number(r.headers.location.split('/').pop());
}

describe('/usergroups', () => {
  test('create, get, list with a name filter, rename, delete', async () => {
    const id = await createGroup({ group_name: 'platform', group_type: 3 });
    await createGroup({ group_name: 'platform', group_type: 2 });
    expect((await api(srv.url, 'GET', `/usergroups/${id}`)).body).toEqual({ id, group_name: 'platform', group_type: 3, ldap_group_dn: '' });
    expectApiError(await api(srv.url, 'POST', '/usergroups', { body: { group_name: 'platform', group_type: 3 } }), 409, 'CONFLICT');
    const listed = await api(srv.url, 'GET', '/usergroups?group_name=plat');
    expect(listed.headers['x-total-count']).toBe('2');
    expect((await api(srv.url, 'PUT', `/usergroups/${id}`, { body: { group_name: 'platform-team' } })).status).toBe(200);
    expect((await api(srv.url, 'GET', `/usergroups/${id}`)).body.group_name).toBe('platform-team');
    expect((await api(srv.url, 'DELETE', `/usergroups/${id}`)).status).toBe(200);
    expectApiError(await api(srv.url, 'GET', `/usergroups/${id}`), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'DELETE', `/usergroups/${id}`), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'PUT', `/usergroups/${id}`, { body: { group_name: 'x' } }), 404, 'NOT_FOUND');
  });

  test('search is for every signed-in user and shows no DN; the rest is for system admins', async () => {
    await createGroup({ group_name: 'searchable', group_type: 3 });
    const found = await api(srv.url, 'GET', '/usergroups/search?groupname=searcha', { as: bob });
    expect(found.status).toBe(200);
    expect(found.body).toEqual([{ id: expect.any(Number), group_name: 'searchable', group_type: 3 }]);
    expectApiError(await api(srv.url, 'GET', '/usergroups/search?groupname=s', { as: null }), 401, 'UNAUTHORIZED');
    expectApiError(await api(srv.url, 'GET', '/usergroups/search', { as: bob }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'GET', '/usergroups', { as: bob }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/usergroups', { as: null }), 401, 'UNAUTHORIZED');
    expectApiError(await api(srv.url, 'POST', '/usergroups', { as: bob, body: { group_name: 'mine', group_type: 3 } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', `/usergroups/${found.body[0].id}`, { as: bob }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'DELETE', `/usergroups/${found.body[0].id}`, { as: bob }), 403, 'FORBIDDEN');
  });

  test('bad input is 400: no name, a long name, a type that is no group type, an LDAP group with no directory', async () => {
    for (const body of [
      { group_type: 3 }, { group_name: '', group_type: 3 }, { group_name: 'x'.repeat(256), group_type: 3 },
      { group_name: 'x', group_type: 4 }, { group_name: 'x', group_type: '3' }, { group_name: 'x' }, { group_name: 7, group_type: 3 },
      { group_name: 'ldap', group_type: 1, ldap_group_dn: 'cn=devs,dc=example,dc=org' }, { group_name: 'ldap', group_type: 1 },
    ]) {
      expectApiError(await api(srv.url, 'POST', '/usergroups', { body }), 400, 'BAD_REQUEST');
    }
    expectApiError(await api(srv.url, 'GET', '/usergroups/0'), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'PUT', '/usergroups/1', { body: {} }), 400, 'BAD_REQUEST');
  });
});

describe('group members of a project', () => {
  test('a group is added by id or by name and type, listed as entity_type g, and its role reaches its users', async () => {
    const gid = await createGroup({ group_name: 'deployers', group_type: 3 });
    await createGroup({ group_name: 'readers', group_type: 2 });
    const add = await api(srv.url, 'POST', '/projects/ug-proj/members', { body: { role_id: 2, member_group: { id: gid } } });
    expect(add.status, add.text).toBe(201);
    const mid = Number(add.headers.location.split('/').pop());
    expect((await api(srv.url, 'POST', '/projects/ug-proj/members', { body: { role_id: 3, member_group: { group_name: 'readers', group_type: 2 } } })).status).toBe(201);
    expectApiError(await api(srv.url, 'POST', '/projects/ug-proj/members', { body: { role_id: 3, member_group: { id: gid } } }), 409, 'CONFLICT');
    expectApiError(await api(srv.url, 'POST', '/projects/ug-proj/members', { body: { role_id: 3, member_group: { id: 99999 } } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/projects/ug-proj/members', { body: { role_id: 3, member_group: { group_name: 'nope', group_type: 3 } } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/projects/ug-proj/members', { body: { role_id: 3, member_group: 'deployers' } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/projects/ug-proj/members', { body: { role_id: 3 } }), 400, 'BAD_REQUEST');
    const members = (await api(srv.url, 'GET', '/projects/ug-proj/members')).body;
    expect(members).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: mid, entity_name: 'deployers', entity_type: 'g', entity_id: gid, role_id: 2, role_name: 'developer' }),
      expect.objectContaining({ entity_name: 'readers', entity_type: 'g', role_id: 3 }),
    ]));
    expect((await api(srv.url, 'GET', '/projects/ug-proj/members?entityname=deploy')).body).toHaveLength(1);
    expect((await api(srv.url, 'GET', `/projects/ug-proj/members/${mid}`)).body).toMatchObject({ entity_type: 'g', entity_name: 'deployers' });

    // Not in the group: no access. In it: developer, in the API and in registry token scopes.
    expectApiError(await api(srv.url, 'GET', '/projects/ug-proj', { as: bob }), 403, 'FORBIDDEN');
    await srv.app.stores.groups.setUserGroups(bobId, [gid]);
    const p = await api(srv.url, 'GET', '/projects/ug-proj', { as: bob });
    expect(p.status).toBe(200);
    expect(p.body.current_user_role_id).toBe(2);
    expect((await getToken(srv.url, ['repository:ug-proj/app:pull,push,delete'], bob)).claims?.access[0].actions.sort()).toEqual(['pull', 'push']);
    // A higher role of the user's own wins; a lower one does not take the group's away.
    const own = await api(srv.url, 'POST', '/projects/ug-proj/members', { body: { role_id: 5, member_user: { username: bob.username } } });
    expect(own.status, own.text).toBe(201);
    expect((await api(srv.url, 'GET', '/projects/ug-proj', { as: bob })).body.current_user_role_id).toBe(2);
    expect((await api(srv.url, 'PUT', `/projects/ug-proj/members/${mid}`, { body: { role_id: 1 } })).status).toBe(200);
    expect((await getToken(srv.url, ['repository:ug-proj/app:pull,push,delete'], bob)).claims?.access[0].actions.sort()).toEqual(['delete', 'pull', 'push']);
    // Deleting the group takes its membership with it.
    expect((await api(srv.url, 'DELETE', `/usergroups/${gid}`)).status).toBe(200);
    expect((await api(srv.url, 'GET', '/projects/ug-proj', { as: bob })).body.current_user_role_id).toBe(5);
    expect((await api(srv.url, 'GET', '/projects', { as: bob, headers: basicHeader(bob) })).body.map((x: { name: string }) => x.name)).toContain('ug-proj');
  });
});
