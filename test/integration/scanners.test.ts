// Issue 14: scanner registrations and vulnerability scans through Harbor's Pluggable Scanner API
// v1.1, against test/helpers/scanner-adapter.ts (a spec adapter that really pulls the artifact
// from our registry with the token it is handed; no real Trivy is installable here).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addMember, admin, api, basicHeader, createProject, createUser, expectApiError, http, pushImageWith, type ApiReply, type Creds } from '../helpers/api.js';
import { SBOM_MIME, startScannerAdapter, V10, V11, type ScannerAdapter } from '../helpers/scanner-adapter.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { validateResponse } from '../helpers/swagger.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const BUILTIN = '00000000-0000-4000-8000-686172626f72';
const dev = { username: 'sdev', password: 'Devel12345' };
const maint = { username: 'smaint', password: 'Maint12345' };
const outsider = { username: 'sout', password: 'Outsd12345' };

let srv: TestServer;
let adapter: ScannerAdapter;
let hook: WebhookReceiver;
let imageDigest: string;

async function push(repo: string, tag: string, seed?: string): Promise<string> {
  const r = await pushImageWith(srv.url, repo, tag, basicHeader(admin), seed);
  if (!r.ok) throw new Error(r.text);
  return r.digest;
}

async function register(name: string, url: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await api(srv.url, 'POST', '/scanners', { body: { name, url, ...extra } });
  expect(r.status, r.text).toBe(201);
  return r.headers.location.split('/').pop()!;
}

async function addition(path: string, as: Creds | null = admin, headers?: Record<string, string>): Promise<ApiReply> {
  const r = await api(srv.url, 'GET', path, { as, raw: true, headers });
  validateResponse('GET', path, r.status, r.status === 200 ? r.text : r.body);
  return r;
}

const ART = '/projects/scan/repositories/app/artifacts';

beforeAll(async () => {
  adapter = await startScannerAdapter();
  hook = await WebhookReceiver.start();
  srv = await startTestServer({ webhooks: { backoffMs: 10, pollMs: 20 } });
  await createProject(srv.url, 'scan');
  for (const u of [dev, maint, outsider]) await createUser(srv.url, u.username, u.password);
  await addMember(srv.url, 'scan', dev.username, 2);
  await addMember(srv.url, 'scan', maint.username, 4);
  imageDigest = await push('scan/app', 'v1');
  await push('scan/other', 'v1');
  const h = await api(srv.url, 'POST', '/projects/scan/webhook/policies', {
    body: { name: 'scans', event_types: ['SCANNING_COMPLETED', 'SCANNING_FAILED'], targets: [{ type: 'http', address: `${hook.url}/hook` }] },
  });
  expect(h.status, h.text).toBe(201);
});
afterAll(async () => {
  await srv?.close();
  await adapter?.close();
  await hook?.close();
});

describe('scanner registrations', () => {
  test('the built-in SBOM generator is listed, default and immutable', async () => {
    const r = await api(srv.url, 'GET', '/scanners');
    expect(r.status).toBe(200);
    expect(r.body).toEqual([expect.objectContaining({ uuid: BUILTIN, name: 'harborctl', is_default: true, access_credential: '' })]);
    const meta = await api(srv.url, 'GET', `/scanners/${BUILTIN}/metadata`);
    expect(meta.body.capabilities.map((c: { type: string }) => c.type)).toEqual(['sbom']);
    expectApiError(await api(srv.url, 'DELETE', `/scanners/${BUILTIN}`), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'PUT', `/scanners/${BUILTIN}`, { body: { name: 'x', url: 'http://x' } }), 403, 'FORBIDDEN');
  });

  test('bad registrations are refused with Harbor\'s codes', async () => {
    expectApiError(await api(srv.url, 'POST', '/scanners', { body: { url: 'http://a' } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/scanners', { body: { name: 'a', url: 'ftp://a' } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/scanners', { body: { name: 'a', url: 'http://u:p@a' } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/scanners', { body: { name: 'a', url: 'http://a', auth: 'Digest', access_credential: 'x' } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/scanners', { body: { name: 'a', url: 'http://a', auth: 'Bearer' } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/scanners', { body: { name: 7, url: 'http://a' } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/scanners', { body: { name: 'a', url: 'http://a', disabled: 'yes' } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/scanners', { body: '[]' }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/scanners', { as: dev, body: { name: 'a', url: 'http://a' } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/scanners', { as: null }), 401, 'UNAUTHORIZED');
    expectApiError(await api(srv.url, 'GET', '/scanners/nope'), 404, 'NOT_FOUND');
    const id = await register('dup', 'http://dup.invalid:1');
    expectApiError(await api(srv.url, 'POST', '/scanners', { body: { name: 'dup', url: 'http://other.invalid:1' } }), 409, 'CONFLICT');
    expectApiError(await api(srv.url, 'POST', '/scanners', { body: { name: 'dup2', url: 'http://dup.invalid:1/' } }), 409, 'CONFLICT');
    // An unreachable adapter: registered all the same, shown unhealthy; its ping fails.
    expect((await api(srv.url, 'GET', `/scanners/${id}`)).body).toMatchObject({ name: 'dup', health: 'unhealthy' });
    expect((await api(srv.url, 'POST', '/scanners/ping', { body: { name: 'p', url: 'http://127.0.0.1:9' } })).status).toBeGreaterThanOrEqual(500);
    expectApiError(await api(srv.url, 'PUT', `/scanners/${id}`, { body: { url: 'http://dup.invalid:1' } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'PUT', `/scanners/${id}`, { body: { name: 'dup', url: 'http://dup.invalid:1', skip_certVerify: 1 } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'PATCH', `/scanners/${id}`, { body: { is_default: 'yes' } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'PATCH', '/scanners/nope', { body: { is_default: true } }), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'GET', '/scanners/__proto__/metadata'), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'POST', '/scanners/ping', { body: { name: 'p' } }), 400, 'BAD_REQUEST');
    expect((await api(srv.url, 'DELETE', `/scanners/${id}`)).body).toMatchObject({ uuid: id, name: 'dup' });
    expectApiError(await api(srv.url, 'DELETE', `/scanners/${id}`), 404, 'NOT_FOUND');
  });

  test('an adapter is registered with a credential that is sent to it and never shown', async () => {
    const id = await register('sec', 'http://127.0.0.1:9/sec', { auth: 'Bearer', access_credential: 'sekrit-token' });
    const list = await api(srv.url, 'GET', '/scanners?q=name%3Dsec');
    expect(list.body).toEqual([expect.objectContaining({ uuid: id, auth: 'Bearer', access_credential: '*****' })]);
    expect(list.text).not.toContain('sekrit');
    // PUT without a credential keeps the stored one (Harbor's rule); clearing auth drops it.
    expect((await api(srv.url, 'PUT', `/scanners/${id}`, { body: { name: 'sec', url: 'http://127.0.0.1:9/sec', auth: 'Bearer', description: 'd' } })).status).toBe(200);
    expect((await api(srv.url, 'GET', `/scanners/${id}`)).body).toMatchObject({ description: 'd', access_credential: '*****' });
    await api(srv.url, 'PUT', `/scanners/${id}`, { body: { name: 'sec', url: 'http://127.0.0.1:9/sec', auth: '' } });
    expect((await api(srv.url, 'GET', `/scanners/${id}`)).body).toMatchObject({ auth: '', access_credential: '' });
    await api(srv.url, 'DELETE', `/scanners/${id}`);
    const locked = await startScannerAdapter({ requireAuthorization: 'Bearer sekrit-token' });
    try {
      expect((await api(srv.url, 'POST', '/scanners/ping', { body: { name: 'l', url: locked.url, auth: 'Bearer', access_credential: 'sekrit-token' } })).status).toBe(200);
      expect((await api(srv.url, 'POST', '/scanners/ping', { body: { name: 'l', url: locked.url } })).status).toBeGreaterThanOrEqual(500);
      expect(locked.authorizations).toEqual(['Bearer sekrit-token', undefined]);
    } finally { await locked.close(); }
  });

  test('a vulnerability scan needs a vulnerability scanner: 412 with the built-in default', async () => {
    expectApiError(await api(srv.url, 'POST', `${ART}/v1/scan`, { body: { scan_type: 'vulnerability' } }), 412, 'PRECONDITION');
    expectApiError(await api(srv.url, 'GET', '/scans/all/metrics'), 412, 'PRECONDITION');
  });
});

describe('scans through the adapter', () => {
  let trivy: string;
  beforeAll(async () => {
    trivy = await register('Test', adapter.url, { description: 'spec adapter' });
    expect((await api(srv.url, 'PATCH', `/scanners/${trivy}`, { body: { is_default: true } })).status).toBe(200);
  });

  test('the adapter is the default; its details carry its metadata', async () => {
    const list = await api(srv.url, 'GET', '/scanners?sort=name');
    expect(list.body.map((r: { name: string; is_default: boolean }) => [r.name, r.is_default])).toEqual([['harborctl', false], ['Test', true]]);
    expect((await api(srv.url, 'GET', `/scanners/${trivy}`)).body).toMatchObject({
      health: 'healthy', adapter: 'TestScanner', vendor: 'harborctl tests', version: '1.1.0', capabilities: { support_vulnerability: true, support_sbom: false },
    });
    expect((await api(srv.url, 'GET', `/scanners/${trivy}/metadata`)).body.capabilities[0].produces_mime_types).toEqual([V11, V10]);
    expect((await api(srv.url, 'GET', '/projects/scan/scanner')).body).toMatchObject({ uuid: trivy });
  });

  test('a scan pulls the artifact with a pull-only token and keeps the report', async () => {
    const before = adapter.requests.length;
    const r = await api(srv.url, 'POST', `${ART}/v1/scan`, { as: maint });
    expect(r.status, r.text).toBe(202);
    await srv.app.scans.idle();
    const req = adapter.requests[before];
    expect(req).toMatchObject({ registry: { url: srv.url }, artifact: { repository: 'scan/app', digest: imageDigest, tag: 'v1', mime_type: 'application/vnd.oci.image.manifest.v1+json' },
      enabled_capabilities: [{ type: 'vulnerability', produces_mime_types: [V11] }] });
    expect(req.registry.authorization).toMatch(/^Bearer /);
    // It read the config and the layer, each checked against its digest.
    expect([...adapter.pulls.values()].at(-1)).toMatchObject({ ok: true, blobs: [expect.anything(), expect.anything()] });
    // The token pulls this repository only, and pushes nothing.
    const other = await http(srv.url, 'GET', '/v2/scan/other/manifests/v1', { headers: { authorization: req.registry.authorization } });
    expect(other.status).toBe(401);
    const upload = await http(srv.url, 'POST', '/v2/scan/app/blobs/uploads/', { headers: { authorization: req.registry.authorization } });
    expect(upload.status).toBe(401);

    const a = await api(srv.url, 'GET', `${ART}/v1?with_scan_overview=true`, { as: dev });
    const o = a.body.scan_overview[V11];
    expect(o).toMatchObject({ scan_status: 'Success', severity: 'Critical', complete_percent: 100, scanner: { name: 'TestScanner', version: '1.1.0' },
      summary: { total: 2, fixable: 1, summary: { Critical: 1, High: 1 } } });
    const list = await api(srv.url, 'GET', '/projects/scan/repositories/app/artifacts?with_scan_overview=true', { headers: { 'X-Accept-Vulnerabilities': V10 } });
    expect(Object.keys(list.body[0].scan_overview)).toEqual([V10]);
    expect((await api(srv.url, 'GET', `${ART}/v1`)).body.scan_overview).toBeUndefined();

    const v = await addition(`${ART}/v1/additions/vulnerabilities`, dev);
    expect(v.status).toBe(200);
    const doc = JSON.parse(v.text);
    expect(Object.keys(doc)).toEqual([V11]);
    expect(doc[V11].vulnerabilities).toHaveLength(2);
    expect(doc[V11].vulnerabilities[0]).toMatchObject({ id: 'CVE-2099-1000', severity: 'Critical', fix_version: '1.0.1' });

    const log = await api(srv.url, 'GET', `${ART}/v1/scan/${o.report_id}/log`, { as: dev });
    expect(log.status).toBe(200);
    expect(log.text).toContain('accepted the scan');
    expect(log.text).toContain('2 vulnerabilities');
    expectApiError(await api(srv.url, 'GET', `${ART}/v1/scan/not-a-report/log`), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'GET', `/projects/scan/repositories/other/artifacts/v1/scan/${o.report_id}/log`), 404, 'NOT_FOUND');

    const ev = await hook.next((x) => x.json?.type === 'SCANNING_COMPLETED');
    expect(ev.json.event_data).toMatchObject({ resources: [{ digest: imageDigest, scan_overview: { [V11]: { scan_status: 'Success', report_id: o.report_id } } }], scan: { scan_type: 'vulnerability' } });
  });

  test('who may scan, stop and read follows Harbor\'s matrix', async () => {
    expectApiError(await api(srv.url, 'POST', `${ART}/v1/scan`, { as: dev }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'POST', `${ART}/v1/scan/stop`, { as: dev, body: { scan_type: 'vulnerability' } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'POST', `${ART}/v1/scan`, { as: null }), 401, 'UNAUTHORIZED');
    expectApiError(await api(srv.url, 'GET', `${ART}/v1/scan/x/log`, { as: outsider }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'PUT', '/projects/scan/scanner', { as: maint, body: { uuid: BUILTIN } }), 403, 'FORBIDDEN');
    expect((await api(srv.url, 'GET', '/projects/scan/scanner', { as: dev })).status).toBe(200);
    expectApiError(await api(srv.url, 'GET', '/projects/scan/scanner/candidates', { as: dev }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'POST', `${ART}/v1/scan`, { body: { scan_type: 'virus' } }), 422, 'UNPROCESSABLE_ENTITY');
    expectApiError(await api(srv.url, 'POST', `${ART}/v1/scan/stop`, { body: { scan_type: 'virus' } }), 422, 'UNPROCESSABLE_ENTITY');
  });

  test('a running scan conflicts with a new one and can be stopped; stopping nothing is a 400', async () => {
    expectApiError(await api(srv.url, 'POST', `${ART}/v1/scan/stop`, { body: { scan_type: 'vulnerability' } }), 400, 'BAD_REQUEST');
    const release = adapter.hold();
    try {
      expect((await api(srv.url, 'POST', `${ART}/v1/scan`)).status).toBe(202);
      expectApiError(await api(srv.url, 'POST', `${ART}/v1/scan`), 409, 'CONFLICT');
      expect((await api(srv.url, 'POST', `${ART}/v1/scan/stop`, { as: maint, body: { scan_type: 'vulnerability' } })).status).toBe(202);
    } finally { release(); }
    await srv.app.scans.idle();
    const o = (await api(srv.url, 'GET', `${ART}/v1?with_scan_overview=true`)).body.scan_overview[V11];
    expect(o).toMatchObject({ scan_status: 'Stopped' });
    expect(o.summary).toBeUndefined();
    expect((await api(srv.url, 'GET', `${ART}/v1/scan/${o.report_id}/log`)).text).toContain('stopped');
    // The vulnerabilities addition shows what a stopped scan left: nothing.
    expect(JSON.parse((await addition(`${ART}/v1/additions/vulnerabilities`)).text)).toEqual({});
  });

  test('a project may choose its scanner; the built-in one scans no vulnerabilities', async () => {
    const c = await api(srv.url, 'GET', '/projects/scan/scanner/candidates?page_size=1');
    expect(c.headers['x-total-count']).toBe('2');
    expectApiError(await api(srv.url, 'PUT', '/projects/scan/scanner', { body: { uuid: 'nope' } }), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'PUT', '/projects/scan/scanner', { body: {} }), 400, 'BAD_REQUEST');
    expect((await api(srv.url, 'PUT', '/projects/scan/scanner', { body: { uuid: BUILTIN } })).status).toBe(200);
    expect((await api(srv.url, 'GET', '/projects/scan/scanner')).body).toMatchObject({ uuid: BUILTIN, is_default: false });
    expectApiError(await api(srv.url, 'POST', `${ART}/v1/scan`), 412, 'PRECONDITION');
    expect((await api(srv.url, 'PUT', '/projects/scan/scanner', { body: { uuid: trivy } })).status).toBe(200);
  });

  test('a scan that fails is an Error with its reason in the log, and a SCANNING_FAILED event', async () => {
    const odd = await startScannerAdapter({ produces: ['application/x-other-report'] });
    try {
      const id = await register('odd', odd.url);
      await api(srv.url, 'PUT', '/projects/scan/scanner', { body: { uuid: id } });
      expect((await api(srv.url, 'POST', `${ART}/v1/scan`)).status).toBe(202);
      await srv.app.scans.idle();
      const o = (await api(srv.url, 'GET', `${ART}/v1?with_scan_overview=true`)).body.scan_overview[V11];
      expect(o).toMatchObject({ scan_status: 'Error' });
      expect((await api(srv.url, 'GET', `${ART}/v1/scan/${o.report_id}/log`)).text).toMatch(/failed: TestScanner produces no vulnerability report/);
      const ev = await hook.next((x) => x.json?.type === 'SCANNING_FAILED');
      expect(ev.json.event_data.resources[0].scan_overview[V11]).toMatchObject({ scan_status: 'Error', report_id: o.report_id });
      await api(srv.url, 'PUT', '/projects/scan/scanner', { body: { uuid: trivy } });
      await api(srv.url, 'DELETE', `/scanners/${id}`);
    } finally { await odd.close(); }
  });

  test('scan all: schedule, run, metrics, stop', async () => {
    expect((await api(srv.url, 'GET', '/system/scanAll/schedule')).body).toEqual({});
    expectApiError(await api(srv.url, 'POST', '/system/scanAll/stop'), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/system/scanAll/schedule', { as: maint, body: { schedule: { type: 'Manual' } } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'PUT', '/system/scanAll/schedule', { body: { schedule: { type: 'Manual' } } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'PUT', '/system/scanAll/schedule', { body: { schedule: { type: 'Custom', cron: 'every day' } } }), 400, 'BAD_REQUEST');
    expect((await api(srv.url, 'POST', '/system/scanAll/schedule', { body: { schedule: { type: 'Manual' } } })).status).toBe(201);
    const e = (await srv.app.scheduler.history('SCAN_ALL', { offset: 0, limit: 1 })).items[0];
    await srv.app.scheduler.wait(e.id);
    const m = await api(srv.url, 'GET', '/scans/all/metrics');
    expect(m.body).toEqual({ total: 2, completed: 2, metrics: { Success: 2 }, ongoing: false, trigger: 'Manual' });
    expect((await api(srv.url, 'GET', '/scans/schedule/metrics')).body).toEqual({});
    expect((await api(srv.url, 'POST', '/system/scanAll/schedule', { body: { schedule: { type: 'Daily', cron: '0 0 1 * * *' } } })).status).toBe(201);
    expectApiError(await api(srv.url, 'POST', '/system/scanAll/schedule', { body: { schedule: { type: 'Daily' } } }), 412, 'PRECONDITION');
    expect((await api(srv.url, 'PUT', '/system/scanAll/schedule', { body: { schedule: { type: 'Weekly', cron: '0 0 2 * * 0' } } })).status).toBe(200);
    expect((await api(srv.url, 'GET', '/system/scanAll/schedule')).body).toMatchObject({ schedule: { type: 'Weekly', cron: '0 0 2 * * 0', next_scheduled_time: expect.any(String) } });
    // A running scan-all is stopped with its scans.
    const release = adapter.hold();
    try {
      expect((await api(srv.url, 'POST', '/system/scanAll/schedule', { body: { schedule: { type: 'Manual' } } })).status).toBe(201);
      expectApiError(await api(srv.url, 'POST', '/system/scanAll/schedule', { body: { schedule: { type: 'Manual' } } }), 409, 'CONFLICT');
      expect((await api(srv.url, 'POST', '/system/scanAll/stop')).status).toBe(202);
    } finally { release(); }
    const e2 = (await srv.app.scheduler.history('SCAN_ALL', { offset: 0, limit: 1 })).items[0];
    await srv.app.scheduler.wait(e2.id);
    await srv.app.scans.idle();
    expect((await srv.app.scheduler.execution('SCAN_ALL', e2.id))!.status).toBe('Stopped');
    expect((await api(srv.url, 'GET', '/scans/all/metrics')).body).toMatchObject({ total: 2, completed: 2, metrics: { Stopped: 2 }, ongoing: false });
    await api(srv.url, 'PUT', '/system/scanAll/schedule', { body: { schedule: { type: 'None' } } });
    expect((await api(srv.url, 'GET', '/system/scanAll/schedule')).body).toEqual({});
  });
});

describe('prevent_vul on pull', () => {
  const pull = (repo: string, ref: string) => http(srv.url, 'GET', `/v2/scan/${repo}/manifests/${ref}`, {
    headers: { ...basicHeader(admin), accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  const expect412 = async (repo: string, ref: string, message: RegExp): Promise<void> => {
    const r = await pull(repo, ref);
    expect({ status: r.status, code: r.body?.errors?.[0]?.code }).toEqual({ status: 412, code: 'PROJECTPOLICYVIOLATION' });
    expect(r.body.errors[0].message).toMatch(message);
  };

  test('refuses what is unscanned, not scanned well, or too vulnerable; the allowlist exempts; the scanner still pulls', async () => {
    expect((await api(srv.url, 'PUT', '/projects/scan', { body: { metadata: { prevent_vul: 'true', severity: 'high' } } })).status).toBe(200);
    // The last scan of v1 was stopped (scan-all above).
    await expect412('app', 'v1', /with "Stopped" status of vulnerability scanning/);
    await push('scan/fresh', 'v1', 'fresh');
    await expect412('fresh', 'v1', /without vulnerability scanning cannot be pulled/);
    // The scanner pulls a refused image all the same (its token is the scanner's).
    expect((await api(srv.url, 'POST', `${ART}/v1/scan`)).status).toBe(202);
    await srv.app.scans.idle();
    expect([...adapter.pulls.values()].at(-1)).toMatchObject({ ok: true });
    await expect412('app', 'v1', /with 2 vulnerabilities cannot be pulled due to configured policy in 'Prevent images with vulnerability severity of "High" or higher/);
    await api(srv.url, 'PUT', '/projects/scan', { body: { metadata: { severity: 'critical' } } });
    await expect412('app', 'v1', /with 1 vulnerability cannot/);
    await api(srv.url, 'PUT', '/projects/scan', { body: { cve_allowlist: { items: [{ cve_id: 'CVE-2099-1000' }] } } });
    expect((await pull('app', 'v1')).status).toBe(200);
    // The system's allowlist instead, when the project reuses it (it is empty here).
    await api(srv.url, 'PUT', '/projects/scan', { body: { metadata: { reuse_sys_cve_allowlist: 'true' } } });
    await expect412('app', 'v1', /with 1 vulnerability cannot/);
    await api(srv.url, 'PUT', '/projects/scan', { body: { metadata: { prevent_vul: 'false', reuse_sys_cve_allowlist: 'false' } } });
    expect((await pull('fresh', 'v1')).status).toBe(200);
  });
});

describe('SBOMs from an adapter', () => {
  test('a project whose scanner makes SBOMs gets its SPDX document as the SBOM accessory', async () => {
    const sb = await startScannerAdapter({ sbom: true });
    try {
      const id = await register('sbom-maker', sb.url);
      await createProject(srv.url, 'sboms');
      await api(srv.url, 'PUT', '/projects/sboms/scanner', { body: { uuid: id } });
      const digest = await push('sboms/img', 'v1', 'sboms');
      const before = sb.requests.length;
      expect((await api(srv.url, 'POST', '/projects/sboms/repositories/img/artifacts/v1/scan', { body: { scan_type: 'sbom' } })).status).toBe(202);
      await srv.app.sbom.idle();
      expect(sb.requests[before]).toMatchObject({ artifact: { repository: 'sboms/img', digest },
        enabled_capabilities: [{ type: 'sbom', produces_mime_types: [SBOM_MIME], parameters: { sbom_media_types: ['application/spdx+json'] } }] });
      const a = await api(srv.url, 'GET', '/projects/sboms/repositories/img/artifacts/v1?with_sbom_overview=true');
      expect(a.body.sbom_overview).toMatchObject({ scan_status: 'Success', sbom_digest: expect.stringMatching(/^sha256:/) });
      const doc = await addition(`/projects/sboms/repositories/img/artifacts/${a.body.sbom_overview.sbom_digest}/additions/sbom`);
      expect(JSON.parse(doc.text)).toMatchObject({ spdxVersion: 'SPDX-2.3', creationInfo: { creators: ['Tool: TestScanner-1.1.0'] }, packages: [expect.anything(), expect.anything()] });
      // One SBOM accessory: the adapter's SPDX document, no CycloneDX twin.
      expect((await api(srv.url, 'GET', '/projects/sboms/repositories/img/artifacts/v1/accessories')).body).toHaveLength(1);
    } finally { await sb.close(); }
  });
});

describe('durable scans', () => {
  test('a scan the server was stopped in the middle of finishes after a restart', async () => {
    const a2 = await startScannerAdapter({ notReadyPolls: 1 });
    const s1 = await startTestServer();
    let s2: TestServer | undefined;
    try {
      const r = await api(s1.url, 'POST', '/scanners', { body: { name: 'A', url: a2.url } });
      await api(s1.url, 'PATCH', `/scanners/${r.headers.location.split('/').pop()}`, { body: { is_default: true } });
      const d = await pushImageWith(s1.url, 'library/img', 'v1', basicHeader(admin));
      if (!d.ok) throw new Error(d.text);
      const release = a2.hold();
      expect((await api(s1.url, 'POST', '/projects/library/repositories/img/artifacts/v1/scan')).status).toBe(202);
      const running = (await api(s1.url, 'GET', '/projects/library/repositories/img/artifacts/v1?with_scan_overview=true')).body.scan_overview[V11];
      expect(running.scan_status).toMatch(/Pending|Running/);
      await s1.close({ keepData: true });
      release();
      s2 = await startTestServer({ dataDir: s1.dataDir });
      await s2.app.scans.idle();
      const o = (await api(s2.url, 'GET', '/projects/library/repositories/img/artifacts/v1?with_scan_overview=true')).body.scan_overview[V11];
      expect(o).toMatchObject({ report_id: running.report_id, scan_status: 'Success', summary: { total: 2 } });
    } finally {
      await s2?.close();
      await a2.close();
    }
  });

  test('a scan-all the server is shut down in leaves its scans to finish after the restart', async () => {
    const a3 = await startScannerAdapter();
    const s1 = await startTestServer();
    let s2: TestServer | undefined;
    try {
      const r = await api(s1.url, 'POST', '/scanners', { body: { name: 'A', url: a3.url } });
      await api(s1.url, 'PATCH', `/scanners/${r.headers.location.split('/').pop()}`, { body: { is_default: true } });
      for (const t of ['a', 'b', 'c']) expect(await pushImageWith(s1.url, `library/${t}`, 'v1', basicHeader(admin))).toMatchObject({ ok: true });
      const release = a3.hold();
      expect((await api(s1.url, 'POST', '/system/scanAll/schedule', { body: { schedule: { type: 'Manual' } } })).status).toBe(201);
      const e = (await s1.app.scheduler.history('SCAN_ALL', { offset: 0, limit: 1 })).items[0];
      // Once a scan reached the adapter, every image's scan was asked for (2 running, 1 queued).
      await a3.received(1);
      expect((await api(s1.url, 'GET', '/scans/all/metrics')).body).toMatchObject({ total: 3, completed: 0, ongoing: true });
      await s1.close({ keepData: true });
      release();
      s2 = await startTestServer({ dataDir: s1.dataDir });
      await s2.app.scans.idle();
      expect(await s2.app.stores.scanReports.countReportsByExecution(e.id)).toEqual({ Success: 3 });
    } finally {
      await s2?.close();
      await a3.close();
    }
  });
});
