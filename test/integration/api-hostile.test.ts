// What a hostile client tried on the API (issue 13 items 6, 7 and 9): prototype keys wherever a
// user picks a key, parallel creates of one name, a robot handing out a longer life than its own,
// and a registry ping that would carry the stored credential to another URL.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { admin, api, basicHeader, createProject, createUser, expectApiError, pushImageWith, type ApiReply } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
const PROTO_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

beforeAll(async () => {
  srv = await startTestServer();
  await createProject(srv.url, 'hostile');
  const a = await pushImageWith(srv.url, 'hostile/app', 'v1', basicHeader(admin));
  if (!a.ok) throw new Error(a.text);
});
afterAll(async () => { await srv.close(); });

const robotBody = (kind: 'system' | 'project', resource: string): Record<string, unknown> => ({
  name: `r${Math.random().toString(36).slice(2, 8)}`, level: kind, duration: 1,
  permissions: [{ kind, namespace: kind === 'system' ? '/' : 'hostile', access: [{ resource, action: 'list' }] }],
});

describe('prototype keys never reach a plain object look-up', () => {
  test.each(PROTO_KEYS)('robot permission resource %s: 400 for an admin, 401 anonymously', async (key) => {
    for (const kind of ['system', 'project'] as const) {
      expectApiError(await api(srv.url, 'POST', '/robots', { body: robotBody(kind, key) }), 400, 'BAD_REQUEST');
      expectApiError(await api(srv.url, 'POST', '/robots', { as: null, body: robotBody(kind, key) }), 401, 'UNAUTHORIZED');
    }
  });

  test('a robot PUT with a prototype resource is refused the same way', async () => {
    const r = await api(srv.url, 'POST', '/robots', { body: robotBody('system', 'project') });
    expect(r.status, r.text).toBe(201);
    for (const key of PROTO_KEYS) {
      const body = { ...robotBody('system', key), name: undefined, disable: false };
      expectApiError(await api(srv.url, 'PUT', `/robots/${r.body.id}`, { body }), 400, 'BAD_REQUEST');
    }
  });

  test('project metadata keys', async () => {
    for (const key of PROTO_KEYS) {
      expectApiError(await api(srv.url, 'POST', '/projects/hostile/metadatas', { body: `{"${key}":"true"}` }), 400, 'BAD_REQUEST');
      expectApiError(await api(srv.url, 'GET', `/projects/hostile/metadatas/${key}`), 404, 'NOT_FOUND');
      expectApiError(await api(srv.url, 'PUT', `/projects/hostile/metadatas/${key}`, { body: `{"${key}":"true"}` }), 404, 'NOT_FOUND');
      expectApiError(await api(srv.url, 'DELETE', `/projects/hostile/metadatas/${key}`), 404, 'NOT_FOUND');
      expectApiError(await api(srv.url, 'POST', '/projects', { body: `{"project_name":"p-${key.toLowerCase().replace(/_/g, '')}","metadata":{"${key}":"true"}}` }), 400, 'BAD_REQUEST');
    }
    expect((await api(srv.url, 'GET', '/projects/hostile/metadatas')).body).toEqual({ public: 'false' });
  });

  test('q= and sort= keys on every list', async () => {
    for (const key of PROTO_KEYS) {
      const q = `q=${encodeURIComponent(`${key}=1`)}&sort=${key}`;
      for (const path of ['/projects', '/users', '/robots', '/registries', '/audit-logs', '/projects/hostile/repositories',
        '/projects/hostile/repositories/app/artifacts', '/projects/hostile/repositories/app/artifacts/v1/tags']) {
        const r = await api(srv.url, 'GET', `${path}?${q}`);
        expect(r.status, `${path}?${q}: ${r.text}`).toBe(200);
      }
    }
  });

  test('names in paths: projects, repositories, artifacts, members', async () => {
    for (const key of PROTO_KEYS) {
      expectApiError(await api(srv.url, 'GET', `/projects/${key}`), 404, 'NOT_FOUND');
      expectApiError(await api(srv.url, 'GET', `/projects/hostile/repositories/${key}`), 404, 'NOT_FOUND');
      expectApiError(await api(srv.url, 'GET', `/projects/hostile/repositories/app/artifacts/${key}`, { raw: true }), 404, 'NOT_FOUND');
      expectApiError(await api(srv.url, 'POST', '/projects/hostile/members', { body: { role_id: 2, member_user: { username: key } } }), 404, 'NOT_FOUND');
    }
  });

  test('JSON bodies with a __proto__ key set nothing they should not', async () => {
    const r = await api(srv.url, 'POST', '/users', { body: '{"username":"proto-user","password":"Passw0rdX","email":"p@example.com","__proto__":{"sysadmin_flag":true}}' });
    expect(r.status, r.text).toBe(201);
    const u = await api(srv.url, 'GET', `/users/${r.headers.location.split('/').pop()}`);
    expect(u.body.sysadmin_flag).toBe(false);
    expect(({} as Record<string, unknown>).sysadmin_flag).toBeUndefined();
  });
});

/** Sends the same request n times at once; the statuses, sorted. */
async function parallel(n: number, send: () => Promise<ApiReply>): Promise<number[]> {
  return (await Promise.all(Array.from({ length: n }, send))).map((r) => r.status).sort();
}
const oneCreated = [201, ...new Array(9).fill(409)];

describe('parallel creates of one name: one 201, the rest 409', () => {
  test('users', async () => {
    expect(await parallel(10, () => api(srv.url, 'POST', '/users', { body: { username: 'racer', password: 'Passw0rdX', email: 'r@example.com' } }))).toEqual(oneCreated);
  });

  test('projects', async () => {
    expect(await parallel(10, () => api(srv.url, 'POST', '/projects', { body: { project_name: 'racing' } }))).toEqual(oneCreated);
  });

  test('robots', async () => {
    const body = { ...robotBody('system', 'project'), name: 'racing-robot' };
    expect(await parallel(10, () => api(srv.url, 'POST', '/robots', { body }))).toEqual(oneCreated);
  });

  test('registries', async () => {
    const body = { name: 'racing-registry', type: 'docker-registry', url: 'http://127.0.0.1:9' };
    expect(await parallel(10, () => api(srv.url, 'POST', '/registries', { body }))).toEqual(oneCreated);
  });

  test('a registry renamed to a taken name, in parallel', async () => {
    const ids: number[] = [];
    for (const name of ['ren-a', 'ren-b', 'ren-c']) {
      const r = await api(srv.url, 'POST', '/registries', { body: { name, type: 'docker-registry', url: 'http://127.0.0.1:9' } });
      ids.push(Number(r.headers.location.split('/').pop()));
    }
    const statuses = (await Promise.all(ids.slice(1).map((id) => api(srv.url, 'PUT', `/registries/${id}`, { body: { name: 'ren-taken' } })))).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409]);
  });

  test('members', async () => {
    await createUser(srv.url, 'member-racer');
    expect(await parallel(10, () => api(srv.url, 'POST', '/projects/hostile/members', { body: { role_id: 2, member_user: { username: 'member-racer' } } }))).toEqual(oneCreated);
  });

  test('tags', async () => {
    expect(await parallel(10, () => api(srv.url, 'POST', '/projects/hostile/repositories/app/artifacts/v1/tags', { body: { name: 'racing-tag' } }))).toEqual(oneCreated);
  });
});

describe('decided deliberately (issue 13 item 9)', () => {
  test('a robot with robot:create cannot give a child a longer life than its own', async () => {
    const parent = await api(srv.url, 'POST', '/robots', { body: {
      name: 'parent', level: 'system', duration: 2,
      permissions: [
        { kind: 'system', namespace: '/', access: [{ resource: 'robot', action: 'create' }] },
        { kind: 'project', namespace: '*', access: [{ resource: 'repository', action: 'pull' }] },
      ],
    } });
    expect(parent.status, parent.text).toBe(201);
    const creds = { username: parent.body.name, password: parent.body.secret };
    const childPerms = [{ kind: 'project', namespace: 'hostile', access: [{ resource: 'repository', action: 'pull' }] }];
    for (const duration of [-1, 30]) {
      const child = await api(srv.url, 'POST', '/robots', { as: creds, body: { name: `child${duration < 0 ? 'never' : duration}`, level: 'project', duration, permissions: childPerms } });
      expect(child.status, child.text).toBe(201);
      expect(child.body.expires_at).toBe(parent.body.expires_at);
      const got = await api(srv.url, 'GET', `/robots/${child.body.id}`);
      expect(got.body.expires_at).toBe(parent.body.expires_at);
      // and a PUT by the robot cannot lengthen it either
      expect((await api(srv.url, 'PUT', `/robots/${child.body.id}`, { as: creds, body: { duration: -1, disable: false } })).status).toBe(403);
    }
    // a shorter life is kept as asked
    const short = await api(srv.url, 'POST', '/robots', { as: creds, body: { name: 'childshort', level: 'project', duration: 1, permissions: childPerms } });
    expect(short.body.expires_at).toBeLessThan(parent.body.expires_at);
    // an admin is not capped
    const byAdmin = await api(srv.url, 'POST', '/robots', { body: { name: 'adminchild', level: 'project', duration: -1, permissions: childPerms } });
    expect(byAdmin.body.expires_at).toBe(-1);
  });

  describe('a registry ping never carries the stored credential to another URL', () => {
    interface Recorder { url: string; auth: (string | undefined)[]; close(): Promise<void> }
    async function recorder(): Promise<Recorder> {
      const auth: (string | undefined)[] = [];
      const server = http.createServer((req, res) => {
        auth.push(req.headers.authorization);
        res.writeHead(200, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' });
        res.end('{}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, auth, close: () => new Promise((resolve) => server.close(() => resolve())) };
    }
    let home: Recorder;
    let elsewhere: Recorder;
    let id: number;
    const stored = `Basic ${Buffer.from('stored-user:Stored-S3cret').toString('base64')}`;
    beforeAll(async () => {
      home = await recorder();
      elsewhere = await recorder();
      const r = await api(srv.url, 'POST', '/registries', { body: {
        name: 'with-credential', type: 'docker-registry', url: home.url, credential: { type: 'basic', access_key: 'stored-user', access_secret: 'Stored-S3cret' },
      } });
      expect(r.status, r.text).toBe(201);
      id = Number(r.headers.location.split('/').pop());
    });
    afterAll(async () => { await home.close(); await elsewhere.close(); });

    test('to its own URL, with the stored credential', async () => {
      expect((await api(srv.url, 'POST', '/registries/ping', { body: { id } })).status).toBe(200);
      expect(home.auth).toContain(stored);
    });

    test('to another URL: refused unless the credential is given again, and then only that one is sent', async () => {
      const r = await api(srv.url, 'POST', '/registries/ping', { body: { id, url: elsewhere.url } });
      expectApiError(r, 400, 'BAD_REQUEST');
      expect(r.body.errors[0].message).toMatch(/credential/);
      expect(elsewhere.auth).toEqual([]);
      const masked = await api(srv.url, 'POST', '/registries/ping', { body: { id, url: elsewhere.url, access_key: 'stored-user', access_secret: '*****' } });
      expectApiError(masked, 400, 'BAD_REQUEST');
      expect(elsewhere.auth).toEqual([]);
      const given = `Basic ${Buffer.from('other-user:Other-S3cret').toString('base64')}`;
      expect((await api(srv.url, 'POST', '/registries/ping', { body: { id, url: elsewhere.url, access_key: 'other-user', access_secret: 'Other-S3cret' } })).status).toBe(200);
      expect(elsewhere.auth).toContain(given);
      expect(elsewhere.auth).not.toContain(stored);
      // dropping the credential (empty access_key) is fine too: nothing is sent
      expect((await api(srv.url, 'POST', '/registries/ping', { body: { id, url: elsewhere.url, access_key: '' } })).status).toBe(200);
      expect(elsewhere.auth).not.toContain(stored);
    });
  });
});
