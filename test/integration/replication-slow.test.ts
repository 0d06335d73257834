// A speed-limited push takes longer than the request timeout: the upload's wait for the answer must
// count from the end of its body, not from its start (undici's headers timeout runs while a slow body
// is still being sent and would cut it).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createProject } from '../helpers/api.js';
import { call, MT, pushBlob, pushManifest } from '../helpers/oci.js';
import { createPolicy, createRegistry, startExecution, taskLog, waitExecution } from '../helpers/replication.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  // Requests to another registry time out after 1 s; the copy below takes about 3 s.
  [a, b] = await Promise.all([startTestServer({ replication: { pollMs: 20, timeoutMs: 1000, maxAttempts: 1 } }), startTestServer()]);
  await createProject(a.url, 'slow');
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

test('a 256 KiB layer at 64 KB/s (4 s) goes through with a 1 s request timeout', async () => {
  const layer = await pushBlob(a.url, 'slow/app', Buffer.alloc(256 * 1024, 9));
  const config = await pushBlob(a.url, 'slow/app', Buffer.from('{"architecture":"amd64","os":"linux","slow":1}'), MT.ociConfig);
  const m = await pushManifest(a.url, 'slow/app', 'v1', { schemaVersion: 2, mediaType: MT.ociManifest, config, layers: [layer] }, MT.ociManifest);
  const reg = await createRegistry(a.url, 'b', b.url, 'harbor', { username: 'admin', password: 'Harbor12345' });
  const id = await createPolicy(a.url, { name: 'slow', dest_registry: { id: reg }, speed: 64, filters: [{ type: 'name', value: 'slow/**' }] });
  const { execution, tasks } = await waitExecution(a.url, await startExecution(a.url, id));
  expect(execution.status, await taskLog(a.url, execution.id, tasks[0].id)).toBe('Succeed');
  const r = await call(b.url, '/v2/slow/app/manifests/v1', { method: 'HEAD', headers: { accept: MT.ociManifest } });
  expect(r.headers['docker-content-digest']).toBe(m.digest);
});
