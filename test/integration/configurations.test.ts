// Harbor's configuration API on a real server (issue 17): GET/PUT /configurations, who may use it,
// what a PUT refuses, and the items that change behaviour (read_only, project_creation_restriction,
// storage_per_project, robot_token_duration, self_registration, auth_mode's switching rule).
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { admin, api, basicHeader, createUser, expectApiError, http, pushImageWith, type Creds } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
const alice: Creds = { username: 'cfg-alice', password: 'Alice12345' };

beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => { await srv.close(); });

const put = (body: unknown, as: Creds | null = admin): ReturnType<typeof api> => api(srv.url, 'PUT', '/configurations', { body, as });
const get = async (): Promise<Record<string, { value: unknown; editable: boolean }>> => {
  const r = await api(srv.url, 'GET', '/configurations');
  expect(r.status, r.text).toBe(200);
  return r.body;
};

describe('/configurations', () => {
  test('shows Harbor\'s defaults; the auth mode is editable while admin is the only user', async () => {
    const c = await get();
    expect(c).toMatchObject({
      auth_mode: { value: 'db_auth', editable: true }, project_creation_restriction: { value: 'everyone' }, self_registration: { value: false },
      read_only: { value: false }, robot_token_duration: { value: 30 }, storage_per_project: { value: -1 },
    });
  });

  test('only a system admin reads or changes it', async () => {
    await createUser(srv.url, alice.username, alice.password);
    expectApiError(await api(srv.url, 'GET', '/configurations', { as: null }), 401, 'UNAUTHORIZED');
    expectApiError(await api(srv.url, 'GET', '/configurations', { as: alice }), 403, 'FORBIDDEN');
    expectApiError(await put({ read_only: true }, null), 401, 'UNAUTHORIZED');
    expectApiError(await put({ read_only: true }, alice), 403, 'FORBIDDEN');
    expect((await get()).read_only.value).toBe(false);
  });

  test('once another user exists the auth mode is no longer editable, and a change is refused', async () => {
    const c = await get();
    expect(c.auth_mode.editable).toBe(false);
    // The same value is no change (Harbor compares with the current mode).
    expect((await put({ auth_mode: 'db_auth' })).status).toBe(200);
  });

  test('unknown items, prototype keys, wrong types and values out of range are 400, and nothing of the request is stored', async () => {
    for (const body of [
      { no_such_item: 'x' },
      JSON.parse('{"__proto__": {"read_only": true}}'),
      { constructor: 'x' },
      { read_only: 'true' },
      { robot_token_duration: '30' },
      { robot_token_duration: 1.5 },
      { robot_token_duration: 0 },
      { storage_per_project: 0 },
      { project_creation_restriction: 'nobody' },
      { auth_mode: 'kerberos' },
      { read_only: true, storage_per_project: -5 },
      [],
    ]) {
      const r = await put(body);
      expectApiError(r, 400, 'BAD_REQUEST');
    }
    expect(await get()).toMatchObject({ read_only: { value: false }, storage_per_project: { value: -1 } });
    expect(({} as Record<string, unknown>).read_only).toBeUndefined();
  });

  test('the audit log items: Harbor\'s defaults, and bad values refused with a message that says why, nothing stored', async () => {
    expect(await get()).toMatchObject({
      audit_log_forward_endpoint: { value: '' }, skip_audit_log_database: { value: false }, disabled_audit_log_event_types: { value: '' },
    });
    // A port nothing listens on: a server that was started and stopped.
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    for (const [body, message] of [
      [{ audit_log_forward_endpoint: 'syslog.example' }, 'audit_log_forward_endpoint must be HOST:PORT, not "syslog.example"'],
      [{ audit_log_forward_endpoint: 'http://syslog.example:514' }, 'audit_log_forward_endpoint must be HOST:PORT'],
      [{ audit_log_forward_endpoint: 'host:99999' }, 'audit_log_forward_endpoint must be HOST:PORT'],
      [{ audit_log_forward_endpoint: 514 }, 'audit_log_forward_endpoint must be a string'],
      [{ audit_log_forward_endpoint: `127.0.0.1:${deadPort}` }, `could not connect to the audit endpoint: 127.0.0.1:${deadPort}`],
      [{ skip_audit_log_database: true }, 'audit log forward endpoint should be configured before enable skip audit log in database'],
      [{ skip_audit_log_database: 'yes' }, 'skip_audit_log_database must be a boolean'],
      [{ disabled_audit_log_event_types: 'create_user,eat_cake' }, 'disabled_audit_log_event_types: unknown event type "eat_cake"'],
      [{ disabled_audit_log_event_types: '__proto__' }, 'unknown event type "__proto__"'],
      [{ disabled_audit_log_event_types: ['create_user'] }, 'disabled_audit_log_event_types must be a string'],
    ] as const) {
      const r = await put(body);
      expectApiError(r, 400, 'BAD_REQUEST');
      expect(r.body.errors[0].message).toContain(message);
    }
    expect(await get()).toMatchObject({
      audit_log_forward_endpoint: { value: '' }, skip_audit_log_database: { value: false }, disabled_audit_log_event_types: { value: '' },
    });
    expect((await put({ disabled_audit_log_event_types: 'create_user, pull_artifact' })).status).toBe(200);
    expect((await get()).disabled_audit_log_event_types.value).toBe('create_user, pull_artifact');
    expect((await put({ disabled_audit_log_event_types: '' })).status).toBe(200);
  });

  test('project_creation_restriction adminonly: only admins create projects', async () => {
    expect((await put({ project_creation_restriction: 'adminonly' })).status).toBe(200);
    const body = (name: string): unknown => ({ project_name: name, metadata: { public: 'false' } });
    expectApiError(await api(srv.url, 'POST', '/projects', { as: alice, body: body('alice-p') }), 403, 'FORBIDDEN');
    expect((await api(srv.url, 'POST', '/projects', { body: body('admin-p') })).status).toBe(201);
    expect((await put({ project_creation_restriction: 'everyone' })).status).toBe(200);
    expect((await api(srv.url, 'POST', '/projects', { as: alice, body: body('alice-p') })).status).toBe(201);
  });

  test('storage_per_project is the quota of projects created without one', async () => {
    expect((await put({ storage_per_project: 1048576 })).status).toBe(200);
    expect((await api(srv.url, 'POST', '/projects', { body: { project_name: 'quota-default' } })).status).toBe(201);
    const q = await api(srv.url, 'GET', '/projects/quota-default/summary');
    expect(q.body.quota.hard.storage).toBe(1048576);
    expect((await put({ storage_per_project: -1 })).status).toBe(200);
  });

  test('robot_token_duration is the life of robots created without a duration', async () => {
    expect((await put({ robot_token_duration: 7 })).status).toBe(200);
    const r = await api(srv.url, 'POST', '/robots', { body: { name: 'cfg-bot', level: 'system', permissions: [{ kind: 'project', namespace: '*', access: [{ resource: 'repository', action: 'pull' }] }] } });
    expect(r.status, r.text).toBe(201);
    expect((await api(srv.url, 'GET', `/robots/${r.body.id}`)).body.duration).toBe(7);
  });

  test('self_registration on: the API still refuses to create users for anyone but an admin (Harbor: sign-up is the web UI\'s)', async () => {
    expect((await put({ self_registration: true })).status).toBe(200);
    const body = { username: 'signup', password: 'Signup1234', email: 'signup@example.com', realname: 's' };
    const anon = await api(srv.url, 'POST', '/users', { as: null, body });
    expectApiError(anon, 403, 'FORBIDDEN');
    expect(anon.body.errors[0].message).toMatch(/self-registration cannot be triggered via API/);
    expect((await api(srv.url, 'POST', '/users', { body })).status).toBe(201);
    expect((await put({ self_registration: false })).status).toBe(200);
  });

  test('read_only: every write is refused with 403 DENIED, reads and the configuration change that ends it still work', async () => {
    expect((await put({ read_only: true })).status).toBe(200);
    const denied = await api(srv.url, 'POST', '/projects', { body: { project_name: 'ro-p' } });
    expectApiError(denied, 403, 'DENIED');
    expect(denied.body.errors[0].message).toBe('The system is in read only mode. Any modification is prohibited.');
    expectApiError(await api(srv.url, 'DELETE', '/projects/alice-p'), 403, 'DENIED');
    const push = await pushImageWith(srv.url, 'library/ro', 'v1', basicHeader(admin));
    expect(push).toMatchObject({ ok: false, status: 403 });
    expect((await http(srv.url, 'GET', '/v2/', { headers: basicHeader(admin) })).status).toBe(200);
    expect((await api(srv.url, 'GET', '/projects')).status).toBe(200);
    expect((await put({ read_only: false })).status).toBe(200);
    expect(await pushImageWith(srv.url, 'library/ro', 'v1', basicHeader(admin))).toMatchObject({ ok: true });
  });

  test('the configuration survives a restart', async () => {
    expect((await put({ robot_token_duration: 11, project_creation_restriction: 'adminonly' })).status).toBe(200);
    await srv.close({ keepData: true });
    srv = await startTestServer({ dataDir: srv.dataDir });
    expect(await get()).toMatchObject({ robot_token_duration: { value: 11 }, project_creation_restriction: { value: 'adminonly' } });
  });
});
