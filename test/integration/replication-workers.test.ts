// Replication workers with settings of their own: one task at a time (so a later task of an execution
// can mount what an earlier one pushed to another repository), and a 1 s request timeout that a
// speed-limited push outlasts (the wait for the answer counts from the end of the body).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createProject } from '../helpers/api.js';
import { call, MT, pushBlob, pushManifest } from '../helpers/oci.js';
import { createPolicy, createRegistry, startExecution, taskLog, waitExecution } from '../helpers/replication.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let a: TestServer;
let b: TestServer;
let reg: number;

beforeAll(async () => {
  // Requests to another registry time out after 1 s; the copy below takes about 3 s.
  [a, b] = await Promise.all([startTestServer({ replication: { pollMs: 20, timeoutMs: 1000, maxAttempts: 1, concurrency: 1 } }), startTestServer()]);
  await createProject(a.url, 'slow');
  await createProject(a.url, 'shared');
  reg = await createRegistry(a.url, 'b', b.url, 'harbor', { username: 'admin', password: 'Harbor12345' });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

test('a 256 KiB layer at 64 KB/s (4 s) goes through with a 1 s request timeout', async () => {
  const layer = await pushBlob(a.url, 'slow/app', Buffer.alloc(256 * 1024, 9));
  const config = await pushBlob(a.url, 'slow/app', Buffer.from('{"architecture":"amd64","os":"linux","slow":1}'), MT.ociConfig);
  const m = await pushManifest(a.url, 'slow/app', 'v1', { schemaVersion: 2, mediaType: MT.ociManifest, config, layers: [layer] }, MT.ociManifest);
  const id = await createPolicy(a.url, { name: 'slow', dest_registry: { id: reg }, speed: 64, filters: [{ type: 'name', value: 'slow/**' }] });
  const { execution, tasks } = await waitExecution(a.url, await startExecution(a.url, id));
  expect(execution.status, await taskLog(a.url, execution.id, tasks[0].id)).toBe('Succeed');
  const r = await call(b.url, '/v2/slow/app/manifests/v1', { method: 'HEAD', headers: { accept: MT.ociManifest } });
  expect(r.headers['docker-content-digest']).toBe(m.digest);
});

test('a layer one task of the execution pushed is mounted by the next task, not sent again', async () => {
  const base = await pushBlob(a.url, 'shared/one', Buffer.alloc(300 * 1024, 5));
  for (const repo of ['shared/one', 'shared/two']) {
    const own = await pushBlob(a.url, repo, Buffer.from(`own layer of ${repo}`));
    if (repo === 'shared/two') expect((await call(a.url, `/v2/${repo}/blobs/uploads/?mount=${base.digest}&from=shared/one`, { method: 'POST' })).status).toBe(201);
    const config = await pushBlob(a.url, repo, Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', repo })), MT.ociConfig);
    await pushManifest(a.url, repo, 'v1', { schemaVersion: 2, mediaType: MT.ociManifest, config, layers: [base, own] }, MT.ociManifest);
  }
  const id = await createPolicy(a.url, { name: 'shared', dest_registry: { id: reg }, filters: [{ type: 'name', value: 'shared/**' }] });
  const { execution, tasks } = await waitExecution(a.url, await startExecution(a.url, id));
  expect(execution.status).toBe('Succeed');
  expect(await taskLog(a.url, execution.id, tasks[1].id)).toMatch(new RegExp(`mounted blob ${base.digest} from shared/one`));
  // The shared layer's bytes moved once.
  expect(tasks[0].bytes).toBeGreaterThan(300 * 1024);
  expect(tasks[1].bytes).toBeLessThan(1024);
});
