// /metrics (issue 19): Harbor's and Distribution's metric names, values that follow what the
// registry does, promtool's approval, and a listener that serves nothing else.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { harborctlVersion } from '../../src/core/version.js';
import { api, createProject } from '../helpers/api.js';
import { cliEnv } from '../helpers/cli.js';
import { run } from '../helpers/exec.js';
import { expectPromtoolAccepts, sample } from '../helpers/metrics.js';
import { call, startUpload } from '../helpers/oci.js';
import { pushTinyImage } from '../helpers/push.js';
import { REPO_ROOT } from '../helpers/registry-process.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let metricsUrl: string;

beforeAll(async () => {
  // No cache of the database's figures: each scrape sees the last change.
  server = await startTestServer({ metrics: { ttlMs: 0 } });
  metricsUrl = `http://127.0.0.1:${await server.app.listenMetrics(0, '127.0.0.1')}/metrics`;
});
afterAll(async () => { await server?.close(); });

async function scrape(): Promise<string> {
  const r = await fetch(metricsUrl);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return r.text();
}

it('a new project, a push and a pull move the figures, and promtool accepts every scrape', async () => {
  const before = await scrape();
  await expectPromtoolAccepts(before);
  expect(sample(before, 'harbor_up{component="database"}')).toBe(1);
  expect(sample(before, 'harbor_health')).toBe(1);
  expect(sample(before, 'harbor_project_total{public="false"}')).toBe(0);
  expect(sample(before, 'harbor_project_repo_total{project_name="metrics-p",public="false"}')).toBeUndefined();
  expect(sample(before, 'registry_http_requests_total{handler="manifest",code="201",method="put"}')).toBeUndefined();
  expect(sample(before, `harbor_system_info{auth_mode="db_auth",harbor_version="harborctl-${harborctlVersion()}",self_registration="false"}`)).toBe(1);

  await createProject(server.url, 'metrics-p', { public: false });
  const digest = await pushTinyImage(server.url, 'metrics-p/app', 'v1', { user: 'admin', password: 'Harbor12345' });
  const pull = await call(server.url, '/v2/metrics-p/app/manifests/v1', { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  expect(pull.status).toBe(200);
  const head = await call(server.url, '/v2/metrics-p/app/manifests/v1', { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  expect(head.status).toBe(200);

  const after = await scrape();
  await expectPromtoolAccepts(after);
  expect(sample(after, 'harbor_project_total{public="false"}')).toBe(1);
  expect(sample(after, 'harbor_project_total{public="true"}')).toBe(1); // library
  expect(sample(after, 'harbor_project_repo_total{project_name="metrics-p",public="false"}')).toBe(1);
  expect(sample(after, 'harbor_project_quota_byte{project_name="metrics-p"}')).toBe(-1);
  expect(sample(after, 'harbor_project_quota_usage_byte{project_name="metrics-p"}')).toBeGreaterThan(0);
  const usage = await api(server.url, 'GET', '/projects/metrics-p/summary');
  expect(sample(after, 'harbor_project_quota_usage_byte{project_name="metrics-p"}')).toBe((usage.body as { quota: { used: { storage: number } } }).quota.used.storage);
  // A pull is a manifest GET (as Harbor counts it), not a HEAD.
  expect(sample(after, 'harbor_artifact_pulled{project_name="metrics-p"}')).toBe(1);
  expect(sample(after, 'registry_http_requests_total{handler="manifest",code="201",method="put"}')).toBe(1);
  expect(sample(after, 'registry_http_requests_total{handler="manifest",code="200",method="get"}')).toBe(1);
  expect(sample(after, 'registry_http_requests_total{handler="manifest",code="200",method="head"}')).toBe(1);
  expect(sample(after, 'registry_http_requests_total{handler="blob_upload",code="201",method="post"}')).toBe(2);
  expect(sample(after, 'registry_http_request_duration_seconds_count{handler="manifest",method="get"}')).toBe(1);
  expect(sample(after, 'harbor_core_http_request_total{method="GET",code="200",operation="v2_manifest"}')).toBe(1);
  expect(sample(after, 'harbor_core_http_request_total{method="POST",code="201",operation="/projects"}')).toBe(1);
  expect(sample(after, 'harbor_core_http_request_duration_seconds_count{method="PUT",operation="v2_manifest"}')).toBe(1);
  expect(sample(after, 'harbor_core_http_request_duration_seconds{quantile="0.5",method="PUT",operation="v2_manifest"}')).toBeGreaterThan(0);
  // Request metrics never carry a path or a repository: only the per-project gauges name a project.
  for (const line of after.split('\n').filter((l) => l.includes('metrics-p'))) {
    expect(line).toMatch(/^harbor_(project_repo_total|project_quota_usage_byte|project_quota_byte|artifact_pulled)\{project_name="metrics-p"/);
  }
  expect(after).not.toContain(digest);
  // The process collector's series, read at each scrape (on Linux, the /proc ones too).
  expect(sample(after, 'process_cpu_seconds_total')).toBeGreaterThan(sample(before, 'process_cpu_seconds_total')!);
  expect(sample(after, 'process_resident_memory_bytes')).toBeGreaterThan(sample(after, 'nodejs_heap_size_used_bytes')! / 4);
  expect(sample(after, 'process_open_fds')).toBeGreaterThan(3);
  expect(sample(after, 'process_max_fds')).toBeGreaterThanOrEqual(sample(after, 'process_open_fds')!);
  expect(sample(after, 'process_start_time_seconds')).toBeLessThanOrEqual(Date.now() / 1000);
});

it('counts SBOM jobs and open upload sessions', async () => {
  await createProject(server.url, 'metrics-q', { public: false });
  const digest = await pushTinyImage(server.url, 'metrics-q/app', 'v1', { user: 'admin', password: 'Harbor12345' });
  const before = await scrape();
  const done = sample(before, 'harbor_jobservice_task_total{type="SBOM",status="success"}') ?? 0;
  const failed = sample(before, 'harbor_jobservice_task_total{type="SBOM",status="fail"}') ?? 0;
  const sessions = sample(before, 'harborctl_upload_sessions')!;
  await server.app.sbom.request('metrics-q/app', digest);
  await server.app.sbom.idle();
  await startUpload(server.url, 'metrics-q/app');
  const after = await scrape();
  expect(sample(after, 'harbor_task_queue_size{type="SBOM"}')).toBe(0);
  // The tiny image's layer is not a tar: generation ends either way, and one of the two counts it.
  expect((sample(after, 'harbor_jobservice_task_total{type="SBOM",status="success"}')! - done) + (sample(after, 'harbor_jobservice_task_total{type="SBOM",status="fail"}')! - failed)).toBe(1);
  expect(sample(after, 'harborctl_upload_sessions')).toBe(sessions + 1);
});

it('the metrics listener serves GET /metrics only, and the registry port does not serve metrics', async () => {
  const other = await fetch(metricsUrl.replace('/metrics', '/v2/'));
  expect(other.status).toBe(404);
  await other.text();
  const post = await fetch(metricsUrl, { method: 'POST', body: 'x' });
  expect(post.status).toBe(405);
  expect(post.headers.get('allow')).toBe('GET, HEAD');
  await post.text();
  const main = await call(server.url, '/metrics');
  expect(main.status).toBe(404);
  expect(main.body.toString()).not.toContain('harbor_');
});

it('serve: a chosen --metrics-listen that is taken or malformed is a usage error (exit code 2)', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as { port: number }).port;
  const sandbox = await cliEnv({ HARBOR_ADMIN_PASSWORD: 'Harbor12345' });
  try {
    const bin = join(REPO_ROOT, 'bin', 'harborctl');
    const taken = await run(bin, ['serve', '--listen', '127.0.0.1:0', '--metrics-listen', `127.0.0.1:${port}`], { env: sandbox.env, timeoutMs: 60_000 });
    expect({ code: taken.code, stderr: taken.stderr }).toMatchObject({ code: 2, stderr: expect.stringContaining(`cannot listen on 127.0.0.1:${port}: address already in use`) });
    const malformed = await run(bin, ['serve', '--listen', '127.0.0.1:0', '--metrics-listen', 'nowhere'], { env: sandbox.env, timeoutMs: 60_000 });
    expect({ code: malformed.code, stderr: malformed.stderr }).toMatchObject({ code: 2, stderr: expect.stringContaining('invalid listen address "nowhere"') });
  } finally {
    busy.close();
    await sandbox.cleanup();
  }
});

it('a path under /c/ that is no page is counted as operation "unknown", never by its path', async () => {
  const before = sample(await scrape(), 'harbor_core_http_request_total{method="GET",code="404",operation="unknown"}') ?? 0;
  const r = await call(server.url, '/c/secret-page-in-a-label');
  expect(r.status).toBe(404);
  const after = await scrape();
  expect(after).not.toContain('secret-page-in-a-label');
  expect(sample(after, 'harbor_core_http_request_total{method="GET",code="404",operation="unknown"}')).toBe(before + 1);
});
