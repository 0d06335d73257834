// Garbage collection on a real server (issue 15 §2): Harbor's /system/gc API, exact reclaim (bytes
// on disk before and after against a dry run), Harbor's deletion order under delete_untagged,
// quotas exact afterwards, and online GC racing hundreds of pushes, mounts and uploads in flight.
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { api, createUser, expectApiError, type Creds } from '../helpers/api.js';
import { call, digestOf, imageManifest, MT, pushBlob, pushManifest, startUpload, type Descriptor } from '../helpers/oci.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Every byte under the blob store (committed blobs and upload sessions). */
async function diskBytes(dir: string): Promise<number> {
  let n = 0;
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? await diskBytes(p) : (await fsp.stat(p)).size;
  }
  return n;
}

interface GcRun { id: number; status: string; params: Record<string, unknown>; log: string }

async function runGc(srv: TestServer, parameters: Record<string, unknown>): Promise<GcRun> {
  const r = await api(srv.url, 'POST', '/system/gc/schedule', { body: { schedule: { type: 'Manual' }, parameters } });
  expect(r.status, r.text).toBe(201);
  const id = Number(/\/system\/gc\/(\d+)$/.exec(r.headers.location)![1]);
  await srv.app.scheduler.wait(id);
  const h = await api(srv.url, 'GET', `/system/gc/${id}`);
  expect(h.status).toBe(200);
  const log = await api(srv.url, 'GET', `/system/gc/${id}/log`);
  expect(log.status).toBe(200);
  return { id, status: h.body.job_status, params: JSON.parse(h.body.job_parameters), log: log.text };
}

/** Pulls a manifest and every blob it references back, checking each digest. */
async function pullAll(base: string, repo: string, m: Descriptor & { bytes: Buffer }): Promise<void> {
  const r = await call(base, `/v2/${repo}/manifests/${m.digest}`, { headers: { accept: MT.ociManifest } });
  expect(r.status).toBe(200);
  expect(digestOf(r.body)).toBe(m.digest);
  const doc = JSON.parse(m.bytes.toString()) as { config: Descriptor; layers: Descriptor[] };
  for (const d of [doc.config, ...doc.layers]) {
    const b = await call(base, `/v2/${repo}/blobs/${d.digest}`);
    expect(b.status, `${repo} ${d.digest}`).toBe(200);
    expect(digestOf(b.body)).toBe(d.digest);
  }
}

async function usageExact(srv: TestServer): Promise<void> {
  for (const p of await srv.app.stores.projects.listProjects({})) {
    expect({ project: p.name, used: p.storageUsed }).toEqual({ project: p.name, used: await srv.app.stores.projects.recountUsage(p.id) });
  }
}

describe('GC reclaims exactly the unreferenced bytes', () => {
  let srv: TestServer;
  let now = Date.now();
  beforeAll(async () => {
    srv = await startTestServer({ clock: () => now });
  });
  afterAll(async () => {
    await srv.close();
  });

  test('dry run reports what the real run frees, on disk, in Harbor order; quotas stay exact', async () => {
    const base = srv.url;
    // Kept: a tagged image, sharing a layer with a deleted one.
    const shared = await pushBlob(base, 'library/keep', Buffer.from('shared layer'));
    const keepDoc = await imageManifest(base, 'library/keep', { seed: 'keep' });
    (keepDoc.layers as Descriptor[]).push(shared);
    const keep = await pushManifest(base, 'library/keep', 'v1', keepDoc, MT.ociManifest);
    const goneDoc = await imageManifest(base, 'library/gone', { seed: 'gone' });
    await pushBlob(base, 'library/gone', Buffer.from('shared layer'));
    (goneDoc.layers as Descriptor[]).push(shared);
    const gone = await pushManifest(base, 'library/gone', 'v1', goneDoc, MT.ociManifest);
    expect((await call(base, `/v2/library/gone/manifests/${gone.digest}`, { method: 'DELETE' })).status).toBe(202);
    // Untagged: an image with an accessory, and an index with two children (pushed by digest).
    const lone = await pushManifest(base, 'library/untagged', 'x', await imageManifest(base, 'library/untagged', { seed: 'lone' }), MT.ociManifest);
    expect((await call(base, '/v2/library/untagged/manifests/x', { method: 'DELETE' })).status).toBe(202);
    const sigDoc = { ...(await imageManifest(base, 'library/untagged', { seed: 'sig' })), artifactType: 'application/vnd.example.sig', subject: { mediaType: MT.ociManifest, digest: lone.digest, size: lone.size } };
    const sig = await pushManifest(base, 'library/untagged', digestOf(JSON.stringify(sigDoc)), sigDoc, MT.ociManifest);
    const kids: Descriptor[] = [];
    for (const seed of ['kid-a', 'kid-b']) {
      const doc = await imageManifest(base, 'library/untagged', { seed });
      const k = await pushManifest(base, 'library/untagged', digestOf(JSON.stringify(doc)), doc, MT.ociManifest);
      kids.push({ mediaType: k.mediaType, digest: k.digest, size: k.size });
    }
    const indexDoc = { schemaVersion: 2, mediaType: MT.ociIndex, manifests: kids };
    await pushManifest(base, 'library/untagged', digestOf(JSON.stringify(indexDoc)), indexDoc, MT.ociIndex);
    // Bytes a quota refused.
    expect((await api(base, 'POST', '/projects', { body: { project_name: 'tiny', storage_limit: 10 } })).status).toBe(201);
    const refused = await call(base, `/v2/tiny/app/blobs/uploads/?digest=${digestOf('more than ten bytes')}`, {
      method: 'POST', body: Buffer.from('more than ten bytes'), headers: { 'content-type': 'application/octet-stream' },
    });
    expect(refused.status).toBe(403);
    // An abandoned upload session (idle past the TTL) with bytes in it.
    const loc = await startUpload(base, 'library/keep');
    expect((await call(base, loc, { method: 'PATCH', body: Buffer.from('abandoned bytes'), headers: { 'content-type': 'application/octet-stream' } })).status).toBe(202);
    now += 3 * 24 * 3600_000;

    // Without delete_untagged: the deleted image's own blobs, the refused bytes, the abandoned session.
    const before0 = await diskBytes(join(srv.dataDir, 'blobs'));
    const dryPlain = await runGc(srv, { dry_run: true });
    expect(dryPlain.params).toMatchObject({ purged_manifests: 0, purged_blobs: 3, purged_uploads: 1 });
    const realPlain = await runGc(srv, {});
    const { dry_run: _c, ...dryPlainResult } = dryPlain.params;
    const { dry_run: _d, ...realPlainResult } = realPlain.params;
    expect(realPlainResult).toEqual(dryPlainResult);
    expect(before0 - (await diskBytes(join(srv.dataDir, 'blobs')))).toBe(realPlain.params.freed_space);

    const before = await diskBytes(join(srv.dataDir, 'blobs'));
    const dry = await runGc(srv, { delete_untagged: true, dry_run: true });
    expect(dry.status).toBe('Success');
    expect(await diskBytes(join(srv.dataDir, 'blobs'))).toBe(before);
    // 4 untagged artifacts: lone (with its accessory sig), the index, then its two children.
    expect(dry.params).toMatchObject({ dry_run: true, purged_manifests: 4, purged_uploads: 0 });
    expect(dry.log).toContain(`would delete artifact library/untagged@${lone.digest}`);
    expect(dry.log).not.toContain(`@${sig.digest}`); // it goes with its subject, not on its own

    const real = await runGc(srv, { delete_untagged: true, dry_run: false });
    expect(real.status).toBe('Success');
    const after = await diskBytes(join(srv.dataDir, 'blobs'));
    const { dry_run: _a, ...dryResult } = dry.params;
    const { dry_run: _b, ...realResult } = real.params;
    expect(realResult).toEqual(dryResult);
    expect(before - after).toBe(real.params.freed_space);
    expect(real.params.freed_space).toBeGreaterThan(0);

    await pullAll(base, 'library/keep', keep);
    for (const m of [lone, sig]) expect((await call(base, `/v2/library/untagged/manifests/${m.digest}`)).status).toBe(404);
    for (const k of kids) expect((await call(base, `/v2/library/untagged/manifests/${k.digest}`)).status).toBe(404);
    await usageExact(srv);
    // Nothing is left to collect.
    const again = await runGc(srv, { delete_untagged: true });
    expect(again.params).toMatchObject({ purged_manifests: 0, purged_blobs: 0, freed_space: 0, purged_uploads: 0 });
  });
});

describe('online GC races nothing away', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => {
    await srv.close();
  });

  test('hundreds of pushes, mounts and uploads in flight against repeated GC runs; every pushed blob pulls back', async () => {
    const base = srv.url;
    const pushed: { repo: string; m: Descriptor & { bytes: Buffer } }[] = [];
    const first = await pushManifest(base, 'library/src', 'v1', await imageManifest(base, 'library/src', { seed: 'src' }), MT.ociManifest);
    pushed.push({ repo: 'library/src', m: first });
    const srcLayer = (JSON.parse(first.bytes.toString()) as { layers: Descriptor[] }).layers[0];
    let finished = false;
    let runs = 0;
    const gcLoop = (async () => {
      // At least three runs, and as many as fit while the writers work (bounded by them finishing).
      while (!finished || runs < 3) {
        const r = await runGc(srv, { delete_untagged: runs % 2 === 1, workers: 4 });
        expect(r.status).toBe('Success');
        runs++;
      }
    })();
    const writer = async (i: number): Promise<void> => {
      const repo = `library/w${i % 20}`;
      // Garbage being made while GC runs: an image pushed, then deleted, then pushed again elsewhere.
      const doc = await imageManifest(base, repo, { seed: `w${i}` });
      if (i % 3 === 0) {
        const m = await pushManifest(base, repo, `t${i}`, doc, MT.ociManifest);
        expect((await call(base, `/v2/${repo}/manifests/${m.digest}`, { method: 'DELETE' })).status).toBe(202);
        const again = `library/again${i % 7}`;
        const doc2 = await imageManifest(base, again, { seed: `w${i}` });
        pushed.push({ repo: again, m: await pushManifest(base, again, `t${i}`, doc2, MT.ociManifest) });
        return;
      }
      // A cross-repository mount of a live layer, used by the manifest that follows.
      if (i % 3 === 1) {
        const r = await call(base, `/v2/${repo}/blobs/uploads/?mount=${srcLayer.digest}&from=library/src`, { method: 'POST' });
        expect(r.status).toBe(201);
        (doc.layers as Descriptor[]).push(srcLayer);
      }
      // An upload left in flight across GC runs, finished after the manifest.
      const loc = await startUpload(base, repo);
      const part = Buffer.from(`in flight ${i}`);
      expect((await call(base, loc, { method: 'PATCH', body: part, headers: { 'content-type': 'application/octet-stream' } })).status).toBe(202);
      pushed.push({ repo, m: await pushManifest(base, repo, `t${i}`, doc, MT.ociManifest) });
      const done = await call(base, `${loc}?digest=${digestOf(part)}`, { method: 'PUT' });
      expect(done.status).toBe(201);
      const tail = await pushManifest(base, repo, `f${i}`, { schemaVersion: 2, mediaType: MT.ociManifest, config: (doc as { config: Descriptor }).config, layers: [{ mediaType: MT.ociLayer, digest: digestOf(part), size: part.length }] }, MT.ociManifest);
      pushed.push({ repo, m: tail });
    };
    const queue = Array.from({ length: 240 }, (_, i) => i);
    await Promise.all(Array.from({ length: 16 }, async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) await writer(i);
    })).finally(() => { finished = true; });
    await gcLoop;
    expect(runs).toBeGreaterThanOrEqual(3);
    await runGc(srv, { delete_untagged: true });
    expect(pushed.length).toBeGreaterThan(300);
    for (const p of pushed) await pullAll(base, p.repo, p.m);
    await usageExact(srv);
  }, 300_000);
});

describe('/system/gc API', () => {
  let srv: TestServer;
  const user: Creds = { username: 'gcuser', password: 'Gcuser12345' };
  beforeAll(async () => {
    srv = await startTestServer();
    await createUser(srv.url, user.username, user.password);
  });
  afterAll(async () => {
    await srv.close();
  });

  test('schedules: Harbor cron, fixed types, None; bad input is 400', async () => {
    expect((await api(srv.url, 'GET', '/system/gc/schedule')).body).toEqual({});
    const put = await api(srv.url, 'PUT', '/system/gc/schedule', { body: { schedule: { type: 'Custom', cron: '0 30 2 * * *' }, parameters: { delete_untagged: true, workers: 3 } } });
    expect(put.status).toBe(200);
    const s = await api(srv.url, 'GET', '/system/gc/schedule');
    expect(s.body).toMatchObject({ schedule: { type: 'Custom', cron: '0 30 2 * * *', next_scheduled_time: expect.stringMatching(/T02:30:00/) } });
    expect(JSON.parse(s.body.job_parameters)).toEqual({ delete_untagged: true, dry_run: false, workers: 3 });
    expect((await api(srv.url, 'POST', '/system/gc/schedule', { body: { schedule: { type: 'Weekly' } } })).status).toBe(201);
    expect((await api(srv.url, 'GET', '/system/gc/schedule')).body.schedule).toMatchObject({ type: 'Weekly', cron: '0 0 0 * * 0' });
    expectApiError(await api(srv.url, 'PUT', '/system/gc/schedule', { body: { schedule: { type: 'Custom', cron: '0 0 * * *' } } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'PUT', '/system/gc/schedule', { body: { schedule: { type: 'Sometimes' } } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'PUT', '/system/gc/schedule', { body: { schedule: { type: 'Manual' }, parameters: { workers: 11 } } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'PUT', '/system/gc/schedule', { body: { schedule: { type: 'Manual' }, parameters: { __proto__: { dry_run: 'x' }, dry_run: 'yes' } } }), 400, 'BAD_REQUEST');
    expect((await api(srv.url, 'PUT', '/system/gc/schedule', { body: { schedule: { type: 'None' } } })).status).toBe(200);
    expect((await api(srv.url, 'GET', '/system/gc/schedule')).body).toEqual({});
  });

  test('history pages newest first; get, log, stop; unknown ids are 404', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push((await runGc(srv, { dry_run: true })).id);
    const h = await api(srv.url, 'GET', '/system/gc?page=1&page_size=2');
    expect(h.headers['x-total-count']).toBe(String(ids.length));
    expect(h.body.map((x: { id: number }) => x.id)).toEqual([ids[2], ids[1]]);
    expect(h.body[0]).toMatchObject({ job_name: 'GARBAGE_COLLECTION', job_kind: 'MANUAL', job_status: 'Success', deleted: false });
    expect(h.headers.link).toContain('rel="next"');
    expect((await api(srv.url, 'PUT', `/system/gc/${ids[0]}`)).status).toBe(200);
    expectApiError(await api(srv.url, 'GET', '/system/gc/999999'), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'GET', '/system/gc/999999/log'), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'PUT', '/system/gc/999999'), 404, 'NOT_FOUND');
  });

  test('system administrators only', async () => {
    expectApiError(await api(srv.url, 'GET', '/system/gc', { as: null }), 401, 'UNAUTHORIZED');
    expectApiError(await api(srv.url, 'GET', '/system/gc', { as: user }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/system/gc/schedule', { as: user }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'POST', '/system/gc/schedule', { as: user, body: { schedule: { type: 'Manual' } } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'PUT', '/system/gc/1', { as: user }), 403, 'FORBIDDEN');
    // A system robot holds exactly the garbage-collection actions it was given (Harbor's system policies).
    const robot = await api(srv.url, 'POST', '/robots', { body: { name: 'gc-reader', level: 'system', duration: -1,
      permissions: [{ kind: 'system', namespace: '/', access: [{ resource: 'garbage-collection', action: 'list' }, { resource: 'garbage-collection', action: 'read' }] }] } });
    expect(robot.status, robot.text).toBe(201);
    const bot: Creds = { username: robot.body.name, password: robot.body.secret };
    expect((await api(srv.url, 'GET', '/system/gc', { as: bot })).status).toBe(200);
    expect((await api(srv.url, 'GET', '/system/gc/schedule', { as: bot })).status).toBe(200);
    expectApiError(await api(srv.url, 'POST', '/system/gc/schedule', { as: bot, body: { schedule: { type: 'Manual' } } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/system/purgeaudit', { as: bot }), 403, 'FORBIDDEN');
  });
});
