// Audit-log purge (issue 15 §6): Harbor's /system/purgeaudit on the scheduler: retention hours and
// event types (pull, create, delete), dry run counting what a real run deletes, parameters checked
// as Harbor's handler does, system administrators only.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { api, createUser, expectApiError, type Creds } from '../helpers/api.js';
import { call, pushImage } from '../helpers/oci.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
let now = Date.parse('2026-06-01T00:00:00Z');
const user: Creds = { username: 'purger', password: 'Purger12345' };

beforeAll(async () => {
  srv = await startTestServer({ clock: () => now });
  await createUser(srv.url, user.username, user.password);
});
afterAll(async () => {
  await srv.close();
});

async function purge(parameters: Record<string, unknown>): Promise<{ status: string; params: Record<string, unknown>; log: string }> {
  const r = await api(srv.url, 'POST', '/system/purgeaudit/schedule', { body: { schedule: { type: 'Manual' }, parameters } });
  expect(r.status, r.text).toBe(201);
  const id = Number(/\/system\/purgeaudit\/(\d+)$/.exec(r.headers.location)![1]);
  await srv.app.scheduler.wait(id);
  const h = await api(srv.url, 'GET', `/system/purgeaudit/${id}`);
  const log = await api(srv.url, 'GET', `/system/purgeaudit/${id}/log`);
  return { status: h.body.job_status, params: JSON.parse(h.body.job_parameters), log: log.text };
}

async function operations(): Promise<string[]> {
  const r = await api(srv.url, 'GET', '/audit-logs?page_size=100&sort=id');
  return r.body.map((x: { operation: string }) => x.operation);
}

describe('/system/purgeaudit', () => {
  test('purges entries older than the retention, of the included types only; a dry run counts the same', async () => {
    const old = await pushImage(srv.url, 'library/old', 'v1');
    expect((await call(srv.url, `/v2/library/old/manifests/${old.digest}`)).status).toBe(200);
    expect((await call(srv.url, `/v2/library/old/manifests/${old.digest}`)).status).toBe(200);
    now += 48 * 3600_000;
    const recent = await pushImage(srv.url, 'library/new', 'v1');
    expect((await call(srv.url, `/v2/library/new/manifests/${recent.digest}`)).status).toBe(200);
    expect(await operations()).toEqual(['create', 'pull', 'pull', 'create', 'pull']);

    const dry = await purge({ audit_retention_hour: 24, include_event_types: 'Pull,create_artifact', dry_run: true });
    expect(dry).toMatchObject({ status: 'Success', params: { purged_rows: 2, dry_run: true } });
    expect(dry.log).toContain('[DRYRUN] would purge 2 audit log entries');
    expect(await operations()).toHaveLength(5);
    const real = await purge({ audit_retention_hour: 24, include_event_types: 'Pull,create_artifact' });
    expect(real.params).toMatchObject({ purged_rows: 2 });
    expect(await operations()).toEqual(['create', 'create', 'pull']);
    // 0 (and -1) purge nothing, as Harbor.
    expect((await purge({ audit_retention_hour: 0, include_event_types: 'create,pull' })).params).toMatchObject({ purged_rows: 0 });
    expect((await purge({ audit_retention_hour: 1, include_event_types: 'create' })).params).toMatchObject({ purged_rows: 1 });
    expect(await operations()).toEqual(['create', 'pull']);
    const history = await api(srv.url, 'GET', '/system/purgeaudit');
    expect(history.headers['x-total-count']).toBe('4');
    expect(history.body[0]).toMatchObject({ job_name: 'PURGE_AUDIT_LOG', job_kind: 'MANUAL', job_status: 'Success' });
  });

  test('a schedule with Harbor\'s parameters; missing or bad ones are 400; admins only', async () => {
    const body = { schedule: { type: 'Daily' }, parameters: { audit_retention_hour: 168, include_event_types: 'pull', dry_run: false } };
    expect((await api(srv.url, 'POST', '/system/purgeaudit/schedule', { body })).status).toBe(201);
    const s = await api(srv.url, 'GET', '/system/purgeaudit/schedule');
    expect(s.body).toMatchObject({ schedule: { type: 'Daily', cron: '0 0 0 * * *' } });
    expect(JSON.parse(s.body.job_parameters)).toEqual(body.parameters);
    for (const parameters of [{ include_event_types: 'pull' }, { audit_retention_hour: 1 }, { audit_retention_hour: 240001, include_event_types: 'pull' },
      { audit_retention_hour: '1', include_event_types: 'pull' }]) {
      expectApiError(await api(srv.url, 'PUT', '/system/purgeaudit/schedule', { body: { schedule: { type: 'Daily' }, parameters } }), 400, 'BAD_REQUEST');
    }
    expect((await api(srv.url, 'PUT', '/system/purgeaudit/schedule', { body: { schedule: { type: 'None' } } })).status).toBe(200);
    expect((await api(srv.url, 'GET', '/system/purgeaudit/schedule')).body).toEqual({});
    expectApiError(await api(srv.url, 'GET', '/system/purgeaudit', { as: user }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'POST', '/system/purgeaudit/schedule', { as: null, body }), 401, 'UNAUTHORIZED');
    expectApiError(await api(srv.url, 'GET', '/system/purgeaudit/424242'), 404, 'NOT_FOUND');
  });
});
