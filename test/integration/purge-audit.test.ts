// Audit-log purge (issue 15 §6): Harbor's /system/purgeaudit on the scheduler: retention hours and
// the included kinds, in both logs as Harbor 2.13 (the legacy log by operation: pull, create,
// delete; the extended log by event type, `other` for all but the artifacts'), dry run counting what
// a real run deletes, parameters checked as Harbor's handler does, system administrators only.
import { join } from 'node:path';
import Database from 'better-sqlite3';
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

/** The legacy log's operations, oldest first. */
async function legacy(): Promise<string[]> {
  const r = await api(srv.url, 'GET', '/audit-logs?page_size=100&sort=id');
  return r.body.map((x: { operation: string }) => x.operation);
}

/** The extended log's event types (`operation_resourcetype`), oldest first; `artifacts`: only the artifact operations. */
async function ext(artifacts = false): Promise<string[]> {
  const r = await api(srv.url, 'GET', `/auditlog-exts?page_size=100&sort=id${artifacts ? '&q=resource_type%3Dartifact' : ''}`);
  return r.body.map((x: { operation: string; resource_type: string }) => (artifacts ? x.operation : `${x.operation}_${x.resource_type}`));
}

describe('/system/purgeaudit', () => {
  test('purges entries older than the retention from both logs, of the included kinds only; a dry run counts the same', async () => {
    // The legacy log as an earlier harborctl left it (nothing writes it now).
    const db = new Database(join(srv.dataDir, 'registry.db'));
    const insert = db.prepare(`INSERT INTO audit_logs (project_id, username, resource, resource_type, operation, op_time) VALUES (1, 'admin', 'library/old:v0', 'artifact', ?, ?)`);
    for (const op of ['create', 'pull', 'pull']) insert.run(op, new Date(now).toISOString());
    db.close();
    const old = await pushImage(srv.url, 'library/old', 'v1');
    expect((await call(srv.url, `/v2/library/old/manifests/${old.digest}`)).status).toBe(200);
    expect((await call(srv.url, `/v2/library/old/manifests/${old.digest}`)).status).toBe(200);
    const cut = now + 3600_000;
    now += 48 * 3600_000;
    const recent = await pushImage(srv.url, 'library/new', 'v1');
    expect((await call(srv.url, `/v2/library/new/manifests/${recent.digest}`)).status).toBe(200);
    expect(await ext(true)).toEqual(['create', 'pull', 'pull', 'create', 'pull']);
    expect(await legacy()).toEqual(['create', 'pull', 'pull']);

    // `Pull` is a legacy operation (case-insensitive), create_artifact an event type: two legacy pulls and one create.
    const dry = await purge({ audit_retention_hour: 24, include_event_types: 'Pull,create_artifact', dry_run: true });
    expect(dry).toMatchObject({ status: 'Success', params: { purged_rows: 3, dry_run: true } });
    expect(dry.log).toContain('[DRYRUN] would purge 2 legacy audit log entries');
    expect(dry.log).toContain('[DRYRUN] would purge 1 audit log ext entries');
    expect(await ext(true)).toHaveLength(5);
    expect(await legacy()).toHaveLength(3);
    const real = await purge({ audit_retention_hour: 24, include_event_types: 'Pull,create_artifact' });
    expect(real.params).toMatchObject({ purged_rows: 3 });
    expect(await ext(true)).toEqual(['pull', 'pull', 'create', 'pull']);
    expect(await legacy()).toEqual(['create']);

    // `other`: every event type but the artifacts' (the user made in beforeAll, ...), none of the newer ones.
    const everything = await api(srv.url, 'GET', '/auditlog-exts?page_size=100&sort=id');
    const others = (everything.body as { resource_type: string; op_time: string }[]).filter((x) => x.resource_type !== 'artifact');
    const older = others.filter((x) => Date.parse(x.op_time) < cut).length;
    expect(older).toBeGreaterThan(0);
    expect(older).toBeLessThan(others.length); // the purge itself is recorded now (create_purge_audit_schedule)
    expect((await purge({ audit_retention_hour: 24, include_event_types: 'other' })).params).toMatchObject({ purged_rows: older });
    expect(await ext(true)).toEqual(['pull', 'pull', 'create', 'pull']);
    expect((await ext()).filter((t) => !t.endsWith('_artifact'))).toHaveLength(others.length - older + 1);

    // 0 (and -1) purge nothing, as Harbor.
    expect((await purge({ audit_retention_hour: 0, include_event_types: 'create,pull,other' })).params).toMatchObject({ purged_rows: 0 });
    expect((await purge({ audit_retention_hour: 1, include_event_types: 'create' })).params).toMatchObject({ purged_rows: 1 });
    expect(await legacy()).toEqual([]);
    const history = await api(srv.url, 'GET', '/system/purgeaudit');
    expect(history.headers['x-total-count']).toBe('5');
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
