// /api/v2.0 projects, project metadata and members, on a real server.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addMember, api, createProject, createUser, expectApiError } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
const owner = { username: 'owner', password: 'Owner12345' };
const other = { username: 'other', password: 'Other12345' };
beforeAll(async () => {
  srv = await startTestServer();
  await createUser(srv.url, owner.username, owner.password);
  await createUser(srv.url, other.username, other.password);
});
afterAll(async () => { await srv.close(); });

describe('projects', () => {
  test('library exists and is public', async () => {
    const r = await api(srv.url, 'GET', '/projects/library', { as: null });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: 'library', metadata: { public: 'true' }, owner_name: 'admin', repo_count: 0 });
  });

  test('create → 201 Location by id (or by name with X-Resource-Name-In-Location); the creator is project admin', async () => {
    const r = await api(srv.url, 'POST', '/projects', { as: owner, body: { project_name: 'team-a', metadata: { public: 'false', auto_scan: 'true' }, storage_limit: 1073741824 } });
    expect(r.status).toBe(201);
    expect(r.headers.location).toMatch(/^\/api\/v2\.0\/projects\/\d+$/);
    const id = Number(r.headers.location.split('/').pop());
    const got = await api(srv.url, 'GET', `/projects/${id}`, { as: owner });
    expect(got.body).toMatchObject({
      project_id: id, name: 'team-a', owner_name: 'owner', metadata: { public: 'false', auto_scan: 'true' },
      current_user_role_id: 1, current_user_role_ids: [1], deleted: false, repo_count: 0,
    });
    const byName = await api(srv.url, 'POST', '/projects', { as: owner, headers: { 'x-resource-name-in-location': 'true' }, body: { project_name: 'team-b' } });
    expect(byName.headers.location).toBe('/api/v2.0/projects/team-b');
    const summary = await api(srv.url, 'GET', '/projects/team-a/summary', { as: owner });
    expect(summary.body).toMatchObject({ repo_count: 0, project_admin_count: 1, developer_count: 0, quota: { hard: { storage: 1073741824 } } });
  });

  test('a name is taken once (409); bad names and bodies are 400; anonymous creation is 401', async () => {
    await createProject(srv.url, 'dup');
    expectApiError(await api(srv.url, 'POST', '/projects', { body: { project_name: 'dup' } }), 409, 'CONFLICT');
    expectApiError(await api(srv.url, 'POST', '/projects', { body: { project_name: 'Upper' } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/projects', { body: { project_name: '' } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/projects', { body: { project_name: 'x1', metadata: { public: 'maybe' } } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/projects', { body: { project_name: 'x1', metadata: { nonsense: 'true' } } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/projects', { body: { project_name: 'x1', storage_limit: 'big' } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/projects', { as: null, body: { project_name: 'anon' } }), 401, 'UNAUTHORIZED');
  });

  test('HEAD ?project_name= is 200 for a project and 404 otherwise', async () => {
    expect((await api(srv.url, 'HEAD', '/projects?project_name=library', { as: null })).status).toBe(200);
    expect((await api(srv.url, 'HEAD', '/projects?project_name=no-such', { as: null })).status).toBe(404);
  });

  test('X-Is-Resource-Name: a numeric name is looked up as a name', async () => {
    const id = await createProject(srv.url, '12345');
    expect((await api(srv.url, 'GET', '/projects/12345', { headers: { 'x-is-resource-name': 'true' } })).body.project_id).toBe(id);
    const asId = await api(srv.url, 'GET', '/projects/12345');
    expect(asId.status === 404 || asId.body.project_id !== id).toBe(true);
  });

  test('list: admin sees all, a user sees public ones and its own, anonymous sees public ones; filters', async () => {
    await createProject(srv.url, 'list-private');
    await createProject(srv.url, 'list-public', { public: true });
    const names = (r: { body: { name: string }[] }): string[] => r.body.map((p) => p.name);
    const all = await api(srv.url, 'GET', '/projects?page_size=100');
    expect(names(all)).toEqual(expect.arrayContaining(['library', 'list-private', 'list-public']));
    const mine = await api(srv.url, 'GET', '/projects?page_size=100', { as: other });
    expect(names(mine)).toContain('list-public');
    expect(names(mine)).not.toContain('list-private');
    const anon = await api(srv.url, 'GET', '/projects?page_size=100', { as: null });
    expect(names(anon)).not.toContain('list-private');
    expect(names(await api(srv.url, 'GET', '/projects?name=list-'))).toEqual(['list-private', 'list-public']);
    expect(names(await api(srv.url, 'GET', '/projects?name=list-&public=true'))).toEqual(['list-public']);
    expect(names(await api(srv.url, 'GET', `/projects?q=${encodeURIComponent('name=~list-p')}&sort=-name`))).toEqual(['list-public', 'list-private']);
    expect(names(await api(srv.url, 'GET', '/projects?q=name%3Dlist-public'))).toEqual(['list-public']);
    const paged = await api(srv.url, 'GET', '/projects?name=list-&page_size=1');
    expect(paged.headers['x-total-count']).toBe('2');
    expect(paged.headers.link).toContain('rel="next"');
  });

  test('update metadata and public; a non-member gets 403 on a private project, anonymous 401', async () => {
    await createProject(srv.url, 'upd', { as: owner });
    expect((await api(srv.url, 'PUT', '/projects/upd', { as: owner, body: { metadata: { public: 'true', severity: 'high' } } })).status).toBe(200);
    expect((await api(srv.url, 'GET', '/projects/upd', { as: null })).body.metadata).toEqual({ public: 'true', severity: 'high' });
    expect((await api(srv.url, 'PUT', '/projects/upd', { as: owner, body: { metadata: { public: 'false' } } })).status).toBe(200);
    expectApiError(await api(srv.url, 'GET', '/projects/upd', { as: other }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/projects/upd', { as: null }), 401, 'UNAUTHORIZED');
    expectApiError(await api(srv.url, 'PUT', '/projects/upd', { as: other, body: { metadata: { public: 'true' } } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/projects/no-such'), 404, 'NOT_FOUND');
  });

  test('metadatas: list, add, get, update, delete', async () => {
    await createProject(srv.url, 'meta', { as: owner });
    expect((await api(srv.url, 'GET', '/projects/meta/metadatas/', { as: owner })).body).toEqual({ public: 'false' });
    expect((await api(srv.url, 'POST', '/projects/meta/metadatas/', { as: owner, body: { auto_scan: 'true' } })).status).toBe(200);
    expect((await api(srv.url, 'GET', '/projects/meta/metadatas/auto_scan', { as: owner })).body).toEqual({ auto_scan: 'true' });
    expect((await api(srv.url, 'PUT', '/projects/meta/metadatas/auto_scan', { as: owner, body: { auto_scan: 'false' } })).status).toBe(200);
    expect((await api(srv.url, 'PUT', '/projects/meta/metadatas/public', { as: owner, body: { public: 'true' } })).status).toBe(200);
    expect((await api(srv.url, 'GET', '/projects/meta/metadatas/', { as: owner })).body).toEqual({ public: 'true', auto_scan: 'false' });
    expect((await api(srv.url, 'DELETE', '/projects/meta/metadatas/auto_scan', { as: owner })).status).toBe(200);
    expectApiError(await api(srv.url, 'GET', '/projects/meta/metadatas/auto_scan', { as: owner }), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'DELETE', '/projects/meta/metadatas/public', { as: owner }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'PUT', '/projects/meta/metadatas/severity', { as: owner, body: { auto_scan: 'x' } }), 400, 'BAD_REQUEST');
  });

  test('delete: an empty project goes (200), then 404', async () => {
    await createProject(srv.url, 'gone', { as: owner });
    expectApiError(await api(srv.url, 'DELETE', '/projects/gone', { as: other }), 403, 'FORBIDDEN');
    expect((await api(srv.url, 'DELETE', '/projects/gone', { as: owner })).status).toBe(200);
    expectApiError(await api(srv.url, 'DELETE', '/projects/gone', { as: owner }), 404, 'NOT_FOUND');
    expect((await api(srv.url, 'HEAD', '/projects?project_name=gone')).status).toBe(404);
  });
});

describe('members', () => {
  test('add by username or user_id (201 + Location), list, get, update, remove', async () => {
    await createProject(srv.url, 'crew', { as: owner });
    const carolId = await createUser(srv.url, 'carol', 'Carol12345');
    await createUser(srv.url, 'dan', 'Dan123456');
    const add = await api(srv.url, 'POST', '/projects/crew/members', { as: owner, body: { role_id: 2, member_user: { username: 'dan' } } });
    expect(add.status).toBe(201);
    expect(add.headers.location).toMatch(/^\/api\/v2\.0\/projects\/crew\/members\/\d+$/);
    const mid = Number(add.headers.location.split('/').pop());
    const carolMid = await addMember(srv.url, 'crew', 'carol', 5);
    expect((await api(srv.url, 'POST', '/projects/crew/members', { body: { role_id: 3, member_user: { user_id: carolId } } })).status).toBe(409);

    const list = await api(srv.url, 'GET', '/projects/crew/members', { as: owner });
    expect(list.body.map((m: { entity_name: string; role_id: number; role_name: string }) => [m.entity_name, m.role_id, m.role_name])).toEqual([
      ['owner', 1, 'projectAdmin'], ['dan', 2, 'developer'], ['carol', 5, 'limitedGuest'],
    ]);
    expect(list.headers['x-total-count']).toBe('3');
    expect((await api(srv.url, 'GET', '/projects/crew/members?entityname=da', { as: owner })).body).toHaveLength(1);

    const one = await api(srv.url, 'GET', `/projects/crew/members/${mid}`, { as: owner });
    expect(one.body).toMatchObject({ id: mid, entity_name: 'dan', entity_type: 'u', role_id: 2 });
    expect((await api(srv.url, 'PUT', `/projects/crew/members/${mid}`, { as: owner, body: { role_id: 4 } })).status).toBe(200);
    expect((await api(srv.url, 'GET', `/projects/crew/members/${mid}`, { as: owner })).body.role_name).toBe('maintainer');
    expect((await api(srv.url, 'GET', '/projects/crew/summary', { as: owner })).body).toMatchObject({ project_admin_count: 1, maintainer_count: 1, limited_guest_count: 1 });

    // a limited guest may not list members; a maintainer may list but not add
    expectApiError(await api(srv.url, 'GET', '/projects/crew/members', { as: { username: 'carol', password: 'Carol12345' } }), 403, 'FORBIDDEN');
    expect((await api(srv.url, 'GET', '/projects/crew/members', { as: { username: 'dan', password: 'Dan123456' } })).status).toBe(200);
    expectApiError(await api(srv.url, 'POST', '/projects/crew/members', { as: { username: 'dan', password: 'Dan123456' }, body: { role_id: 1, member_user: { username: 'other' } } }), 403, 'FORBIDDEN');

    expect((await api(srv.url, 'DELETE', `/projects/crew/members/${carolMid}`, { as: owner })).status).toBe(200);
    expectApiError(await api(srv.url, 'DELETE', `/projects/crew/members/${carolMid}`, { as: owner }), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'GET', `/projects/crew/members/${carolMid}`, { as: owner }), 404, 'NOT_FOUND');
  });

  test('bad role ids, unknown users and group members are refused', async () => {
    await createProject(srv.url, 'strict');
    expectApiError(await api(srv.url, 'POST', '/projects/strict/members', { body: { role_id: 6, member_user: { username: 'other' } } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/projects/strict/members', { body: { role_id: 2, member_user: { username: 'ghost' } } }), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'POST', '/projects/strict/members', { body: { role_id: 2 } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/projects/strict/members', { body: { role_id: 2, member_group: { group_name: 'g' } } }), 400, 'BAD_REQUEST');
    const mid = await addMember(srv.url, 'strict', 'other', 3);
    expectApiError(await api(srv.url, 'PUT', `/projects/strict/members/${mid}`, { body: { role_id: 0 } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'PUT', '/projects/strict/members/99999', { body: { role_id: 2 } }), 404, 'NOT_FOUND');
  });

  test('a deleted user loses its memberships', async () => {
    await createProject(srv.url, 'leavers');
    const id = await createUser(srv.url, 'leaver', 'Leaver1234');
    await addMember(srv.url, 'leavers', 'leaver', 2);
    expect((await api(srv.url, 'DELETE', `/users/${id}`)).status).toBe(200);
    const list = await api(srv.url, 'GET', '/projects/leavers/members');
    expect(list.body.map((m: { entity_name: string }) => m.entity_name)).toEqual(['admin']);
  });
});
