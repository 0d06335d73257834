// Storage quotas on a real server: Harbor's /api/v2.0/quotas, usage counted once per project and
// released at once on delete, enforcement on upload commit, mount and manifest push, and 32
// concurrent pushes that never take usage over the limit.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addMember, admin, api, basicHeader, createProject, createUser, expectApiError, http, pushImageWith, type Creds } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
const auth = basicHeader(admin);
const dev: Creds = { username: 'qdev', password: 'Qdev12345' };

const dig = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function pushBlob(repo: string, blob: Buffer): Promise<{ status: number; text: string }> {
  const r = await http(srv.url, 'POST', `/v2/${repo}/blobs/uploads/?digest=${dig(blob)}`, { headers: { ...auth, 'content-type': 'application/octet-stream' }, body: blob.toString('latin1') });
  return { status: r.status, text: r.text };
}

/** Chunked upload: POST, PATCH, then the committing PUT. */
async function pushBlobChunked(repo: string, blob: Buffer): Promise<{ status: number; text: string }> {
  const start = await http(srv.url, 'POST', `/v2/${repo}/blobs/uploads/`, { headers: auth });
  expect(start.status).toBe(202);
  const loc = start.headers.location;
  const patch = await http(srv.url, 'PATCH', loc, { headers: { ...auth, 'content-type': 'application/octet-stream' }, body: blob.toString('latin1') });
  expect(patch.status).toBe(202);
  const put = await http(srv.url, 'PUT', `${patch.headers.location}${patch.headers.location.includes('?') ? '&' : '?'}digest=${dig(blob)}`, { headers: auth });
  return { status: put.status, text: put.text };
}

function manifestOf(config: Buffer, layers: Buffer[]): Buffer {
  return Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: dig(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: dig(l), size: l.length })),
  }));
}

async function putManifest(repo: string, tag: string, m: Buffer): Promise<{ status: number; text: string; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await http(srv.url, 'PUT', `/v2/${repo}/manifests/${tag}`, { headers: { ...auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: m.toString('utf8') });
  return { status: r.status, text: r.text, body: r.body };
}

async function quota(pid: number): Promise<{ hard: number; used: number }> {
  const r = await api(srv.url, 'GET', `/quotas/${pid}`);
  expect(r.status, r.text).toBe(200);
  return { hard: r.body.hard.storage, used: r.body.used.storage };
}

/** Usage from the quota API, after checking the verify endpoint finds no drift against a recount. */
async function used(pid: number): Promise<number> {
  const v = await api(srv.url, 'GET', `/quotas/${pid}/verify`, { raw: true });
  expect(v.status, v.text).toBe(200);
  expect(v.body.drift.storage).toBe(0);
  expect(v.body.recount.storage).toBe(await srv.app.quotas.recount(pid));
  const u = (await quota(pid)).used;
  expect(v.body.used.storage).toBe(u);
  return u;
}

async function setLimit(pid: number, storage: number): Promise<void> {
  const r = await api(srv.url, 'PUT', `/quotas/${pid}`, { body: { hard: { storage } } });
  expect(r.status, r.text).toBe(200);
}

function expectQuotaDenied(r: { status: number; text: string }, parts: { limit: number; used: number; requested: number }): void {
  expect(r.status, r.text).toBe(403);
  const body = JSON.parse(r.text) as { errors: { code: string; message: string }[] };
  expect(body.errors[0].code).toBe('DENIED');
  const msg = body.errors[0].message;
  expect(msg).toContain(`adding`);
  expect(msg).toContain(`(${parts.requested} bytes) of storage resource`);
  expect(msg).toContain(`current usage of`);
  expect(msg).toContain(`(${parts.used} bytes)`);
  expect(msg).toContain(`upper limit of`);
  expect(msg).toContain(`(${parts.limit} bytes)`);
}

beforeAll(async () => {
  srv = await startTestServer();
  await createUser(srv.url, dev.username, dev.password);
});
afterAll(async () => { await srv.close(); });

describe('the quota API', () => {
  test('list by reference, get, update; Harbor shapes; -1 unlimited by default', async () => {
    const pid = await createProject(srv.url, 'q-api');
    const list = await api(srv.url, 'GET', `/quotas?reference=project&reference_id=${pid}`);
    expect(list.status).toBe(200);
    expect(list.headers['x-total-count']).toBe('1');
    expect(list.body).toEqual([expect.objectContaining({ id: pid, ref: { id: pid, name: 'q-api', owner_name: 'admin' }, hard: { storage: -1 }, used: { storage: 0 } })]);
    expect((await api(srv.url, 'GET', '/quotas?reference=project&reference_id=999999')).body).toEqual([]);
    expect((await api(srv.url, 'GET', '/quotas')).body.length).toBeGreaterThanOrEqual(2); // library too
    await setLimit(pid, 10 * 1024 * 1024);
    expect(await quota(pid)).toEqual({ hard: 10 * 1024 * 1024, used: 0 });
    expect((await api(srv.url, 'GET', '/projects/q-api/summary')).body.quota).toEqual({ hard: { storage: 10 * 1024 * 1024 }, used: { storage: 0 } });
    await setLimit(pid, -1);
    expect((await quota(pid)).hard).toBe(-1);
  });

  test('bad bodies are 400, unknown ids 404', async () => {
    const pid = await createProject(srv.url, 'q-bad');
    for (const body of [{ hard: { storage: 0 } }, { hard: { storage: -2 } }, { hard: { storage: 'big' } }, { hard: { count: 1 } }, { hard: [] }, {}]) {
      expectApiError(await api(srv.url, 'PUT', `/quotas/${pid}`, { body }), 400, 'BAD_REQUEST');
    }
    expectApiError(await api(srv.url, 'GET', '/quotas/999999'), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'PUT', '/quotas/999999', { body: { hard: { storage: 5 } } }), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'POST', '/projects', { body: { project_name: 'q-zero', storage_limit: 0 } }), 400, 'BAD_REQUEST');
  });

  test('the quota API is for the system admin; members see usage in the project summary', async () => {
    const pid = await createProject(srv.url, 'q-perm');
    await addMember(srv.url, 'q-perm', dev.username, 1);
    expectApiError(await api(srv.url, 'GET', '/quotas', { as: dev }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', `/quotas/${pid}`, { as: dev }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'PUT', `/quotas/${pid}`, { as: dev, body: { hard: { storage: 5 } } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', `/quotas/${pid}/verify`, { as: dev, raw: true }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/quotas', { as: null }), 401, 'UNAUTHORIZED');
    // A project admin cannot lift its own limit through the project either.
    expectApiError(await api(srv.url, 'PUT', '/projects/q-perm', { as: dev, body: { storage_limit: -1 } }), 403, 'FORBIDDEN');
    expect((await api(srv.url, 'GET', '/projects/q-perm/summary', { as: dev })).body.quota).toEqual({ hard: { storage: -1 }, used: { storage: 0 } });
  });

  test('storage_limit at creation and through the project', async () => {
    const r = await api(srv.url, 'POST', '/projects', { body: { project_name: 'q-created', storage_limit: 4096 } });
    expect(r.status).toBe(201);
    const pid = Number(r.headers.location.split('/').pop());
    expect((await quota(pid)).hard).toBe(4096);
    expect((await api(srv.url, 'PUT', '/projects/q-created', { body: { storage_limit: 8192 } })).status).toBe(200);
    expect((await quota(pid)).hard).toBe(8192);
  });

  test('a configured system default applies to new projects', async () => {
    const other = await startTestServer({ defaultStorageLimit: 1 << 20 });
    try {
      const r = await api(other.url, 'POST', '/projects', { body: { project_name: 'defaulted' } });
      const pid = Number(r.headers.location.split('/').pop());
      expect((await api(other.url, 'GET', `/quotas/${pid}`)).body.hard).toEqual({ storage: 1 << 20 });
      const explicit = await api(other.url, 'POST', '/projects', { body: { project_name: 'explicit', storage_limit: -1 } });
      expect((await api(other.url, 'GET', `/quotas/${Number(explicit.headers.location.split('/').pop())}`)).body.hard).toEqual({ storage: -1 });
    } finally {
      await other.close();
    }
  });
});

describe('usage', () => {
  test('a layer shared by ten repositories counts once; manifests count; deletes release at once', async () => {
    const pid = await createProject(srv.url, 'q-share');
    const layer = Buffer.alloc(50_000, 7);
    const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
    const m = manifestOf(config, [layer]);
    for (let i = 0; i < 10; i++) {
      expect((await pushBlob(`q-share/r${i}`, layer)).status).toBe(201);
      expect((await pushBlob(`q-share/r${i}`, config)).status).toBe(201);
      expect((await putManifest(`q-share/r${i}`, 'v1', m)).status).toBe(201);
    }
    expect(await used(pid)).toBe(layer.length + config.length + m.length);

    // Deleting nine copies frees nothing: the tenth still references every byte.
    for (let i = 0; i < 9; i++) expect((await api(srv.url, 'DELETE', `/projects/q-share/repositories/r${i}`)).status).toBe(200);
    expect(await used(pid)).toBe(layer.length + config.length + m.length);

    // A second artifact sharing the layer; deleting the first releases only what it alone used.
    const config2 = Buffer.from('{"architecture":"arm64","os":"linux"}');
    const m2 = manifestOf(config2, [layer]);
    expect((await pushBlob('q-share/r9', config2)).status).toBe(201);
    expect((await putManifest('q-share/r9', 'v2', m2)).status).toBe(201);
    expect(await used(pid)).toBe(layer.length + config.length + m.length + config2.length + m2.length);
    expect((await api(srv.url, 'DELETE', `/projects/q-share/repositories/r9/artifacts/${dig(m)}`)).status).toBe(200);
    expect(await used(pid)).toBe(layer.length + config2.length + m2.length);
    // Through the registry API as well.
    expect((await http(srv.url, 'DELETE', `/v2/q-share/r9/manifests/${dig(m2)}`, { headers: auth })).status).toBe(202);
    expect(await used(pid)).toBe(0);
    // The same manifest can be pushed again without uploading its blobs, and counts again.
    expect((await putManifest('q-share/r9', 'again', m2)).status).toBe(201);
    expect(await used(pid)).toBe(layer.length + config2.length + m2.length);
    expect((await api(srv.url, 'DELETE', '/projects/q-share/repositories/r9')).status).toBe(200);
    expect(await used(pid)).toBe(0);
  });

  test('a blob uploaded but never referenced counts until it is deleted', async () => {
    const pid = await createProject(srv.url, 'q-loose');
    const blob = Buffer.alloc(1234, 1);
    expect((await pushBlob('q-loose/app', blob)).status).toBe(201);
    expect(await used(pid)).toBe(1234);
    expect((await http(srv.url, 'DELETE', `/v2/q-loose/app/blobs/${dig(blob)}`, { headers: auth })).status).toBe(202);
    expect(await used(pid)).toBe(0);
  });
});

describe('enforcement', () => {
  test('upload commit (monolithic and chunked), mount and manifest push are refused with Harbor\'s 403 DENIED', async () => {
    const pid = await createProject(srv.url, 'q-full');
    await setLimit(pid, 3000);
    const a = Buffer.alloc(2000, 1);
    const b = Buffer.alloc(1001, 2);
    expect((await pushBlob('q-full/app', a)).status).toBe(201);
    expectQuotaDenied(await pushBlob('q-full/app', b), { limit: 3000, used: 2000, requested: 1001 });
    expectQuotaDenied(await pushBlobChunked('q-full/app', b), { limit: 3000, used: 2000, requested: 1001 });
    expect((await http(srv.url, 'HEAD', `/v2/q-full/app/blobs/${dig(b)}`, { headers: auth })).status).toBe(404);
    expect(await used(pid)).toBe(2000);

    // A mount from another project adds to this one's usage, so it is checked too.
    await createProject(srv.url, 'q-src');
    expect((await pushBlob('q-src/lib', b)).status).toBe(201);
    const mount = await http(srv.url, 'POST', `/v2/q-full/app/blobs/uploads/?mount=${dig(b)}&from=q-src/lib`, { headers: auth });
    expectQuotaDenied(mount, { limit: 3000, used: 2000, requested: 1001 });
    // A mount within the project costs nothing.
    expect((await http(srv.url, 'POST', `/v2/q-full/other/blobs/uploads/?mount=${dig(a)}&from=q-full/app`, { headers: auth })).status).toBe(201);
    expect(await used(pid)).toBe(2000);

    // The manifest is the last straw.
    const config = Buffer.alloc(990, 3);
    expect((await pushBlob('q-full/app', config)).status).toBe(201);
    expect(await used(pid)).toBe(2990);
    const m = manifestOf(config, [a]);
    const refused = await putManifest('q-full/app', 'v1', m);
    expectQuotaDenied(refused, { limit: 3000, used: 2990, requested: m.length });
    expect((await http(srv.url, 'GET', '/v2/q-full/app/manifests/v1', { headers: auth })).status).toBe(404);
    await setLimit(pid, 2990 + m.length);
    expect((await putManifest('q-full/app', 'v1', m)).status).toBe(201);
    expect(await used(pid)).toBe(2990 + m.length);
    // Tagging the same manifest again adds nothing.
    expect((await putManifest('q-full/app', 'v2', m)).status).toBe(201);
    expect(await used(pid)).toBe(2990 + m.length);
  });

  test('the image helper push is refused as a whole step when the limit is tiny', async () => {
    const pid = await createProject(srv.url, 'q-tiny');
    await setLimit(pid, 10);
    const r = await pushImageWith(srv.url, 'q-tiny/app', 'v1', auth);
    expect(r).toMatchObject({ ok: false, status: 403 });
    expect(await used(pid)).toBeLessThanOrEqual(10);
  });

  test('32 concurrent pushes of distinct blobs never take usage over the limit, and usage equals a recount', async () => {
    const pid = await createProject(srv.url, 'q-race');
    const size = 10_000;
    const limit = 10 * size + size / 2; // room for exactly 10
    await setLimit(pid, limit);
    const blobs = Array.from({ length: 32 }, (_, i) => Buffer.alloc(size, i + 1));
    const results = await Promise.all(blobs.map((b, i) => (i % 2 ? pushBlobChunked(`q-race/r${i % 4}`, b) : pushBlob(`q-race/r${i % 4}`, b))));
    const ok = results.filter((r) => r.status === 201).length;
    const denied = results.filter((r) => r.status === 403);
    expect(ok).toBe(10);
    expect(denied.length).toBe(22);
    for (const d of denied) expect(JSON.parse(d.text).errors[0].code).toBe('DENIED');
    const u = await used(pid);
    expect(u).toBe(10 * size);
    expect(u).toBeLessThanOrEqual(limit);
  });

  test('32 concurrent image pushes into one project stay within the limit', async () => {
    const pid = await createProject(srv.url, 'q-race2');
    await setLimit(pid, 4000);
    const results = await Promise.all(Array.from({ length: 32 }, (_, i) => pushImageWith(srv.url, `q-race2/app${i}`, 'v1', auth, `seed-${i}`)));
    expect(results.some((r) => r.ok)).toBe(true);
    expect(results.some((r) => !r.ok && r.status === 403)).toBe(true);
    expect(await used(pid)).toBeLessThanOrEqual(4000);
  });
});
