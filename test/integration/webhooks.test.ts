// Webhooks (issue 19) on the real server with real receivers: every event type we can trigger
// (push, pull, delete, quota exceeded and warning, SBOM generation completed and failed, tag retention,
// replication through its hook) reaches an HTTP target
// in Harbor's Default JSON and in CloudEvents 1.0; a target that answers 500 twice gets the event on
// the third attempt and every attempt is in the executions API; a delivery pending at shutdown is
// made after a restart; the auth header is sent but never shown; skip_cert_verify decides whether a
// self-signed HTTPS target is reached. Deliveries are waited on through the receiver and
// app.webhooks.idle(): no timing.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { api, createProject, createUser, addMember, expectApiError, type Creds } from '../helpers/api.js';
import { call, pushImage } from '../helpers/oci.js';
import { pushDpkgImage } from '../helpers/sbom.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { WebhookReceiver, type Received } from '../helpers/webhook-receiver.js';

const ALL = ['PUSH_ARTIFACT', 'PULL_ARTIFACT', 'DELETE_ARTIFACT', 'QUOTA_EXCEED', 'SCANNING_COMPLETED', 'SCANNING_FAILED'];
const CE_TYPE: Record<string, string> = {
  PUSH_ARTIFACT: 'harbor.artifact.pushed', PULL_ARTIFACT: 'harbor.artifact.pulled', DELETE_ARTIFACT: 'harbor.artifact.deleted',
  QUOTA_EXCEED: 'harbor.quota.exceeded', QUOTA_WARNING: 'harbor.quota.warned', TAG_RETENTION: 'harbor.tag_retention.finished',
  REPLICATION: 'harbor.replication.status.changed', SCANNING_COMPLETED: 'harbor.scan.completed', SCANNING_FAILED: 'harbor.scan.failed',
};

let srv: TestServer;
let rx: WebhookReceiver;
const fast = { backoffMs: 1, pollMs: 20, maxAttempts: 4 };

beforeAll(async () => {
  rx = await WebhookReceiver.start();
  srv = await startTestServer({ webhooks: fast });
});
afterAll(async () => {
  await srv?.close();
  await rx?.close();
});

async function createPolicy(project: string, body: Record<string, unknown>, as?: Creds): Promise<number> {
  const r = await api(srv.url, 'POST', `/projects/${project}/webhook/policies`, { body, as });
  expect(r.status, r.text).toBe(201);
  return Number(r.headers.location.split('/').pop());
}

const target = (path: string, payload_format = 'Default', extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ type: 'http', address: `${rx.url}${path}`, payload_format, ...extra });

/** Harbor's size format (quota types/format.go). */
const fmt = (n: number): string => (n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`);

const of = (path: string, type: string) => (r: Received): boolean => r.path === path
  && (r.json?.type === type || r.json?.type === CE_TYPE[type]);

describe('every event type we emit, in both payload formats', () => {
  test('push, pull, delete, quota exceeded, SBOM completed and failed reach Default and CloudEvents targets', async () => {
    await createProject(srv.url, 'hooks');
    expect((await api(srv.url, 'POST', '/projects', { body: { project_name: 'hooksauto', metadata: { auto_sbom_generation: 'true' } } })).status).toBe(201);
    for (const p of ['hooks', 'hooksauto']) {
      await createPolicy(p, { name: 'both', event_types: ALL, targets: [target(`/${p}/default`), target(`/${p}/ce`, 'CloudEvents')], enabled: true });
    }

    const img = await pushImage(srv.url, 'hooks/app', 'v1');
    expect((await call(srv.url, '/v2/hooks/app/manifests/v1')).status).toBe(200);
    expect((await api(srv.url, 'POST', '/projects/hooks/repositories/app/artifacts/v1/scan', { body: { scan_type: 'sbom' } })).status).toBe(202); // no tar: fails
    await srv.app.sbom.idle();
    expect((await call(srv.url, `/v2/hooks/app/manifests/${img.digest}`, { method: 'DELETE' })).status).toBe(202);
    await pushDpkgImage(srv.url, 'hooksauto/deb', 'v1');
    await srv.app.sbom.idle();
    expect((await api(srv.url, 'PUT', '/projects/hooks', { body: { storage_limit: 1 } })).status).toBe(200);
    expect((await pushImage(srv.url, 'hooks/big', 'v1', 'too big').catch((e: Error) => e)) instanceof Error).toBe(true);

    const expected: [string, string][] = [
      ['hooks', 'PUSH_ARTIFACT'], ['hooks', 'PULL_ARTIFACT'], ['hooks', 'SCANNING_FAILED'], ['hooks', 'DELETE_ARTIFACT'], ['hooks', 'QUOTA_EXCEED'],
      ['hooksauto', 'PUSH_ARTIFACT'], ['hooksauto', 'SCANNING_COMPLETED'],
    ];
    for (const [p, type] of expected) {
      const d = await rx.next(of(`/${p}/default`, type));
      expect(d.headers['content-type']).toBe('application/json');
      expect(d.json).toMatchObject({ type, occur_at: expect.any(Number), operator: expect.any(String), event_data: expect.any(Object) });
      const ce = await rx.next(of(`/${p}/ce`, type));
      expect(ce.headers['content-type']).toBe('application/cloudevents+json');
      expect(ce.json).toMatchObject({
        specversion: '1.0', id: expect.stringMatching(/^[0-9a-f-]{36}$/), type: CE_TYPE[type], source: expect.stringMatching(/^\/projects\/\d+\/webhook\/policies\/\d+$/),
        datacontenttype: 'application/json', time: expect.any(String), data: d.json.event_data,
      });
    }
    const push = (await rx.next(of('/hooks/default', 'PUSH_ARTIFACT'))).json;
    expect(push.operator).toBe('admin');
    expect(push.event_data).toMatchObject({
      resources: [{ digest: img.digest, tag: 'v1', resource_url: expect.stringMatching(/\/hooks\/app:v1$/) }],
      repository: { name: 'app', namespace: 'hooks', repo_full_name: 'hooks/app', repo_type: 'private' },
    });
    const scanned = (await rx.next(of('/hooksauto/default', 'SCANNING_COMPLETED'))).json;
    expect(scanned.event_data.resources[0].sbom_overview).toMatchObject({ scan_status: 'Success', sbom_digest: expect.stringMatching(/^sha256:/) });
    expect((await rx.next(of('/hooks/default', 'QUOTA_EXCEED'))).json.event_data.custom_attributes.details).toMatch(/Quota exceeded/);
    // HEAD is no pull, as in Harbor: exactly one PULL_ARTIFACT for the one GET.
    await srv.app.webhooks.idle();
    expect(rx.received.filter(of('/hooks/default', 'PULL_ARTIFACT'))).toHaveLength(1);
  });

  test('a disabled policy, or one without the event type, sends nothing', async () => {
    await createProject(srv.url, 'quiet');
    const id = await createPolicy('quiet', { name: 'off', event_types: ['PUSH_ARTIFACT'], targets: [target('/quiet')], enabled: false });
    await createPolicy('quiet', { name: 'pulls', event_types: ['PULL_ARTIFACT'], targets: [target('/quiet')] });
    await pushImage(srv.url, 'quiet/app', 'v1');
    await srv.app.webhooks.idle();
    expect(rx.received.filter((r) => r.path === '/quiet')).toEqual([]);
    expect((await api(srv.url, 'PUT', `/projects/quiet/webhook/policies/${id}`, { body: { enabled: true } })).status).toBe(200);
    await pushImage(srv.url, 'quiet/app', 'v2');
    expect((await rx.next((r) => r.path === '/quiet')).json.event_data.resources[0].tag).toBe('v2');
  });
});

describe('quota warning and tag retention', () => {
  test('QUOTA_WARNING: each write that leaves the project at 85% of its quota or more warns (Harbor\'s bar), one below it does not', async () => {
    const pid = await createProject(srv.url, 'warn');
    await createPolicy('warn', { name: 'w', event_types: ['QUOTA_WARNING'], targets: [target('/warn/default'), target('/warn/ce', 'CloudEvents')] });
    await pushImage(srv.url, 'warn/app', 'v1');
    const used: number = (await api(srv.url, 'GET', `/quotas/${pid}`)).body.used.storage;
    expect(used).toBeGreaterThan(0);
    // At 50%: a write (the same image under another tag) sends nothing.
    expect((await api(srv.url, 'PUT', `/quotas/${pid}`, { body: { hard: { storage: used * 2 } } })).status).toBe(200);
    await pushImage(srv.url, 'warn/app', 'v2', 'v1');
    await srv.app.webhooks.idle();
    expect(rx.received.filter((r) => r.path.startsWith('/warn/'))).toEqual([]);
    // At about 90%: the next write warns, naming the manifest pushed and the usage in Harbor's words.
    const limit = Math.ceil((used * 100) / 90);
    expect((await api(srv.url, 'PUT', `/quotas/${pid}`, { body: { hard: { storage: limit } } })).status).toBe(200);
    const img = await pushImage(srv.url, 'warn/app', 'v3', 'v1');
    // The blob writes of the push warn too (no resources); the manifest's names the artifact.
    const d = (await rx.next((r) => of('/warn/default', 'QUOTA_WARNING')(r) && r.json.event_data.resources !== undefined)).json;
    expect(d).toMatchObject({ type: 'QUOTA_WARNING', event_data: {
      resources: [{ digest: img.digest, tag: 'v3' }],
      repository: { name: 'app', namespace: 'warn', repo_full_name: 'warn/app', repo_type: 'private' },
      custom_attributes: { details: `quota usage reach 85%: resource storage used ${fmt(used)} of ${fmt(limit)}` },
    } });
    const ce = (await rx.next((r) => of('/warn/ce', 'QUOTA_WARNING')(r) && r.json.data.resources !== undefined)).json;
    expect(ce).toMatchObject({ specversion: '1.0', type: 'harbor.quota.warned', data: d.event_data });
  });

  test('TAG_RETENTION: a run that deletes sends what it deleted and the rules it ran; a dry run sends nothing', async () => {
    const pid = await createProject(srv.url, 'ret');
    await createPolicy('ret', { name: 'r', event_types: ['TAG_RETENTION'], targets: [target('/ret/default'), target('/ret/ce', 'CloudEvents')] });
    await pushImage(srv.url, 'ret/app', 'old');
    await pushImage(srv.url, 'ret/app', 'new');
    await pushImage(srv.url, 'ret/other', 'keep');
    const sel = (decoration: string) => ({ kind: 'doublestar', decoration, pattern: '**', extras: '' });
    const rule = { disabled: false, action: 'retain', template: 'latestPushedK', params: { latestPushedK: 1 }, tag_selectors: [sel('matches')], scope_selectors: { repository: [sel('repoMatches')] } };
    const r = await api(srv.url, 'POST', '/retentions', { body: { algorithm: 'or', rules: [rule], trigger: { kind: 'Schedule', settings: { cron: '' } }, scope: { level: 'project', ref: pid } } });
    expect(r.status, r.text).toBe(201);
    const id = Number(r.headers.location.split('/').pop());
    expect((await api(srv.url, 'POST', `/retentions/${id}/executions`, { body: { dry_run: true } })).status).toBe(201);
    await srv.app.retention.idle();
    await srv.app.webhooks.idle();
    expect(rx.received.filter((x) => x.path.startsWith('/ret/'))).toEqual([]);

    expect((await api(srv.url, 'POST', `/retentions/${id}/executions`, { body: { dry_run: false } })).status).toBe(201);
    await srv.app.retention.idle();
    const d = (await rx.next(of('/ret/default', 'TAG_RETENTION'))).json;
    expect(d).toMatchObject({ type: 'TAG_RETENTION', operator: 'admin', event_data: { retention: {
      total: 2, retained: 1, project_name: 'ret', retention_policy_id: id, result: 'SUCCESS',
      retention_rule: [{ template: 'latestPushedK', params: { latestPushedK: 1 }, tag_selectors: [sel('matches')], scope_selectors: { repository: [sel('repoMatches')] } }],
      deleted_artifact: [{ type: 'image', status: 'SUCCESS', name_tag: 'app:old' }],
    } } });
    expect((await rx.next(of('/ret/ce', 'TAG_RETENTION'))).json).toMatchObject({ type: 'harbor.tag_retention.finished', data: d.event_data });
    // ret/other kept its only artifact: no event for it.
    await srv.app.webhooks.idle();
    expect(rx.received.filter(of('/ret/default', 'TAG_RETENTION'))).toHaveLength(1);
  });
});

describe('the replication hook', () => {
  test('replicationEvent() (the replication engine\'s hook) sends Harbor\'s REPLICATION payload for the local project', async () => {
    await createProject(srv.url, 'repl');
    await createPolicy('repl', { name: 'r', event_types: ['REPLICATION'], targets: [target('/repl/default'), target('/repl/ce', 'CloudEvents')] });
    const project = (await srv.app.stores.projects.getProject('repl'))!;
    const base = {
      project, mode: 'pull' as const, executionId: 7, taskId: 9, trigger: 'MANUAL', startTime: '2026-12-06T07:00:00.000Z', operator: 'admin',
      policyCreator: 'admin', description: 'from hub', override: true, artifactType: 'image', nameAndTag: 'app:v1', references: ['v1'],
      remote: { name: 'hub', type: 'docker-hub', url: 'https://hub.docker.com', namespace: 'library', credentialType: 'basic' },
      localEndpoint: 'https://harbor.example', hostname: 'harbor.example',
    };
    srv.app.webhooks.replicationEvent({ ...base, status: 'Success' });
    const d = (await rx.next(of('/repl/default', 'REPLICATION'))).json;
    expect(d).toMatchObject({ type: 'REPLICATION', operator: 'admin', event_data: { replication: {
      harbor_hostname: 'harbor.example', job_status: 'Success', description: 'from hub', artifact_type: 'image', authentication_type: 'basic',
      override_mode: true, trigger_type: 'MANUAL', policy_creator: 'admin', execution_timestamp: Date.parse(base.startTime) / 1000, execution_id: 7, task_id: 9,
      src_resource: { registry_name: 'hub', registry_type: 'docker-hub', endpoint: 'https://hub.docker.com', namespace: 'library' },
      dest_resource: { registry_type: 'harbor', endpoint: 'https://harbor.example', namespace: 'repl' },
      successful_artifact: [{ type: 'image', status: 'Success', name_tag: 'app:v1', references: ['v1'] }],
    } } });
    expect((await rx.next(of('/repl/ce', 'REPLICATION'))).json).toMatchObject({ type: 'harbor.replication.status.changed', data: d.event_data });
    srv.app.webhooks.replicationEvent({ ...base, mode: 'push', status: 'Error' });
    const failed = (await rx.next((r) => of('/repl/default', 'REPLICATION')(r) && r.json.event_data.replication.job_status === 'Error')).json;
    expect(failed.event_data.replication).toMatchObject({ src_resource: { namespace: 'repl' }, dest_resource: { registry_name: 'hub' }, failed_artifact: [{ name_tag: 'app:v1' }] });
    expect(failed.event_data.replication.successful_artifact).toBeUndefined();
  });
});

describe('the durable queue', () => {
  test('a target answering 500 twice gets the event on the third attempt; every attempt is in the executions API', async () => {
    await createProject(srv.url, 'retry');
    rx.answer('/retry', 500, 500);
    const pid = await createPolicy('retry', { name: 'r', event_types: ['PUSH_ARTIFACT'], targets: [target('/retry', 'Default', { auth_header: 'Bearer s3cret-token' })] });
    await pushImage(srv.url, 'retry/app', 'v1');
    const ok = await rx.next((r) => r.path === '/retry' && r.status === 200);
    expect(ok.headers.authorization).toBe('Bearer s3cret-token');
    expect(rx.received.filter((r) => r.path === '/retry').map((r) => r.status)).toEqual([500, 500, 200]);
    await srv.app.webhooks.idle();

    const ex = await api(srv.url, 'GET', `/projects/retry/webhook/policies/${pid}/executions`);
    expect(ex.headers['x-total-count']).toBe('1');
    expect(ex.body[0]).toMatchObject({ vendor_type: 'WEBHOOK', vendor_id: pid, status: 'Success', trigger: 'EVENT', extra_attrs: { webhook: { event_type: 'PUSH_ARTIFACT' } } });
    const tasks = await api(srv.url, 'GET', `/projects/retry/webhook/policies/${pid}/executions/${ex.body[0].id}/tasks`);
    expect(tasks.body).toEqual([expect.objectContaining({ execution_id: ex.body[0].id, status: 'Success', run_count: 3 })]);
    const log = await api(srv.url, 'GET', `/projects/retry/webhook/policies/${pid}/executions/${ex.body[0].id}/tasks/${tasks.body[0].id}/log`);
    expect(log.headers['content-type']).toMatch(/^text\/plain/);
    const lines = log.text.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/attempt 1\/4: POST .* -> HTTP 500 .*next attempt at/);
    expect(lines[2]).toMatch(/attempt 3\/4: .* -> HTTP 200/);
    expect(log.text).not.toContain('s3cret');
    // The auth header is never shown back, and sending the mask back keeps it.
    const got = await api(srv.url, 'GET', `/projects/retry/webhook/policies/${pid}`);
    expect(got.body.targets[0].auth_header).toBe('*****');
    expect(got.text).not.toContain('s3cret');
    expect((await api(srv.url, 'PUT', `/projects/retry/webhook/policies/${pid}`, { body: { targets: got.body.targets } })).status).toBe(200);
    await pushImage(srv.url, 'retry/app', 'v2');
    expect((await rx.next((r) => r.path === '/retry' && r.json.event_data.resources[0].tag === 'v2')).headers.authorization).toBe('Bearer s3cret-token');
  });

  test('a target that never answers 2xx ends in Error after maxAttempts', async () => {
    await createProject(srv.url, 'failing');
    rx.answer('/failing', 503, 503, 503, 503);
    const pid = await createPolicy('failing', { name: 'f', event_types: ['PUSH_ARTIFACT'], targets: [target('/failing')] });
    await pushImage(srv.url, 'failing/app', 'v1');
    await rx.next((r) => r.path === '/failing' && rx.received.filter((x) => x.path === '/failing').length === 4);
    await srv.app.webhooks.idle();
    const ex = await api(srv.url, 'GET', `/projects/failing/webhook/policies/${pid}/executions`);
    expect(ex.body[0]).toMatchObject({ status: 'Error', status_message: expect.stringContaining('HTTP 503'), metrics: { error_task_count: 1 } });
  });

  test('a delivery pending when the server stops is made after it starts again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'harborctl-webhook-restart-'));
    const rx2 = await WebhookReceiver.start();
    let s1: TestServer | undefined = await startTestServer({ dataDir: dir, webhooks: { ...fast, backoffMs: 3_600_000 } });
    let s2: TestServer | undefined;
    try {
      await createProject(s1.url, 'restart');
      rx2.answer('/r', 500);
      const r = await api(s1.url, 'POST', '/projects/restart/webhook/policies', { body: { name: 'r', event_types: ['PUSH_ARTIFACT'], targets: [{ address: `${rx2.url}/r` }] } });
      const pid = Number(r.headers.location.split('/').pop());
      await pushImage(s1.url, 'restart/app', 'v1');
      await rx2.next((x) => x.path === '/r' && x.status === 500);
      await s1.app.webhooks.idle();
      await s1.close({ keepData: true });
      s1 = undefined;
      // An hour's backoff has not passed: the new process takes the delivery once it is due, so move its clock.
      s2 = await startTestServer({ dataDir: dir, webhooks: fast, clock: () => Date.now() + 2 * 3_600_000 });
      const ok = await rx2.next((x) => x.path === '/r' && x.status === 200);
      expect(ok.json).toMatchObject({ type: 'PUSH_ARTIFACT', event_data: { resources: [{ tag: 'v1' }] } });
      await s2.app.webhooks.idle();
      const ex = await api(s2.url, 'GET', `/projects/restart/webhook/policies/${pid}/executions`);
      expect(ex.body).toEqual([expect.objectContaining({ status: 'Success' })]);
      const tasks = await api(s2.url, 'GET', `/projects/restart/webhook/policies/${pid}/executions/${ex.body[0].id}/tasks`);
      expect(tasks.body[0].run_count).toBe(2);
    } finally {
      await s1?.close({ keepData: true });
      await s2?.close();
      await rx2.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("Harbor's deprecated lasttrigger and jobs", () => {
  test('lasttrigger: one row per policy and event type, with the newest delivery time; jobs: the deliveries in the old job shape', async () => {
    await createProject(srv.url, 'oldapi');
    const pid = await createPolicy('oldapi', { name: 'o', event_types: ['PUSH_ARTIFACT', 'PULL_ARTIFACT'], targets: [target('/oldapi')] });
    const before = await api(srv.url, 'GET', '/projects/oldapi/webhook/lasttrigger');
    expect(before.status, before.text).toBe(200);
    expect(before.body).toEqual([
      { policy_name: 'o', event_type: 'PUSH_ARTIFACT', enabled: true, creation_time: expect.any(String) },
      { policy_name: 'o', event_type: 'PULL_ARTIFACT', enabled: true, creation_time: expect.any(String) },
    ]);
    await pushImage(srv.url, 'oldapi/app', 'v1');
    await rx.next((r) => r.path === '/oldapi' && r.json?.type === 'PUSH_ARTIFACT');
    await srv.app.webhooks.idle();
    const jobs = await api(srv.url, 'GET', `/projects/oldapi/webhook/jobs?policy_id=${pid}`);
    expect(jobs.status, jobs.text).toBe(200);
    expect(jobs.headers['x-total-count']).toBe('1');
    expect(jobs.body).toEqual([{ id: expect.any(Number), policy_id: pid, event_type: 'PUSH_ARTIFACT', notify_type: 'http', status: 'Success',
      job_detail: expect.any(String), creation_time: expect.any(String), update_time: expect.any(String) }]);
    expect(JSON.parse(jobs.body[0].job_detail)).toMatchObject({ type: 'PUSH_ARTIFACT', event_data: { resources: [{ tag: 'v1' }] } });
    const after = await api(srv.url, 'GET', '/projects/oldapi/webhook/lasttrigger');
    expect(after.body[0]).toMatchObject({ event_type: 'PUSH_ARTIFACT', last_trigger_time: jobs.body[0].creation_time });
    expect(after.body[1]).not.toHaveProperty('last_trigger_time');

    // status= filters (an array in csv form); an unknown one matches nothing.
    expect((await api(srv.url, 'GET', `/projects/oldapi/webhook/jobs?policy_id=${pid}&status=Error,Success`)).body).toHaveLength(1);
    expect((await api(srv.url, 'GET', `/projects/oldapi/webhook/jobs?policy_id=${pid}&status=Error`)).body).toEqual([]);
    const unknown = await api(srv.url, 'GET', `/projects/oldapi/webhook/jobs?policy_id=${pid}&status=__proto__`);
    expect(unknown.body).toEqual([]);
    expect(unknown.headers['x-total-count']).toBe('0');
  });

  test('bad input and permissions', async () => {
    await createProject(srv.url, 'oldbad');
    await createProject(srv.url, 'oldother');
    const pid = await createPolicy('oldbad', { name: 'b', event_types: ['PUSH_ARTIFACT'], targets: [target('/oldbad')] });
    expectApiError(await api(srv.url, 'GET', '/projects/oldbad/webhook/jobs'), 422, 'UNPROCESSABLE_ENTITY');
    expectApiError(await api(srv.url, 'GET', '/projects/oldbad/webhook/jobs?policy_id=abc'), 422, 'UNPROCESSABLE_ENTITY');
    expectApiError(await api(srv.url, 'GET', '/projects/oldbad/webhook/jobs?policy_id=99999'), 404, 'NOT_FOUND');
    // Another project's policy is not found through this one.
    expectApiError(await api(srv.url, 'GET', `/projects/oldother/webhook/jobs?policy_id=${pid}`), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'GET', `/projects/oldbad/webhook/jobs?policy_id=${pid}&q=nonsense`), 400, 'BAD_REQUEST');
    const many = Array.from({ length: 11 }, (_, i) => `s${i}`).join(',');
    expectApiError(await api(srv.url, 'GET', `/projects/oldbad/webhook/jobs?policy_id=${pid}&status=${many}`), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'GET', '/projects/nosuch/webhook/lasttrigger'), 404, 'NOT_FOUND');
    await createUser(srv.url, 'old-dev', 'Devel12345');
    await addMember(srv.url, 'oldbad', 'old-dev', 2);
    const dev = { username: 'old-dev', password: 'Devel12345' };
    expectApiError(await api(srv.url, 'GET', '/projects/oldbad/webhook/lasttrigger', { as: dev }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', `/projects/oldbad/webhook/jobs?policy_id=${pid}`, { as: dev }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/projects/oldbad/webhook/lasttrigger', { as: null }), 401, 'UNAUTHORIZED');
  });
});

describe('targets', () => {
  test('skip_cert_verify decides whether a self-signed HTTPS target is reached', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'harborctl-webhook-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const tls = await WebhookReceiver.start({ cert: await readFile(join(dir, 'cert.pem'), 'utf8'), key: await readFile(join(dir, 'key.pem'), 'utf8') });
    try {
      await createProject(srv.url, 'tls');
      const strict = await createPolicy('tls', { name: 'strict', event_types: ['PUSH_ARTIFACT'], targets: [{ address: `${tls.url}/strict` }] });
      await createPolicy('tls', { name: 'skip', event_types: ['PUSH_ARTIFACT'], targets: [{ address: `${tls.url}/skip`, skip_cert_verify: true }] });
      await pushImage(srv.url, 'tls/app', 'v1');
      expect((await tls.next((r) => r.path === '/skip')).json.type).toBe('PUSH_ARTIFACT');
      const lastAttempt = async (): Promise<string> => {
        for (;;) {
          await srv.app.webhooks.idle();
          const ex = await api(srv.url, 'GET', `/projects/tls/webhook/policies/${strict}/executions`);
          if (ex.body[0].status === 'Error') return ex.body[0].status_message as string;
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      expect(await lastAttempt()).toMatch(/certificate/i);
      expect(tls.received.filter((r) => r.path === '/strict')).toEqual([]);
    } finally {
      await tls.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a slack target gets a Slack message', async () => {
    await createProject(srv.url, 'slack');
    await createPolicy('slack', { name: 's', event_types: ['PUSH_ARTIFACT'], targets: [{ type: 'slack', address: `${rx.url}/slack` }] });
    await pushImage(srv.url, 'slack/app', 'v1');
    const m = (await rx.next((r) => r.path === '/slack')).json;
    expect(m.text).toMatch(/PUSH_ARTIFACT by admin/);
    expect(m.blocks[1].text.text).toContain('slack/app');
  });
});

describe('the API', () => {
  test('validation, names, events and permissions', async () => {
    await createProject(srv.url, 'api');
    const good = { name: 'g', event_types: ['PUSH_ARTIFACT'], targets: [target('/api')] };
    const bad = async (body: unknown): Promise<void> => {
      expectApiError(await api(srv.url, 'POST', '/projects/api/webhook/policies', { body }), 400, 'BAD_REQUEST');
    };
    await bad({ ...good, event_types: ['NOPE'] });
    await bad({ ...good, event_types: [] });
    await bad({ ...good, targets: [{ address: 'ftp://x/' }] });
    await bad({ ...good, targets: [{ address: `${rx.url}/x`, payload_format: 'Other' }] });
    await bad({ ...good, targets: [{ type: 'slack', address: `${rx.url}/x`, payload_format: 'CloudEvents' }] });
    await bad({ ...good, targets: [{ address: `${rx.url}/x`, auth_header: 'a\r\nX-Injected: 1' }] });
    await bad({ ...good, targets: [{ __proto__: { address: 'http://x/' } }] });
    await bad({ name: 'x' });
    const id = await createPolicy('api', good);
    expectApiError(await api(srv.url, 'POST', '/projects/api/webhook/policies', { body: good }), 409, 'CONFLICT');
    expectApiError(await api(srv.url, 'GET', '/projects/api/webhook/policies/99999'), 404, 'NOT_FOUND');
    await createProject(srv.url, 'api2');
    expectApiError(await api(srv.url, 'GET', `/projects/api2/webhook/policies/${id}`), 404, 'NOT_FOUND');
    const ev = await api(srv.url, 'GET', '/projects/api/webhook/events');
    expect(ev.body.event_type).toEqual(expect.arrayContaining([...ALL, 'QUOTA_WARNING', 'REPLICATION', 'TAG_RETENTION']));
    expect(ev.body.payload_formats).toContainEqual({ notify_type: 'http', formats: ['Default', 'CloudEvents'] });

    // Harbor's matrix: project admins manage policies, maintainers read them, developers see nothing.
    await createUser(srv.url, 'wh-maint', 'Maint12345');
    await createUser(srv.url, 'wh-dev', 'Devel12345');
    await addMember(srv.url, 'api', 'wh-maint', 4);
    await addMember(srv.url, 'api', 'wh-dev', 2);
    const maint = { username: 'wh-maint', password: 'Maint12345' };
    const dev = { username: 'wh-dev', password: 'Devel12345' };
    expect((await api(srv.url, 'GET', '/projects/api/webhook/policies', { as: maint })).body).toHaveLength(1);
    expectApiError(await api(srv.url, 'POST', '/projects/api/webhook/policies', { as: maint, body: { ...good, name: 'm' } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/projects/api/webhook/policies', { as: dev }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'DELETE', `/projects/api/webhook/policies/${id}`, { as: dev }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/projects/api/webhook/policies', { as: null }), 401, 'UNAUTHORIZED');
    expect((await api(srv.url, 'DELETE', `/projects/api/webhook/policies/${id}`)).status).toBe(200);
    expectApiError(await api(srv.url, 'GET', `/projects/api/webhook/policies/${id}`), 404, 'NOT_FOUND');
  });
});
