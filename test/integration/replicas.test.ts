// Two replicas in one test process (issue 16): two complete apps on ONE data dir, i.e. one SQLite
// file in WAL mode (two connections) and one blob directory, each with its own database locks, as
// two `serve` processes would be. What must hold: they share keys, uploads, the once-only work
// (proxy fetches, SBOM generation) and quotas. test/interop/replicas.test.ts does it with real
// processes behind HAProxy.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { admin, api, bearer, createProject, createUser, getToken, http } from '../helpers/api.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { call, digestOf, MT, pushImage, startUpload } from '../helpers/oci.js';
import { startDistribution, type RegistryProcess } from '../helpers/registry-process.js';
import { pushDpkgImage } from '../helpers/sbom.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  a = await startTestServer();
  b = await startTestServer({ dataDir: a.dataDir });
});
afterAll(async () => {
  await b?.close({ keepData: true });
  await a?.close();
});

describe('two replicas on one database and one blob store', () => {
  test('they started together on one admin and one library, and sign tokens with one key: a token from one works on the other', async () => {
    expect((await api(b.url, 'GET', '/users')).body).toHaveLength(1);
    await createProject(a.url, 'shared', { public: false });
    await createUser(a.url, 'dev1');
    expect((await api(b.url, 'POST', '/projects/shared/members', { body: { role_id: 2, member_user: { username: 'dev1' } } })).status).toBe(201);
    const t = await getToken(a.url, ['repository:shared/app:pull,push'], { username: 'dev1', password: 'Passw0rdX' });
    expect(t.claims!.access[0].actions.sort()).toEqual(['pull', 'push']);
    const onB = await http(b.url, 'POST', '/v2/shared/app/blobs/uploads/', { headers: bearer(t.token!) });
    expect(onB.status, onB.text).toBe(202);
    const tb = await getToken(b.url, [], admin);
    expect(tb.header!.kid).toBe(t.header!.kid);
  });

  test('a chunked upload whose PATCHes go to alternate replicas completes with the right digest', async () => {
    const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => `chunk line ${i}\n`).join(''));
    let location = await startUpload(a.url, 'library/chunked');
    const parts = [data.subarray(0, 10_000), data.subarray(10_000, 30_000), data.subarray(30_000)];
    let offset = 0;
    for (const [i, part] of parts.entries()) {
      const base = i % 2 === 0 ? b.url : a.url;
      const r = await call(base, location, {
        method: 'PATCH', body: part,
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + part.length - 1}` },
      });
      expect(r.status, r.body.toString()).toBe(202);
      offset += part.length;
      location = r.headers.location;
    }
    const sep = location.includes('?') ? '&' : '?';
    const put = await call(b.url, `${location}${sep}digest=${digestOf(data)}`, { method: 'PUT' });
    expect(put.status, put.body.toString()).toBe(201);
    const got = await call(a.url, `/v2/library/chunked/blobs/${digestOf(data)}`);
    expect(got.status).toBe(200);
    expect(digestOf(got.body)).toBe(digestOf(data));
  });

  test('quotas are exact with concurrent pushes spread over both replicas', async () => {
    const p = await api(a.url, 'POST', '/projects', { body: { project_name: 'quota', storage_limit: 10_000_000 } });
    expect(p.status).toBe(201);
    const pushes = await Promise.all(Array.from({ length: 8 }, (_, i) => pushImage(i % 2 ? a.url : b.url, `quota/img${i}`, 'v1', `quota-${i}`)));
    const summary = (await api(b.url, 'GET', '/projects/quota/summary')).body as { quota: { used: { storage: number } } };
    // Each image: its manifest, a config and layers of its own (the seed makes them unique).
    let expected = 0;
    for (const m of pushes) {
      const doc = JSON.parse(m.bytes.toString()) as { config: { size: number }; layers: { size: number }[] };
      expected += m.size + doc.config.size + doc.layers.reduce((n, l) => n + l.size, 0);
    }
    expect(summary.quota.used.storage).toBe(expected);
  });
});

describe('work done once across the replicas', () => {
  let upstream: RegistryProcess;
  let fault: FaultProxy;

  beforeAll(async () => {
    upstream = await startDistribution();
    fault = await startFaultProxy(upstream.url);
  });
  afterAll(async () => {
    await fault?.close();
    await upstream?.stop();
  });

  test('a proxy-cache blob asked of both replicas at once is fetched from the upstream once', async () => {
    const layerBytes = Buffer.from('a layer fetched once'.repeat(1000));
    // POST then PUT ?digest=: docker-registry ignores a monolithic POST.
    const start = await call(upstream.url, '/v2/library/once/blobs/uploads/', { method: 'POST' });
    expect(start.status).toBe(202);
    const loc = new URL(start.headers.location, upstream.url);
    loc.searchParams.set('digest', digestOf(layerBytes));
    expect((await call(upstream.url, `${loc.pathname}${loc.search}`, { method: 'PUT', body: layerBytes })).status).toBe(201);
    const reg = await api(a.url, 'POST', '/registries', { body: { name: 'up', type: 'docker-registry', url: fault.url } });
    expect(reg.status, reg.text).toBe(201);
    const id = Number(/(\d+)$/.exec(reg.headers.location!)![1]);
    expect((await api(b.url, 'POST', '/projects', { body: { project_name: 'cache', registry_id: id, metadata: { public: 'true' } } })).status).toBe(201);
    const layer = digestOf(layerBytes);
    fault.blobDelayMs = 300; // both requests arrive while the first fetch is still waiting for the upstream
    const [ra, rb] = await Promise.all([a.url, b.url].map((base) => call(base, `/v2/cache/library/once/blobs/${layer}`)));
    fault.blobDelayMs = 0;
    expect([ra.status, rb.status]).toEqual([200, 200]);
    expect(digestOf(ra.body)).toBe(layer);
    expect(digestOf(rb.body)).toBe(layer);
    expect(fault.count('GET', new RegExp(`/blobs/${layer}$`))).toBe(1);
  });

  test('an SBOM request queued on both replicas is generated once', async () => {
    expect((await api(a.url, 'POST', '/projects', { body: { project_name: 'sbauto', metadata: { auto_sbom_generation: 'true' } } })).status).toBe(201);
    const hold = a.app.sbom.hold(); // a queued it and has not started; b takes what the database says is pending
    const img = await pushDpkgImage(a.url, 'sbauto/deb', 'v1');
    await b.app.sbom.sweep();
    await b.app.sbom.idle();
    hold.release();
    await a.app.sbom.idle();
    const done = a.app.sbom.queueStats().succeeded + b.app.sbom.queueStats().succeeded;
    expect(done).toBe(1);
    expect((await a.app.sbom.status('sbauto/deb', img.digest))!.status).toBe('Success');
    const refs = await call(a.url, `/v2/sbauto/deb/referrers/${img.digest}`, { headers: { accept: MT.ociIndex } });
    expect((refs.json<{ manifests: unknown[] }>()).manifests).toHaveLength(2);
  });

  test('garbage collection runs on one replica at a time', async () => {
    const lease = await b.app.stores.locks.acquireLock('job:GARBAGE_COLLECTION', 'another-replica', Date.now(), Date.now() + 60_000);
    expect(lease).toBe(true);
    const r = await api(a.url, 'POST', '/system/gc/schedule', { body: { schedule: { type: 'Manual' }, parameters: { delete_untagged: false, dry_run: true } } });
    expect(r.status).toBe(409);
    await b.app.stores.locks.releaseLock('job:GARBAGE_COLLECTION', 'another-replica');
    const ok = await api(a.url, 'POST', '/system/gc/schedule', { body: { schedule: { type: 'Manual' }, parameters: { delete_untagged: false, dry_run: true } } });
    expect(ok.status, ok.text).toBe(201);
  });

  test('a retention run left Running by a replica that died is ended as Error; one whose replica is alive is left alone', async () => {
    const pid = await createProject(a.url, 'ret', { public: false });
    const r = await api(a.url, 'POST', '/retentions', { body: { algorithm: 'or', rules: [], trigger: { kind: 'Schedule', settings: { cron: '' } }, scope: { level: 'project', ref: pid } } });
    expect(r.status, r.text).toBe(201);
    const policyId = Number(/(\d+)$/.exec(r.headers.location!)![1]);
    const dead = await a.app.stores.retention.createRetentionExecution(policyId, 'MANUAL', false);
    const alive = await a.app.stores.retention.createRetentionExecution(policyId, 'MANUAL', false);
    expect(await a.app.stores.locks.acquireLock(`retention-exec:${alive.id}`, 'a-live-replica', Date.now(), Date.now() + 60_000)).toBe(true);
    expect(await b.app.retention.recover()).toBe(1);
    expect((await a.app.stores.retention.getRetentionExecution(dead.id))!.status).toBe('Error');
    expect((await a.app.stores.retention.getRetentionExecution(alive.id))!.status).toBe('Running');
    await a.app.stores.retention.finishRetentionExecution(alive.id, 'Success');
  });
});
