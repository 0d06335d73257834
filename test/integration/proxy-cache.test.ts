// Proxy-cache projects (issue 5) against real upstreams: Debian's docker-registry (open, and behind
// htpasswd), another harborctl (Bearer token dance), each reached through a fault proxy that can
// answer 429 or 500, hang, reset or stop listening. The server's clock is ours, so a revalidation
// interval passes without waiting. Every upstream request is counted at the fault proxy.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { api, createUser, expectApiError, type Creds } from '../helpers/api.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { call, digestOf, expectError, MT, pushImage, pushManifest, type Descriptor } from '../helpers/oci.js';
import { startDistribution, type RegistryProcess } from '../helpers/registry-process.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const REVALIDATE_MS = 60_000;
const TIMEOUT_MS = 400;

let srv: TestServer;
let upstream: RegistryProcess;
let fault: FaultProxy;
let offset = 0;
const clock = (): number => Date.now() + offset;
/** Past the revalidation interval and the failure back-off. */
const later = (): void => { offset += REVALIDATE_MS + 1000; };

async function createEndpoint(name: string, url: string, type = 'docker-registry', credential?: { access_key: string; access_secret: string }): Promise<number> {
  const r = await api(srv.url, 'POST', '/registries', { body: { name, type, url, ...(credential ? { credential: { type: 'basic', ...credential } } : {}) } });
  expect(r.status, r.text).toBe(201);
  return Number(/(\d+)$/.exec(r.headers.location!)![1]);
}

async function createProxyProject(name: string, registryId: number, extra: Record<string, unknown> = {}, as?: Creds): Promise<ReturnType<typeof api>> {
  return api(srv.url, 'POST', '/projects', { body: { project_name: name, registry_id: registryId, metadata: { public: 'false' }, ...extra }, as });
}

function blobPaths(manifest: { config: { digest: string }; layers: { digest: string }[] }): string[] {
  return [manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
}

async function pullAll(base: string, repo: string, ref: string): Promise<{ digest: string; blobs: Record<string, Buffer> }> {
  const m = await call(base, `/v2/${repo}/manifests/${ref}`, { headers: { accept: MT.ociManifest } });
  expect(m.status, m.body.toString()).toBe(200);
  const doc = m.json<{ config: { digest: string }; layers: { digest: string }[] }>();
  const blobs: Record<string, Buffer> = {};
  for (const d of blobPaths(doc)) {
    const b = await call(base, `/v2/${repo}/blobs/${d}`);
    expect(b.status, `${d}: ${b.body.toString().slice(0, 200)}`).toBe(200);
    expect(digestOf(b.body)).toBe(d);
    blobs[d] = b.body;
  }
  return { digest: m.headers['docker-content-digest'], blobs };
}

/** POST then PUT ?digest= with the bytes: the upload every registry takes (docker-registry ignores a monolithic POST). */
async function upBlob(base: string, repo: string, data: Buffer, mediaType: string = MT.ociLayer, headers: Record<string, string> = {}): Promise<Descriptor> {
  const start = await call(base, `/v2/${repo}/blobs/uploads/`, { method: 'POST', headers });
  expect(start.status, start.body.toString()).toBe(202);
  const loc = new URL(start.headers.location, base);
  loc.searchParams.set('digest', digestOf(data));
  const put = await call(base, `${loc.pathname}${loc.search}`, { method: 'PUT', body: data, headers: { ...headers, 'content-type': 'application/octet-stream' } });
  expect(put.status, put.body.toString()).toBe(201);
  return { mediaType, digest: digestOf(data), size: data.length };
}

async function upImage(base: string, repo: string, tag: string, seed: string, headers: Record<string, string> = {}): Promise<{ digest: string }> {
  const config = await upBlob(base, repo, Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', seed })), MT.ociConfig, headers);
  const layer = await upBlob(base, repo, Buffer.from(`layer of ${seed}`), MT.ociLayer, headers);
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.ociManifest, config, layers: [layer] }));
  const r = await call(base, `/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: bytes, headers: { ...headers, 'content-type': MT.ociManifest } });
  expect(r.status, r.body.toString()).toBe(201);
  return { digest: digestOf(bytes) };
}

let hubId: number;
let upId: number;

beforeAll(async () => {
  upstream = await startDistribution();
  fault = await startFaultProxy(upstream.url);
  srv = await startTestServer({ clock, proxy: { revalidateMs: REVALIDATE_MS, upstreamTimeoutMs: TIMEOUT_MS } });
  upId = await createEndpoint('up', fault.url);
  expect((await createProxyProject('cache', upId)).status).toBe(201);
  hubId = await createEndpoint('hub', fault.url, 'docker-hub');
  expect((await createProxyProject('hub', hubId)).status).toBe(201);
  for (const tag of ['1', '2', 'moving', 'down']) await upImage(upstream.url, 'library/tiny', tag, `tiny-${tag}`);
}, 60_000);

afterAll(async () => {
  await srv?.close();
  await fault?.close();
  await upstream?.stop();
});

beforeEach(() => {
  fault.mode = 'pass';
  fault.blobDelayMs = 0;
  later();
});

describe('pull through a proxy-cache project', () => {
  test('the first pull fetches each blob once from the upstream; later pulls by tag and digest are local', async () => {
    const before = fault.forwarded.length;
    const first = await pullAll(srv.url, 'cache/library/tiny', '1');
    const upstreamManifest = await call(upstream.url, '/v2/library/tiny/manifests/1', { headers: { accept: MT.ociManifest } });
    expect(first.digest).toBe(upstreamManifest.headers['docker-content-digest']);
    const fetched = fault.forwarded.slice(before);
    for (const d of Object.keys(first.blobs)) expect(fetched.filter((l) => l === `GET /v2/library/tiny/blobs/${d}`)).toHaveLength(1);

    // Within the interval: nothing goes upstream, by tag or by digest.
    const mark = fault.forwarded.length;
    await pullAll(srv.url, 'cache/library/tiny', '1');
    await pullAll(srv.url, 'cache/library/tiny', first.digest);
    expect(fault.forwarded.slice(mark)).toEqual([]);

    // After it: one HEAD revalidates the tag, and no blob is fetched again.
    later();
    await pullAll(srv.url, 'cache/library/tiny', '1');
    expect(fault.forwarded.slice(mark)).toEqual(['HEAD /v2/library/tiny/manifests/1']);
  });

  test('concurrent pulls of an uncached blob share one upstream fetch', async () => {
    const big = Buffer.alloc(4 << 20, 7);
    big.write('concurrent', 0);
    const layer = await upBlob(upstream.url, 'library/big', big);
    const config = await upBlob(upstream.url, 'library/big', Buffer.from('{"architecture":"amd64","os":"linux"}'), MT.ociConfig);
    await pushManifest(upstream.url, 'library/big', 'v1', { schemaVersion: 2, mediaType: MT.ociManifest, config, layers: [layer] }, MT.ociManifest);
    expect((await call(srv.url, '/v2/cache/library/big/manifests/v1', { headers: { accept: MT.ociManifest } })).status).toBe(200);
    fault.blobDelayMs = 300;
    const replies = await Promise.all(Array.from({ length: 6 }, () => call(srv.url, `/v2/cache/library/big/blobs/${layer.digest}`)));
    for (const r of replies) {
      expect(r.status).toBe(200);
      expect(r.body.equals(big)).toBe(true);
    }
    expect(fault.count('GET', new RegExp(`/blobs/${layer.digest}$`))).toBe(1);
    // A range of it is now served from the store.
    const part = await call(srv.url, `/v2/cache/library/big/blobs/${layer.digest}`, { headers: { range: 'bytes=0-9' } });
    expect(part.status).toBe(206);
    expect(part.body.toString()).toBe('concurrent');
    expect(fault.count('GET', new RegExp(`/blobs/${layer.digest}$`))).toBe(1);
  });

  test('a range of an uncached blob is fetched whole once, then served from the store', async () => {
    const data = Buffer.from('0123456789abcdef'.repeat(1000));
    const layer = await upBlob(upstream.url, 'library/ranged', data);
    const r = await call(srv.url, `/v2/cache/library/ranged/blobs/${layer.digest}`, { headers: { range: 'bytes=16-31' } });
    expect(r.status).toBe(206);
    expect(r.body.toString()).toBe('0123456789abcdef');
    const whole = await call(srv.url, `/v2/cache/library/ranged/blobs/${layer.digest}`);
    expect(whole.body.equals(data)).toBe(true);
    expect(fault.count('GET', new RegExp(`/blobs/${layer.digest}$`))).toBe(1);
  });

  test('HEAD of a blob that is not cached yet answers from the upstream, not 404, and fetches nothing', async () => {
    const data = Buffer.from('head me');
    const layer = await upBlob(upstream.url, 'library/headonly', data);
    const r = await call(srv.url, `/v2/cache/library/headonly/blobs/${layer.digest}`, { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe(String(data.length));
    expect(r.headers['docker-content-digest']).toBe(layer.digest);
    expect(fault.count('GET', new RegExp(`/blobs/${layer.digest}$`))).toBe(0);
    const missing = await call(srv.url, `/v2/cache/library/headonly/blobs/sha256:${'0'.repeat(64)}`, { method: 'HEAD' });
    expect(missing.status).toBe(404);
  });

  test('a tag that moved upstream is served at its new digest after revalidation, and the old digest stays pullable', async () => {
    const old = await pullAll(srv.url, 'cache/library/tiny', 'moving');
    const moved = await upImage(upstream.url, 'library/tiny', 'moving', 'tiny-moving-v2');
    // Within the interval the cached tag is still served.
    expect((await call(srv.url, '/v2/cache/library/tiny/manifests/moving', { headers: { accept: MT.ociManifest } })).headers['docker-content-digest']).toBe(old.digest);
    later();
    const now = await pullAll(srv.url, 'cache/library/tiny', 'moving');
    expect(now.digest).toBe(moved.digest);
    expect(now.digest).not.toBe(old.digest);
    fault.mode = 'reset';
    expect((await call(srv.url, `/v2/cache/library/tiny/manifests/${old.digest}`, { headers: { accept: MT.ociManifest } })).status).toBe(200);
  });

  test('tags/list merges the cached tags with the upstream\'s, and falls back to the cached ones', async () => {
    await pullAll(srv.url, 'cache/library/tiny', '1');
    const r = await call(srv.url, '/v2/cache/library/tiny/tags/list');
    expect(r.json<{ tags: string[] }>().tags).toEqual(expect.arrayContaining(['1', '2', 'down', 'moving']));
    later();
    fault.mode = '500';
    const local = await call(srv.url, '/v2/cache/library/tiny/tags/list');
    expect(local.status).toBe(200);
    expect(local.json<{ tags: string[] }>().tags).toContain('1');
    expect(local.json<{ tags: string[] }>().tags).not.toContain('2');
  });
});

describe('when the upstream fails, the cache is served', () => {
  const failures: [string, (f: FaultProxy) => Promise<void> | void, number, string][] = [
    ['429', (f) => { f.mode = '429'; }, 429, 'TOOMANYREQUESTS'],
    ['500', (f) => { f.mode = '500'; }, 502, 'UPSTREAM_ERROR'],
    ['a timeout', (f) => { f.mode = 'hang'; }, 504, 'UPSTREAM_ERROR'],
    ['a reset connection', (f) => { f.mode = 'reset'; }, 502, 'UPSTREAM_ERROR'],
    ['a refused connection', (f) => f.stop(), 502, 'UPSTREAM_ERROR'],
  ];
  for (const [what, fail, status, code] of failures) {
    test(`${what}: cached tags and digests are served and the event logged; an uncached one gets the clear upstream error`, async () => {
      const cached = await pullAll(srv.url, 'cache/library/tiny', 'down');
      later();
      await fail(fault);
      try {
        const logsBefore = srv.logs.length;
        const again = await pullAll(srv.url, 'cache/library/tiny', 'down');
        expect(again.digest).toBe(cached.digest);
        await pullAll(srv.url, 'cache/library/tiny', cached.digest);
        expect(srv.logs.slice(logsBefore).some((l) => l.includes('upstream failed, serving the cached copy'))).toBe(true);
        later(); // past the back-off, so the uncached pull does ask the upstream
        const missing = await call(srv.url, '/v2/cache/library/tiny/manifests/2-never-pulled', { headers: { accept: MT.ociManifest } });
        expectError(missing, status, code);
        expect(JSON.parse(missing.body.toString()).errors[0].message).toMatch(/upstream.*not cached yet/);
        const blob = await call(srv.url, `/v2/cache/library/tiny/blobs/sha256:${'1'.repeat(64)}`);
        expectError(blob, status, code);
      } finally {
        if (what === 'a refused connection') await fault.start();
        fault.mode = 'pass';
      }
    });
  }

  test('after a failure the upstream is left alone for a while: no request per pull during an outage', async () => {
    await pullAll(srv.url, 'cache/library/tiny', '2');
    later();
    fault.mode = '500';
    await call(srv.url, '/v2/cache/library/tiny/manifests/2', { headers: { accept: MT.ociManifest } });
    fault.mode = 'pass';
    const mark = fault.forwarded.length;
    for (let i = 0; i < 5; i++) expect((await call(srv.url, '/v2/cache/library/tiny/manifests/2', { headers: { accept: MT.ociManifest } })).status).toBe(200);
    expect(fault.forwarded.length).toBe(mark);
  });

  test('a tag the upstream no longer has is 404, as Harbor answers', async () => {
    const r = await call(srv.url, '/v2/cache/library/tiny/manifests/nope', { headers: { accept: MT.ociManifest } });
    expectError(r, 404, 'MANIFEST_UNKNOWN');
    const repo = await call(srv.url, '/v2/cache/library/nothing-here/tags/list');
    expectError(repo, 404, 'NAME_UNKNOWN');
  });
});

describe('upstream authentication', () => {
  let locked: RegistryProcess;
  let harbor: TestServer;
  afterAll(async () => {
    await locked?.stop();
    await harbor?.close();
  });

  test('Basic credentials: a rejected credential serves the cache and is named when nothing is cached', async () => {
    const htpasswd = execFileSync('htpasswd', ['-Bbn', 'puller', 'Pull-Pass-1'], { encoding: 'utf8' });
    locked = await startDistribution({ htpasswd, readyAuthorization: `Basic ${Buffer.from('puller:Pull-Pass-1').toString('base64')}` });
    await upImage(locked.url, 'team/app', '1', 'locked-app', { authorization: `Basic ${Buffer.from('puller:Pull-Pass-1').toString('base64')}` });
    const id = await createEndpoint('locked', locked.url, 'docker-registry', { access_key: 'puller', access_secret: 'Pull-Pass-1' });
    expect((await createProxyProject('lockedcache', id)).status).toBe(201);
    const pulled = await pullAll(srv.url, 'lockedcache/team/app', '1');
    expect(pulled.digest).toMatch(/^sha256:/);
    const upd = await api(srv.url, 'PUT', `/registries/${id}`, { body: { access_key: 'puller', access_secret: 'wrong-password' } });
    expect(upd.status).toBe(200);
    later();
    expect((await pullAll(srv.url, 'lockedcache/team/app', '1')).digest).toBe(pulled.digest);
    later();
    const missing = await call(srv.url, '/v2/lockedcache/team/app/manifests/2', { headers: { accept: MT.ociManifest } });
    expectError(missing, 502, 'UPSTREAM_ERROR');
    expect(JSON.parse(missing.body.toString()).errors[0].message).toMatch(/credential/);
  });

  test('a Harbor-style upstream (our own harborctl): the Docker token dance with the endpoint\'s credential', async () => {
    harbor = await startTestServer();
    await createUser(harbor.url, 'reader', 'Reader-Pass-1');
    expect((await api(harbor.url, 'POST', '/projects', { body: { project_name: 'private', metadata: { public: 'false' } } })).status).toBe(201);
    expect((await api(harbor.url, 'POST', '/projects/private/members', { body: { role_id: 3, member_user: { username: 'reader' } } })).status).toBe(201);
    const img = await pushImage(harbor.url, 'private/app', '1', 'harbor-app');
    const id = await createEndpoint('harbor', harbor.url, 'harbor', { access_key: 'reader', access_secret: 'Reader-Pass-1' });
    expect((await createProxyProject('harborcache', id)).status).toBe(201);
    const pulled = await pullAll(srv.url, 'harborcache/private/app', '1');
    expect(pulled.digest).toBe(img.digest);
    // The upstream saw token requests, not Basic on /v2 (its access log shows /service/token).
    expect(harbor.logs.some((l) => l.includes('/service/token'))).toBe(true);

    // Anonymously: a public project upstream, an anonymous token; the private one stays closed.
    expect((await api(harbor.url, 'POST', '/projects', { body: { project_name: 'open', metadata: { public: 'true' } } })).status).toBe(201);
    const pub = await pushImage(harbor.url, 'open/app', '1', 'harbor-open-app');
    const anon = await createEndpoint('harbor-anon', harbor.url, 'harbor');
    expect((await createProxyProject('anoncache', anon)).status).toBe(201);
    expect((await pullAll(srv.url, 'anoncache/open/app', '1')).digest).toBe(pub.digest);
    const closed = await call(srv.url, '/v2/anoncache/private/app/manifests/1', { headers: { accept: MT.ociManifest } });
    expectError(closed, 502, 'UPSTREAM_ERROR');
    expect(JSON.parse(closed.body.toString()).errors[0].message).toMatch(/anonymous access/);
  });
});

describe('pushes, Docker Hub names, projects and endpoints', () => {
  test('a push into a proxy project is refused with Harbor\'s error', async () => {
    const start = await call(srv.url, '/v2/cache/library/tiny/blobs/uploads/', { method: 'POST' });
    expectError(start, 403, 'DENIED');
    expect(JSON.parse(start.body.toString()).errors[0].message).toMatch(/can not push artifact to a proxy project/);
    const mono = await call(srv.url, `/v2/cache/library/tiny/blobs/uploads/?digest=${digestOf('x')}`, { method: 'POST', body: 'x' });
    expectError(mono, 403, 'DENIED');
    const put = await call(srv.url, '/v2/cache/library/tiny/manifests/pushed', {
      method: 'PUT', headers: { 'content-type': MT.ociManifest }, body: JSON.stringify({ schemaVersion: 2, mediaType: MT.ociManifest, config: {}, layers: [] }),
    });
    expectError(put, 403, 'DENIED');
  });

  test('Docker Hub: a single-segment name is redirected to library/, as Harbor does', async () => {
    const r = await call(srv.url, '/v2/hub/tiny/manifests/1', { headers: { accept: MT.ociManifest } });
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('/v2/hub/library/tiny/manifests/1');
    const t = await call(srv.url, '/v2/hub/tiny/tags/list?n=5');
    expect(t.status).toBe(301);
    expect(t.headers.location).toBe('/v2/hub/library/tiny/tags/list?n=5');
    expect((await pullAll(srv.url, 'hub/library/tiny', '1')).digest).toMatch(/^sha256:/);
    // Not for other endpoint types.
    const plain = await call(srv.url, '/v2/cache/tiny/manifests/1', { headers: { accept: MT.ociManifest } });
    expect(plain.status).toBe(404);
  });

  test('cached content counts against the proxy project\'s quota; a full quota still serves the pull', async () => {
    const q = await api(srv.url, 'GET', '/quotas?reference=project&reference_id=' + (await api(srv.url, 'GET', '/projects/cache')).body.project_id);
    expect(q.body[0].used.storage).toBeGreaterThan(0);
    const id = upId;
    expect((await createProxyProject('tinyquota', id, { storage_limit: 10 })).status).toBe(201);
    const pulled = await pullAll(srv.url, 'tinyquota/library/tiny', '1');
    expect(pulled.digest).toMatch(/^sha256:/);
    const p = await api(srv.url, 'GET', '/projects/tinyquota/summary');
    expect(p.body.quota.used.storage).toBeLessThanOrEqual(10);
    expect(srv.logs.some((l) => l.includes('quota is full'))).toBe(true);
  });

  test('only a system administrator creates a proxy project, of an existing endpoint; an endpoint in use cannot be deleted', async () => {
    await createUser(srv.url, 'dev', 'Dev-Pass-123');
    expectApiError(await createProxyProject('notmine', upId, {}, { username: 'dev', password: 'Dev-Pass-123' }), 403, 'FORBIDDEN');
    expectApiError(await createProxyProject('nowhere', 9999), 400, 'BAD_REQUEST');
    expectApiError(await createProxyProject('badid', 'x' as unknown as number), 400, 'BAD_REQUEST');
    const got = await api(srv.url, 'GET', '/projects/cache');
    expect(got.body.registry_id).toBe(upId);
    const del = await api(srv.url, 'DELETE', `/registries/${upId}`);
    expectApiError(del, 412, 'PRECONDITION');
    expect(del.body.errors[0].message).toMatch(/cache/);
  });
});

describe('a hostile upstream', () => {
  test('a manifest beyond 4 MiB, declared or chunked, is refused with the upstream error and nothing is cached', async () => {
    const huge = Buffer.alloc(5 * 1024 * 1024, 0x20);
    const rogue = http.createServer((q, r) => {
      if (q.url === '/v2/') return void r.writeHead(200).end('{}');
      if (q.url === '/v2/library/big/manifests/declared') return void r.writeHead(200, { 'content-type': MT.ociManifest, 'content-length': String(huge.length) }).end(huge);
      if (q.url === '/v2/library/big/manifests/chunked') {
        r.writeHead(200, { 'content-type': MT.ociManifest });
        for (let i = 0; i < 5; i++) r.write(huge.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
        return void r.end();
      }
      r.writeHead(404).end();
    });
    await new Promise<void>((res) => rogue.listen(0, '127.0.0.1', res));
    try {
      const id = await createEndpoint('rogue', `http://127.0.0.1:${(rogue.address() as AddressInfo).port}`);
      expect((await createProxyProject('rogue', id)).status).toBe(201);
      for (const tag of ['declared', 'chunked']) {
        const r = await call(srv.url, `/v2/rogue/library/big/manifests/${tag}`, { headers: { accept: MT.ociManifest } });
        expectError(r, 502, 'UPSTREAM_ERROR');
        expect(r.body.toString()).toContain('is larger than 4194304 bytes');
      }
      const repos = await api(srv.url, 'GET', '/projects/rogue/repositories');
      expect(repos.body).toEqual([]);
    } finally {
      rogue.closeAllConnections();
      await new Promise((res) => rogue.close(res));
    }
  });
});

