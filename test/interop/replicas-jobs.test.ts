// Scale-out of the job service (issue 16): two `harborctl serve` processes on one real PostgreSQL 15
// (test/helpers/postgres.ts) and one blob directory act as one job service for vulnerability scans
// (services/scans.ts) and queue pauses (services/jobmonitor.ts): a scan asked on either replica runs
// once and its report is read on both; a pause or a stop asked on one holds on the other; the
// replica running a scan is killed with SIGKILL and the other one completes it. The scanner is
// test/helpers/scanner-adapter.ts, which pulls from the replica that asked it (its registry URL).
// Without PostgreSQL installed this fails, never skips.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startPostgres, type Postgres } from '../helpers/postgres.js';
import { call, pushImage, type Reply } from '../helpers/oci.js';
import { startHarborctl, type RegistryProcess } from '../helpers/registry-process.js';
import { startScannerAdapter, V11, type ScannerAdapter } from '../helpers/scanner-adapter.js';

const ART = '/projects/library/repositories/app/artifacts';
const TAGS = ['v1', 'v2', 'v3', 'v4'];

interface Overview { report_id: string; scan_status: string; summary?: { total: number } }

let postgres: Postgres | undefined;
let blobDir: string | undefined;
let adapter: ScannerAdapter | undefined;
let r1: RegistryProcess;
let r2: RegistryProcess;
const digests = new Map<string, string>();

const api = (r: RegistryProcess, method: string, path: string, body?: unknown): Promise<Reply> =>
  call(r.url, `/api/v2.0${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });

async function overview(r: RegistryProcess, tag: string): Promise<Overview | undefined> {
  const a = await api(r, 'GET', `${ART}/${tag}?with_scan_overview=true`);
  expect(a.status, a.body.toString()).toBe(200);
  return a.json<{ scan_overview?: Record<string, Overview> }>().scan_overview?.[V11];
}

/** Reads the scan overview on `r` until `done` holds (the test's timeout bounds the wait). */
async function until(r: RegistryProcess, tag: string, done: (o: Overview | undefined) => boolean): Promise<Overview> {
  for (;;) {
    const o = await overview(r, tag);
    if (done(o)) return o!;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const finished = (o: Overview | undefined): boolean => o !== undefined && o.scan_status !== 'Pending' && o.scan_status !== 'Running';

/** The replica whose scan request the adapter received last (it gives the adapter its own URL), and the other one. */
function runnerOfLastRequest(): [RegistryProcess, RegistryProcess] {
  const url = adapter!.requests.at(-1)!.registry.url;
  expect([r1.url, r2.url]).toContain(url);
  return url === r1.url ? [r1, r2] : [r2, r1];
}

describe('two replicas on one PostgreSQL: scans and queue pauses', () => {
  beforeAll(async () => {
    postgres = await startPostgres();
    blobDir = await mkdtemp(join(tmpdir(), 'harborctl-replica-jobs-'));
    adapter = await startScannerAdapter();
    const args = ['--db', await postgres.database(), '--storage', `file:${blobDir}`];
    [r1, r2] = await Promise.all([startHarborctl({ args }), startHarborctl({ args })]);
    // The scanner is registered on one replica and made the default on the other.
    const reg = await api(r1, 'POST', '/scanners', { name: 'A', url: adapter.url });
    expect(reg.status, reg.body.toString()).toBe(201);
    expect((await api(r2, 'PATCH', `/scanners/${reg.headers.location.split('/').pop()}`, { is_default: true })).status).toBe(200);
    for (const t of TAGS) digests.set(t, (await pushImage(r1.url, 'library/app', t, `jobs-${t}`)).digest);
  }, 120_000);
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') {
      for (const r of [r1, r2]) console.error(`replica ${r?.host} log (last 30 lines):\n${r?.logs.slice(-30).join('\n')}`);
    }
  });
  afterAll(async () => {
    await r1?.stop();
    await r2?.stop();
    await adapter?.close();
    if (blobDir) await rm(blobDir, { recursive: true, force: true });
    await postgres?.stop();
  });

  test('a scan asked on one replica runs once, and the other shows its report', async () => {
    const before = adapter!.requests.length;
    expect((await api(r1, 'POST', `${ART}/v1/scan`)).status).toBe(202);
    const o = await until(r2, 'v1', finished);
    expect(o).toMatchObject({ scan_status: 'Success', summary: { total: 2 } });
    expect(await overview(r1, 'v1')).toEqual(o);
    expect(adapter!.requests.slice(before).map((r) => r.artifact.digest)).toEqual([digests.get('v1')]);
    // The report itself, read through the other replica.
    const vulns = await api(r2, 'GET', `${ART}/v1/additions/vulnerabilities`);
    expect(Object.keys(vulns.json<Record<string, unknown>>())).toEqual([V11]);
  });

  test('scan-all asked on one replica scans every image once, wherever its scans run; both replicas show its metrics', async () => {
    const before = adapter!.requests.length;
    expect((await api(r2, 'POST', '/system/scanAll/schedule', { schedule: { type: 'Manual' } })).status).toBe(201);
    let m: { total: number; completed: number; metrics: Record<string, number>; ongoing: boolean };
    do {
      m = (await api(r1, 'GET', '/scans/all/metrics')).json();
      if (m.ongoing) await new Promise((resolve) => setTimeout(resolve, 100));
    } while (m.ongoing);
    expect(m).toMatchObject({ total: TAGS.length, completed: TAGS.length, metrics: { Success: TAGS.length } });
    expect((await api(r2, 'GET', '/scans/all/metrics')).json()).toEqual(m);
    expect(adapter!.requests.slice(before).map((r) => r.artifact.digest).sort()).toEqual([...digests.values()].sort());
  });

  test('a queue paused on one replica is paused on the other: a scan asked there waits until it is resumed', async () => {
    expect((await api(r2, 'PUT', '/jobservice/queues/IMAGE_SCAN', { action: 'pause' })).status).toBe(200);
    const queues = (await api(r1, 'GET', '/jobservice/queues')).json<{ job_type: string; paused: boolean; count: number }[]>();
    expect(queues.find((q) => q.job_type === 'IMAGE_SCAN')).toMatchObject({ paused: true, count: 0 });
    const before = adapter!.requests.length;
    expect((await api(r1, 'POST', `${ART}/v2/scan`)).status).toBe(202);
    expect(await overview(r1, 'v2')).toMatchObject({ scan_status: 'Pending' });
    for (const r of [r1, r2]) {
      expect((await api(r, 'GET', '/jobservice/queues')).json<unknown[]>()[0]).toEqual({ job_type: 'IMAGE_SCAN', count: 1, latency: 0, paused: true });
      expect((await api(r, 'GET', '/jobservice/pools/all/workers')).json<{ job_name?: string }[]>().filter((w) => w.job_name === 'IMAGE_SCAN')).toEqual([]);
    }
    // The other queues too: what one replica shows, the other does.
    expect((await api(r1, 'PUT', '/jobservice/queues/SCHEDULER', { action: 'pause' })).status).toBe(200);
    expect((await api(r2, 'GET', '/schedules/all/paused')).json()).toEqual({ paused: true });
    expect((await api(r2, 'PUT', '/jobservice/queues/SCHEDULER', { action: 'resume' })).status).toBe(200);
    expect((await api(r1, 'GET', '/jobservice/queues')).json()).toEqual((await api(r2, 'GET', '/jobservice/queues')).json());

    expect((await api(r2, 'PUT', '/jobservice/queues/IMAGE_SCAN', { action: 'resume' })).status).toBe(200);
    expect(await until(r1, 'v2', finished)).toMatchObject({ scan_status: 'Success' });
    expect(adapter!.requests.slice(before).map((r) => r.artifact.digest)).toEqual([digests.get('v2')]);
    expect((await api(r1, 'GET', '/jobservice/queues')).json<unknown[]>()[0]).toEqual({ job_type: 'IMAGE_SCAN', count: 0, latency: 0, paused: false });
  });

  test('a stop asked on one replica stops the scan running on the other', async () => {
    const before = adapter!.requests.length;
    const release = adapter!.hold();
    let runner: RegistryProcess;
    let other: RegistryProcess;
    let o: Overview;
    try {
      expect((await api(r1, 'POST', `${ART}/v3/scan`)).status).toBe(202);
      await adapter!.received(before + 1);
      [runner, other] = runnerOfLastRequest();
      const stop = await api(other, 'POST', `${ART}/v3/scan/stop`, { scan_type: 'vulnerability' });
      expect(stop.status, stop.body.toString()).toBe(202);
      // The adapter holds the scan's request until the runner has ended it.
      o = await until(runner, 'v3', finished);
    } finally { release(); }
    expect(o.scan_status).toBe('Stopped');
    expect(await overview(other, 'v3')).toEqual(o);
    // The runner stopped it (not the other replica writing over a scan that went on).
    const log = (await api(other, 'GET', `${ART}/v3/scan/${o.report_id}/log`)).body.toString();
    expect(log).toMatch(/Z stopped\n$/);
    expect(log).not.toContain('report received');
  });

  test('kill -9 of the replica running a scan: the other takes it over once its lease has run out, and completes it', async () => {
    const before = adapter!.requests.length;
    const release = adapter!.hold();
    let survivor: RegistryProcess;
    let asked: Overview;
    try {
      expect((await api(r2, 'POST', `${ART}/v4/scan`)).status).toBe(202);
      asked = (await overview(r2, 'v4'))!;
      await adapter!.received(before + 1);
      const [runner, other] = runnerOfLastRequest();
      survivor = other;
      process.kill(runner.pid, 'SIGKILL');
      await runner.stop(); // waits for the exit (the SIGTERM finds it gone)
    } finally { release(); }
    const o = await until(survivor, 'v4', finished);
    expect(o).toMatchObject({ report_id: asked.report_id, scan_status: 'Success', summary: { total: 2 } });
    // The survivor asked the adapter again (the dead replica never got its answer) and pulled from itself.
    expect(adapter!.requests.slice(before).map((r) => [r.artifact.digest, r.registry.url]).at(-1)).toEqual([digests.get('v4'), survivor.url]);
    expect(adapter!.requests.length - before).toBe(2);
  }, 90_000);
});
