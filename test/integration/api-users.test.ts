// /api/v2.0 users, ping, health, systeminfo and the first-start files, on a real server.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_PASSWORD, admin, api, createUser, expectApiError, http } from '../helpers/api.js';
import { HARBORCTL_BIN, spawnCli } from '../helpers/cli.js';
import { track, untrack } from '../helpers/registry-process.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
beforeAll(async () => { srv = await startTestServer(); });
afterAll(async () => { await srv.close(); });

describe('first start', () => {
  test('admin.password and server.json are 0600 (the keys are in the database), server.json names the listening URL', async () => {
    expect(await readFile(join(srv.dataDir, 'admin.password'), 'utf8')).toBe(`${ADMIN_PASSWORD}\n`);
    for (const f of ['admin.password', 'server.json']) {
      expect(((await stat(join(srv.dataDir, f))).mode & 0o777).toString(8), f).toBe('600');
    }
    expect(JSON.parse(await readFile(join(srv.dataDir, 'server.json'), 'utf8'))).toEqual({ url: srv.url });
  });

  // serve starts the admin's password hash before it loads the server (src/server/bootstrap.ts
  // firstStartAdmin): the process, as users start it.
  test('serve with a HARBOR_ADMIN_PASSWORD that breaks the policy: exit 2, one line, no database made', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'harborctl-weak-admin-'));
    try {
      const env = { ...process.env, HARBOR_ADMIN_PASSWORD: 'weak' };
      const r = await spawnCli(env, ['serve', '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'data'), '--metrics-listen', 'off']);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
        code: 2, stdout: '',
        stderr: 'harborctl: the password must be 8 to 128 characters long with at least one upper-case letter, one lower-case letter and one digit\n',
      });
      expect(await readdir(join(dir, 'data'))).not.toContain('registry.db');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('serve without HARBOR_ADMIN_PASSWORD prints the generated one once, keeps it in admin.password, and it signs in', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'harborctl-generated-admin-'));
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.HARBOR_ADMIN_PASSWORD;
    const child = spawn(HARBORCTL_BIN, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dir, '--metrics-listen', 'off'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    track(child.pid!);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { out += s; });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const check = (): void => {
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1]!);
        };
        child.stdout.on('data', check);
        child.stderr.on('data', check);
        void exited.then((code) => reject(new Error(`serve exited (${code}) before listening:\n${out}`)));
      });
      const pw = (await readFile(join(dir, 'admin.password'), 'utf8')).trim();
      expect(pw).toMatch(/^Hc[A-Za-z0-9_-]{24}9$/);
      expect(out.split(pw).length - 1).toBe(1);
      expect((await http(url, 'GET', '/api/v2.0/users/current', { as: { username: 'admin', password: pw } })).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      untrack(child.pid!);
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the admin is user 1, a system admin', async () => {
    const r = await api(srv.url, 'GET', '/users/current');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ user_id: 1, username: 'admin', sysadmin_flag: true, admin_role_in_auth: false });
    expect(r.body).not.toHaveProperty('password');
  });
});

describe('ping, health, systeminfo', () => {
  test('GET /ping answers Pong to anybody', async () => {
    const r = await api(srv.url, 'GET', '/ping', { as: null });
    expect(r.status).toBe(200);
    expect(r.text).toBe('Pong');
  });

  test('GET /health reports healthy components', async () => {
    const r = await api(srv.url, 'GET', '/health', { as: null });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('healthy');
    expect(r.body.components.map((c: { name: string }) => c.name)).toContain('database');
  });

  test('GET /systeminfo: the public subset anonymously, more when signed in', async () => {
    const anon = await api(srv.url, 'GET', '/systeminfo', { as: null });
    expect(anon.status).toBe(200);
    expect(anon.body).toMatchObject({ auth_mode: 'db_auth', self_registration: false });
    expect(anon.body).not.toHaveProperty('registry_url');
    const me = await api(srv.url, 'GET', '/systeminfo');
    expect(me.body).toMatchObject({ registry_url: new URL(srv.url).host, project_creation_restriction: 'everyone' });
  });

  test('X-Request-Id is echoed when given and generated otherwise', async () => {
    const given = await api(srv.url, 'GET', '/ping', { as: null, headers: { 'x-request-id': 'req-123' } });
    expect(given.headers['x-request-id']).toBe('req-123');
    const made = await api(srv.url, 'GET', '/ping', { as: null });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('an unknown endpoint is 404 and a wrong method 405, in Harbor\'s envelope', async () => {
    expectApiError(await api(srv.url, 'GET', '/nothing-here', { raw: true }), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'PATCH', '/users', { raw: true }), 405, 'METHOD_NOT_ALLOWED');
  });
});

describe('users', () => {
  test('create → 201 with Location; get, list, update, delete', async () => {
    const created = await api(srv.url, 'POST', '/users', { body: { username: 'alice', password: 'Alice12345', email: 'alice@example.com', realname: 'Alice A', comment: 'hi' } });
    expect(created.status).toBe(201);
    expect(created.headers.location).toMatch(/^\/api\/v2\.0\/users\/\d+$/);
    const id = Number(created.headers.location.split('/').pop());

    const got = await api(srv.url, 'GET', `/users/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ user_id: id, username: 'alice', email: 'alice@example.com', realname: 'Alice A', comment: 'hi', sysadmin_flag: false });

    expect((await api(srv.url, 'PUT', `/users/${id}`, { body: { realname: 'Alice B', email: 'b@example.com' } })).status).toBe(200);
    expect((await api(srv.url, 'GET', `/users/${id}`)).body).toMatchObject({ realname: 'Alice B', email: 'b@example.com', comment: 'hi' });

    const list = await api(srv.url, 'GET', '/users');
    expect(list.status).toBe(200);
    expect(list.body.map((u: { username: string }) => u.username)).toEqual(['admin', 'alice']);
    expect(list.headers['x-total-count']).toBe('2');

    expect((await api(srv.url, 'DELETE', `/users/${id}`)).status).toBe(200);
    expectApiError(await api(srv.url, 'GET', `/users/${id}`), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'DELETE', `/users/${id}`), 404, 'NOT_FOUND');
  });

  test('a taken username is 409; a weak password, a bad name or a missing field is 400', async () => {
    await createUser(srv.url, 'taken');
    expectApiError(await api(srv.url, 'POST', '/users', { body: { username: 'taken', password: 'Passw0rdX' } }), 409, 'CONFLICT');
    expectApiError(await api(srv.url, 'POST', '/users', { body: { username: 'weak', password: 'short' } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/users', { body: { username: 'weak', password: 'alllowercase1' } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/users', { body: { username: 'bad name', password: 'Passw0rdX' } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/users', { body: { password: 'Passw0rdX' } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/users', { body: '{not json' }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/users', { body: { username: 'x1', password: 'Passw0rdX', email: 'no-at-sign' } }), 400, 'BAD_REQUEST');
  });

  test('only a system admin manages users; a user reads and updates only itself', async () => {
    const bobId = await createUser(srv.url, 'bob', 'Bob123456');
    const carolId = await createUser(srv.url, 'carol', 'Carol12345');
    const bob = { username: 'bob', password: 'Bob123456' };
    expectApiError(await api(srv.url, 'GET', '/users', { as: bob }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'POST', '/users', { as: bob, body: { username: 'eve', password: 'Passw0rdX' } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', `/users/${carolId}`, { as: bob }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'PUT', `/users/${carolId}`, { as: bob, body: { realname: 'x' } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'DELETE', `/users/${carolId}`, { as: bob }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'PUT', `/users/${carolId}/sysadmin`, { as: bob, body: { sysadmin_flag: true } }), 403, 'FORBIDDEN');
    expect((await api(srv.url, 'GET', `/users/${bobId}`, { as: bob })).status).toBe(200);
    expect((await api(srv.url, 'PUT', `/users/${bobId}`, { as: bob, body: { comment: 'me' } })).status).toBe(200);
    expect((await api(srv.url, 'GET', '/users/current', { as: bob })).body).toMatchObject({ username: 'bob', comment: 'me' });
    // search is open to any signed-in user and shows only ids and names
    const found = await api(srv.url, 'GET', '/users/search?username=car', { as: bob });
    expect(found.body).toEqual([{ user_id: carolId, username: 'carol' }]);
  });

  test('anonymous and wrong credentials are 401', async () => {
    expectApiError(await api(srv.url, 'GET', '/users/current', { as: null }), 401, 'UNAUTHORIZED');
    expectApiError(await api(srv.url, 'GET', '/users', { as: null }), 401, 'UNAUTHORIZED');
    expectApiError(await api(srv.url, 'GET', '/users/current', { as: { username: 'admin', password: 'wrong' } }), 401, 'UNAUTHORIZED');
    expectApiError(await api(srv.url, 'GET', '/users/current', { as: { username: 'nobody', password: 'wrong' } }), 401, 'UNAUTHORIZED');
  });

  test('password change: own needs the old password; an admin resets anyone\'s', async () => {
    const id = await createUser(srv.url, 'dave', 'Dave12345');
    const dave = { username: 'dave', password: 'Dave12345' };
    expectApiError(await api(srv.url, 'PUT', `/users/${id}/password`, { as: dave, body: { old_password: 'wrong', new_password: 'Dave67890' } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'PUT', `/users/${id}/password`, { as: dave, body: { old_password: 'Dave12345', new_password: 'weak' } }), 400, 'BAD_REQUEST');
    expect((await api(srv.url, 'PUT', `/users/${id}/password`, { as: dave, body: { old_password: 'Dave12345', new_password: 'Dave67890' } })).status).toBe(200);
    expectApiError(await api(srv.url, 'GET', '/users/current', { as: dave }), 401, 'UNAUTHORIZED');
    const dave2 = { username: 'dave', password: 'Dave67890' };
    expect((await api(srv.url, 'GET', '/users/current', { as: dave2 })).status).toBe(200);
    expect((await api(srv.url, 'PUT', `/users/${id}/password`, { body: { new_password: 'Reset12345' } })).status).toBe(200);
    expect((await api(srv.url, 'GET', '/users/current', { as: { username: 'dave', password: 'Reset12345' } })).status).toBe(200);
  });

  test('the sysadmin flag grants and revokes admin rights; an admin cannot delete itself', async () => {
    const id = await createUser(srv.url, 'erin', 'Erin12345');
    const erin = { username: 'erin', password: 'Erin12345' };
    expect((await api(srv.url, 'PUT', `/users/${id}/sysadmin`, { body: { sysadmin_flag: true } })).status).toBe(200);
    expect((await api(srv.url, 'GET', '/users', { as: erin })).status).toBe(200);
    expect((await api(srv.url, 'PUT', `/users/${id}/sysadmin`, { body: { sysadmin_flag: false } })).status).toBe(200);
    expectApiError(await api(srv.url, 'GET', '/users', { as: erin }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'PUT', `/users/${id}/sysadmin`, { body: {} }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'DELETE', '/users/1'), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/users/abc'), 400, 'BAD_REQUEST');
  });

  test('list paging: page_size, X-Total-Count, Link with prev and next; page_size over 100 is 422', async () => {
    for (const n of ['p1', 'p2', 'p3']) await createUser(srv.url, `page-${n}`);
    const all = (await api(srv.url, 'GET', '/users?page_size=100')).body as { username: string }[];
    const total = all.length;
    const second = await api(srv.url, 'GET', '/users?page=2&page_size=2');
    expect(second.status).toBe(200);
    expect(second.headers['x-total-count']).toBe(String(total));
    expect(second.body.map((u: { username: string }) => u.username)).toEqual(all.slice(2, 4).map((u) => u.username));
    expect(second.headers.link).toBe('</api/v2.0/users?page=1&page_size=2>; rel="prev" , </api/v2.0/users?page=3&page_size=2>; rel="next"');
    const first = await api(srv.url, 'GET', '/users?page_size=2');
    expect(first.headers.link).toBe('</api/v2.0/users?page_size=2&page=2>; rel="next"');
    expectApiError(await api(srv.url, 'GET', '/users?page_size=101', { raw: true }), 422, 'UNPROCESSABLE_ENTITY');
    expectApiError(await api(srv.url, 'GET', '/users?page=0'), 400, 'BAD_REQUEST');
  });

  test('q= filters exact and fuzzy; an unknown key is ignored, as in Harbor', async () => {
    await createUser(srv.url, 'qfind-one');
    await createUser(srv.url, 'qfind-two');
    const exact = await api(srv.url, 'GET', '/users?q=username%3Dqfind-one');
    expect(exact.body.map((u: { username: string }) => u.username)).toEqual(['qfind-one']);
    const fuzzy = await api(srv.url, 'GET', `/users?q=${encodeURIComponent('username=~qfind')}`);
    expect(fuzzy.body.map((u: { username: string }) => u.username)).toEqual(['qfind-one', 'qfind-two']);
    const union = await api(srv.url, 'GET', `/users?q=${encodeURIComponent('username={qfind-two admin}')}&sort=-username`);
    expect(union.body.map((u: { username: string }) => u.username)).toEqual(['qfind-two', 'admin']);
    const all = await api(srv.url, 'GET', '/users?page_size=100');
    expect((await api(srv.url, 'GET', '/users?page_size=100&q=nope%3Dx')).body).toEqual(all.body);
  });

  test('admin password auth uses the same Basic credentials the CLI reads from admin.password', async () => {
    const pw = (await readFile(join(srv.dataDir, 'admin.password'), 'utf8')).trim();
    expect((await http(srv.url, 'GET', '/api/v2.0/users/current', { as: { username: 'admin', password: pw } })).status).toBe(200);
    expect(admin.password).toBe(pw);
  });
});

describe('admin.password follows the admin\'s password', () => {
  test('a change through the API rewrites the file (0600) so the local CLI keeps working', async () => {
    const s = await startTestServer();
    try {
      expect((await api(s.url, 'PUT', '/users/1/password', { body: { old_password: ADMIN_PASSWORD, new_password: 'Changed123' } })).status).toBe(200);
      expect(await readFile(join(s.dataDir, 'admin.password'), 'utf8')).toBe('Changed123\n');
      expect(((await stat(join(s.dataDir, 'admin.password'))).mode & 0o777).toString(8)).toBe('600');
      expect((await http(s.url, 'GET', '/api/v2.0/users/current', { as: { username: 'admin', password: 'Changed123' } })).status).toBe(200);
      // another user's change leaves the file alone
      const as = { username: 'admin', password: 'Changed123' };
      const made = await api(s.url, 'POST', '/users', { as, body: { username: 'frank', password: 'Frank12345' } });
      const id = made.headers.location.split('/').pop();
      expect((await api(s.url, 'PUT', `/users/${id}/password`, { as, body: { new_password: 'Frank67890' } })).status).toBe(200);
      expect(await readFile(join(s.dataDir, 'admin.password'), 'utf8')).toBe('Changed123\n');
    } finally {
      await s.close();
    }
  });

  test('the database that holds the password hashes is 0600', async () => {
    expect(((await stat(join(srv.dataDir, 'registry.db'))).mode & 0o777).toString(8)).toBe('600');
  });
});
