// Issue 14: /schedules and /jobservice reflect our real background work (services/jobmonitor.ts):
// the schedules of every job kind, the worker slots with the jobs they run, the queues with what
// waits, and pause / resume / stop of queues and jobs (pauses kept across a restart).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { admin, api, basicHeader, createProject, createUser, expectApiError, pushImageWith } from '../helpers/api.js';
import { startScannerAdapter, V11, type ScannerAdapter } from '../helpers/scanner-adapter.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
let adapter: ScannerAdapter;
const user = { username: 'jsuser', password: 'Jsuser1234' };

beforeAll(async () => {
  adapter = await startScannerAdapter();
  srv = await startTestServer();
  await createUser(srv.url, user.username, user.password);
  const pid = await createProject(srv.url, 'jobs');
  const d = await pushImageWith(srv.url, 'jobs/app', 'v1', basicHeader(admin));
  if (!d.ok) throw new Error(d.text);
  const r = await api(srv.url, 'POST', '/scanners', { body: { name: 'A', url: adapter.url } });
  await api(srv.url, 'PATCH', `/scanners/${r.headers.location.split('/').pop()}`, { body: { is_default: true } });
  // Three kinds of schedule: GC, a retention policy's, scan-all.
  expect((await api(srv.url, 'POST', '/system/gc/schedule', { body: { schedule: { type: 'Custom', cron: '0 0 3 * * *' } } })).status).toBe(201);
  const sel = { tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**' }], scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] } };
  const ret = await api(srv.url, 'POST', '/retentions', { body: { algorithm: 'or', rules: [{ template: 'latestPushedK', params: { latestPushedK: 1 }, ...sel }],
    trigger: { kind: 'Schedule', settings: { cron: '0 0 4 * * *' } }, scope: { level: 'project', ref: pid } } });
  expect(ret.status, ret.text).toBe(201);
  expect((await api(srv.url, 'POST', '/system/scanAll/schedule', { body: { schedule: { type: 'Weekly', cron: '0 0 5 * * 0' } } })).status).toBe(201);
});
afterAll(async () => {
  await srv?.close();
  await adapter?.close();
});

test('GET /schedules lists every scheduled job with its cron, paged; paused follows the scheduler queue', async () => {
  const r = await api(srv.url, 'GET', '/schedules');
  expect(r.status).toBe(200);
  expect(r.body.map((s: { vendor_type: string; cron: string; paused: boolean }) => [s.vendor_type, s.cron, s.paused])).toEqual([
    ['GARBAGE_COLLECTION', '0 0 3 * * *', false], ['RETENTION', '0 0 4 * * *', false], ['SCAN_ALL', '0 0 5 * * 0', false],
  ]);
  expect(r.body[1].vendor_id).toBeGreaterThan(0);
  const page = await api(srv.url, 'GET', '/schedules?page=2&page_size=1');
  expect(page.headers['x-total-count']).toBe('3');
  expect(page.body.map((s: { vendor_type: string }) => s.vendor_type)).toEqual(['RETENTION']);
  expectApiError(await api(srv.url, 'GET', '/schedules', { as: user }), 403, 'FORBIDDEN');
  expectApiError(await api(srv.url, 'GET', '/schedules', { as: null }), 401, 'UNAUTHORIZED');

  expect((await api(srv.url, 'GET', '/schedules/all/paused', { as: user })).body).toEqual({ paused: false });
  expectApiError(await api(srv.url, 'GET', '/schedules/gc/paused'), 400, 'BAD_REQUEST');
  expectApiError(await api(srv.url, 'GET', '/schedules/all/paused', { as: null }), 401, 'UNAUTHORIZED');
  expect((await api(srv.url, 'PUT', '/jobservice/queues/scheduler', { body: { action: 'pause' } })).status).toBe(200);
  expect((await api(srv.url, 'GET', '/schedules/all/paused')).body).toEqual({ paused: true });
  expect((await api(srv.url, 'GET', '/schedules')).body.every((s: { paused: boolean }) => s.paused)).toBe(true);
  expect((await api(srv.url, 'PUT', '/jobservice/queues/SCHEDULER', { body: { action: 'resume' } })).status).toBe(200);
  expect((await api(srv.url, 'GET', '/schedules/all/paused')).body).toEqual({ paused: false });
});

test('queues: a paused job type starts no run until resumed; bad actions and unknown queues are refused', async () => {
  const q = await api(srv.url, 'GET', '/jobservice/queues');
  expect(q.body.map((x: { job_type: string }) => x.job_type)).toEqual(['IMAGE_SCAN', 'SBOM', 'SCHEDULER', 'GARBAGE_COLLECTION', 'PURGE_AUDIT_LOG', 'RETENTION', 'SCAN_ALL']);
  expect((await api(srv.url, 'PUT', '/jobservice/queues/GARBAGE_COLLECTION', { body: { action: 'pause' } })).status).toBe(200);
  expect((await api(srv.url, 'GET', '/jobservice/queues')).body.find((x: { job_type: string }) => x.job_type === 'GARBAGE_COLLECTION')).toMatchObject({ paused: true, count: 0 });
  expectApiError(await api(srv.url, 'POST', '/system/gc/schedule', { body: { schedule: { type: 'Manual' } } }), 412, 'PRECONDITION');
  await api(srv.url, 'PUT', '/jobservice/queues/GARBAGE_COLLECTION', { body: { action: 'resume' } });
  const run = await api(srv.url, 'POST', '/system/gc/schedule', { body: { schedule: { type: 'Manual' }, parameters: { dry_run: true } } });
  expect(run.status).toBe(201);
  await srv.app.scheduler.wait(Number(run.headers.location.split('/').pop()));

  expectApiError(await api(srv.url, 'PUT', '/jobservice/queues/IMAGE_SCAN', { body: { action: 'explode' } }), 422, 'UNPROCESSABLE_ENTITY');
  expectApiError(await api(srv.url, 'PUT', '/jobservice/queues/IMAGE_SCAN', { body: {} }), 422, 'UNPROCESSABLE_ENTITY');
  expectApiError(await api(srv.url, 'PUT', '/jobservice/queues/NOPE', { body: { action: 'pause' } }), 404, 'NOT_FOUND');
  expectApiError(await api(srv.url, 'PUT', '/jobservice/queues/IMAGE_SCAN', { as: user, body: { action: 'pause' } }), 403, 'FORBIDDEN');
  expectApiError(await api(srv.url, 'GET', '/jobservice/queues', { as: null }), 401, 'UNAUTHORIZED');
});

test('a paused scan queue keeps scans waiting; stop drops them; resume lets them run', async () => {
  await api(srv.url, 'PUT', '/jobservice/queues/IMAGE_SCAN', { body: { action: 'pause' } });
  expect((await api(srv.url, 'POST', '/projects/jobs/repositories/app/artifacts/v1/scan')).status).toBe(202);
  expect((await api(srv.url, 'GET', '/jobservice/queues')).body[0]).toEqual({ job_type: 'IMAGE_SCAN', count: 1, latency: 0, paused: true });
  expect((await api(srv.url, 'PUT', '/jobservice/queues/IMAGE_SCAN', { body: { action: 'stop' } })).status).toBe(200);
  const art = '/projects/jobs/repositories/app/artifacts/v1?with_scan_overview=true';
  expect((await api(srv.url, 'GET', art)).body.scan_overview[V11].scan_status).toBe('Stopped');
  expect((await api(srv.url, 'POST', '/projects/jobs/repositories/app/artifacts/v1/scan')).status).toBe(202);
  await api(srv.url, 'PUT', '/jobservice/queues/IMAGE_SCAN', { body: { action: 'resume' } });
  await srv.app.scans.idle();
  expect((await api(srv.url, 'GET', art)).body.scan_overview[V11].scan_status).toBe('Success');
});

test('pools and workers show the real slots and what runs in them; a running job is stopped by its id, its log read', async () => {
  const pools = await api(srv.url, 'GET', '/jobservice/pools');
  expect(pools.body).toEqual([expect.objectContaining({ pid: process.pid, concurrency: expect.any(Number) })]);
  const poolId = pools.body[0].worker_pool_id as string;
  expectApiError(await api(srv.url, 'GET', '/jobservice/pools/nope/workers'), 404, 'NOT_FOUND');
  const idle = await api(srv.url, 'GET', `/jobservice/pools/${encodeURIComponent(poolId)}/workers`);
  expect(idle.body).toHaveLength(pools.body[0].concurrency);
  expect(idle.body.filter((w: { job_id?: string }) => w.job_id)).toEqual([]);

  const release = adapter.hold();
  let jobId: string;
  try {
    expect((await api(srv.url, 'POST', '/projects/jobs/repositories/app/artifacts/v1/scan')).status).toBe(202);
    const busy = (await api(srv.url, 'GET', '/jobservice/pools/all/workers')).body.filter((w: { job_id?: string }) => w.job_id);
    expect(busy).toEqual([expect.objectContaining({ id: 'IMAGE_SCAN-1', job_name: 'IMAGE_SCAN', job_id: expect.stringMatching(/^scan-/), start_at: expect.any(String) })]);
    jobId = busy[0].job_id;
    expectApiError(await api(srv.url, 'PUT', `/jobservice/jobs/${jobId}`, { as: user }), 403, 'FORBIDDEN');
    expect((await api(srv.url, 'PUT', `/jobservice/jobs/${jobId}`)).status).toBe(200);
  } finally { release(); }
  expect((await api(srv.url, 'GET', '/projects/jobs/repositories/app/artifacts/v1?with_scan_overview=true')).body.scan_overview[V11].scan_status).toBe('Stopped');
  const log = await api(srv.url, 'GET', `/jobservice/jobs/${jobId}/log`);
  expect(log.status).toBe(200);
  expect(log.text).toContain('stopped');
  expectApiError(await api(srv.url, 'GET', '/jobservice/jobs/scan-nope/log'), 404, 'NOT_FOUND');
  // Stopping a job that is not running does nothing, as in Harbor.
  expect((await api(srv.url, 'PUT', '/jobservice/jobs/exec-999')).status).toBe(200);
  const gc = (await srv.app.scheduler.history('GARBAGE_COLLECTION', { offset: 0, limit: 1 })).items[0];
  const gcLog = await api(srv.url, 'GET', `/jobservice/jobs/exec-${gc.id}/log`);
  expect(gcLog.status).toBe(200);
  expect(gcLog.text).toBe((await api(srv.url, 'GET', `/system/gc/${gc.id}/log`)).text);
});

test('paused queues stay paused across a restart', async () => {
  await api(srv.url, 'PUT', '/jobservice/queues/all', { body: { action: 'pause' } });
  await srv.close({ keepData: true });
  srv = await startTestServer({ dataDir: srv.dataDir });
  const q = await api(srv.url, 'GET', '/jobservice/queues');
  expect(q.body.every((x: { paused: boolean }) => x.paused)).toBe(true);
  expect((await api(srv.url, 'GET', '/schedules/all/paused')).body).toEqual({ paused: true });
  await api(srv.url, 'PUT', '/jobservice/queues/ALL', { body: { action: 'resume' } });
  expect((await api(srv.url, 'GET', '/jobservice/queues')).body.some((x: { paused: boolean }) => x.paused)).toBe(false);
});
