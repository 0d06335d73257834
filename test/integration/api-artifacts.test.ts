// /api/v2.0 repositories, artifacts and tags of a project, on a real server with real pushes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addMember, admin, api, basicHeader, createProject, createUser, expectApiError, http, pushImageWith } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
let v1: { digest: string; size: number };
const dev = { username: 'dev', password: 'Devel12345' };

beforeAll(async () => {
  srv = await startTestServer();
  await createProject(srv.url, 'shop');
  await createUser(srv.url, dev.username, dev.password);
  await addMember(srv.url, 'shop', 'dev', 2);
  const a = await pushImageWith(srv.url, 'shop/web', 'v1', basicHeader(admin));
  if (!a.ok) throw new Error(a.text);
  v1 = a;
  expect(await pushImageWith(srv.url, 'shop/web', 'v2', basicHeader(admin))).toMatchObject({ ok: true });
  expect(await pushImageWith(srv.url, 'shop/team/api', 'latest', basicHeader(admin))).toMatchObject({ ok: true });
});
afterAll(async () => { await srv.close(); });

describe('repositories', () => {
  test('list with full names, artifact counts, paging and q', async () => {
    const r = await api(srv.url, 'GET', '/projects/shop/repositories');
    expect(r.status).toBe(200);
    expect(r.headers['x-total-count']).toBe('2');
    const byName = Object.fromEntries(r.body.map((x: { name: string; artifact_count: number }) => [x.name, x.artifact_count]));
    expect(byName).toEqual({ 'shop/web': 2, 'shop/team/api': 1 });
    const q = await api(srv.url, 'GET', `/projects/shop/repositories?q=${encodeURIComponent('name=~team')}`);
    expect(q.body.map((x: { name: string }) => x.name)).toEqual(['shop/team/api']);
    const sorted = await api(srv.url, 'GET', '/projects/shop/repositories?sort=name&page_size=1');
    expect(sorted.body.map((x: { name: string }) => x.name)).toEqual(['shop/team/api']);
    expect(sorted.headers.link).toContain('rel="next"');
  });

  test('get by a twice-encoded name; 404 for an unknown one', async () => {
    const r = await api(srv.url, 'GET', '/projects/shop/repositories/team%252Fapi');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: 'shop/team/api', artifact_count: 1, pull_count: 0 });
    expect((await api(srv.url, 'GET', '/projects/shop/repositories/web')).body.name).toBe('shop/web');
    expectApiError(await api(srv.url, 'GET', '/projects/shop/repositories/nope'), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'GET', '/projects/nope/repositories'), 404, 'NOT_FOUND');
  });

  test('a project with repositories cannot be deleted (412)', async () => {
    expectApiError(await api(srv.url, 'DELETE', '/projects/shop'), 412, 'PRECONDITION');
    expect((await api(srv.url, 'GET', '/projects/shop')).body.repo_count).toBe(2);
  });
});

describe('artifacts', () => {
  test('list: digest, size with blobs, media types, tags, push time', async () => {
    const r = await api(srv.url, 'GET', '/projects/shop/repositories/web/artifacts');
    expect(r.status).toBe(200);
    expect(r.headers['x-total-count']).toBe('2');
    const a = r.body.find((x: { digest: string }) => x.digest === v1.digest);
    expect(a).toMatchObject({
      type: 'IMAGE', media_type: 'application/vnd.oci.image.config.v1+json', manifest_media_type: 'application/vnd.oci.image.manifest.v1+json',
      repository_name: 'shop/web', size: v1.size, tags: [{ name: 'v1', immutable: false }],
    });
    expect(Number.isNaN(Date.parse(a.push_time))).toBe(false);
    const untagged = await api(srv.url, 'GET', '/projects/shop/repositories/web/artifacts?with_tag=false');
    expect(untagged.body[0]).not.toHaveProperty('tags');
    const q = await api(srv.url, 'GET', `/projects/shop/repositories/web/artifacts?q=${encodeURIComponent('tags=v2')}`);
    expect(q.body.map((x: { tags: { name: string }[] }) => x.tags[0].name)).toEqual(['v2']);
  });

  test('a repository with no artifacts lists none (200, total 0), as Harbor\'s ListArtifacts filters without a lookup', async () => {
    // @hapic/harbor lists a repository right after deleting its last artifact; Harbor answers [] there.
    const r = await api(srv.url, 'GET', '/projects/shop/repositories/none-yet/artifacts');
    expect(r.status).toBe(200);
    expect(r.body).toEqual([]);
    expect(r.headers['x-total-count']).toBe('0');
    // The project is still looked up first: an unknown one stays 404 (Harbor: project not found).
    expectApiError(await api(srv.url, 'GET', '/projects/no-such-project/repositories/web/artifacts'), 404, 'NOT_FOUND');
  });

  test('an explicit artifactType is reported as artifact_type', async () => {
    const { createHash } = await import('node:crypto');
    const dig = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
    const empty = Buffer.from('{}');
    await http(srv.url, 'POST', `/v2/shop/sbom/blobs/uploads/?digest=${dig(empty)}`, { headers: { ...basicHeader(admin), 'content-type': 'application/octet-stream' }, body: '{}' });
    const m = JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/spdx+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: dig(empty), size: 2 },
      layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: dig(empty), size: 2 }],
      annotations: { 'org.example': 'yes' },
    });
    expect((await http(srv.url, 'PUT', '/v2/shop/sbom/manifests/s1', { headers: { ...basicHeader(admin), 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: m })).status).toBe(201);
    const r = await api(srv.url, 'GET', '/projects/shop/repositories/sbom/artifacts/s1');
    expect(r.body).toMatchObject({ artifact_type: 'application/spdx+json', type: 'UNKNOWN', media_type: 'application/vnd.oci.empty.v1+json', annotations: { 'org.example': 'yes' } });
  });

  test('get by tag or digest; 404 and 400 for unknown and malformed references', async () => {
    expect((await api(srv.url, 'GET', '/projects/shop/repositories/web/artifacts/v1')).body.digest).toBe(v1.digest);
    expect((await api(srv.url, 'GET', `/projects/shop/repositories/web/artifacts/${v1.digest}`)).body.tags[0].name).toBe('v1');
    expectApiError(await api(srv.url, 'GET', '/projects/shop/repositories/web/artifacts/nope'), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'GET', '/projects/shop/repositories/web/artifacts/sha256:zz'), 400, 'BAD_REQUEST');
  });

  test('tags: list, create (201 + Location, 409 when taken), delete', async () => {
    const base = `/projects/shop/repositories/web/artifacts/${v1.digest}/tags`;
    const created = await api(srv.url, 'POST', base, { body: { name: 'stable' } });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/api/v2.0${base}/stable`);
    expectApiError(await api(srv.url, 'POST', base, { body: { name: 'stable' } }), 409, 'CONFLICT');
    expectApiError(await api(srv.url, 'POST', base, { body: { name: 'bad tag!' } }), 400, 'BAD_REQUEST');
    const list = await api(srv.url, 'GET', base);
    expect(list.body.map((t: { name: string }) => t.name)).toEqual(['stable', 'v1']);
    expect(list.headers['x-total-count']).toBe('2');
    // the registry sees the new tag
    expect((await http(srv.url, 'GET', '/v2/shop/web/manifests/stable', { headers: basicHeader(admin) })).headers['docker-content-digest']).toBe(v1.digest);
    expect((await api(srv.url, 'DELETE', `${base}/stable`)).status).toBe(200);
    expectApiError(await api(srv.url, 'DELETE', `${base}/stable`), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'DELETE', `${base}/v2`), 404, 'NOT_FOUND'); // v2 is on another artifact
  });

  test('roles: a developer lists and tags but may not delete artifacts or repositories', async () => {
    expect((await api(srv.url, 'GET', '/projects/shop/repositories/web/artifacts', { as: dev })).status).toBe(200);
    expect((await api(srv.url, 'POST', '/projects/shop/repositories/web/artifacts/v1/tags', { as: dev, body: { name: 'by-dev' } })).status).toBe(201);
    expectApiError(await api(srv.url, 'DELETE', '/projects/shop/repositories/web/artifacts/v1/tags/by-dev', { as: dev }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'DELETE', '/projects/shop/repositories/web/artifacts/v1', { as: dev }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'DELETE', '/projects/shop/repositories/web', { as: dev }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/projects/shop/repositories', { as: null }), 401, 'UNAUTHORIZED');
  });

  test('delete an artifact, then the repositories, then the project', async () => {
    expect((await api(srv.url, 'DELETE', '/projects/shop/repositories/web/artifacts/v2')).status).toBe(200);
    expectApiError(await api(srv.url, 'GET', '/projects/shop/repositories/web/artifacts/v2'), 404, 'NOT_FOUND');
    expect((await api(srv.url, 'GET', '/projects/shop/repositories/web')).body.artifact_count).toBe(1);
    for (const r of ['web', 'team%252Fapi', 'sbom']) expect((await api(srv.url, 'DELETE', `/projects/shop/repositories/${r}`)).status).toBe(200);
    expectApiError(await api(srv.url, 'DELETE', '/projects/shop/repositories/web'), 404, 'NOT_FOUND');
    expect((await http(srv.url, 'GET', '/v2/shop/web/manifests/v1', { headers: basicHeader(admin) })).status).toBe(404);
    expect((await api(srv.url, 'DELETE', '/projects/shop')).status).toBe(200);
  });
});

describe('what an artifact list holds, as Harbor lists it', () => {
  test('an index is listed, the platform manifests it references are not (unless tagged); each stays readable by digest', async () => {
    const { imageManifest, pushManifest, MT } = await import('../helpers/oci.js');
    await createProject(srv.url, 'plat');
    const amd = await pushManifest(srv.url, 'plat/multi', 'amd-tmp', await imageManifest(srv.url, 'plat/multi', { seed: 'amd64' }), MT.ociManifest);
    const arm = await pushManifest(srv.url, 'plat/multi', 'arm-tagged', await imageManifest(srv.url, 'plat/multi', { seed: 'arm64' }), MT.ociManifest);
    // The amd64 child loses its tag: then only the index refers to it.
    expect((await api(srv.url, 'DELETE', '/projects/plat/repositories/multi/artifacts/amd-tmp/tags/amd-tmp')).status).toBe(200);
    const index = await pushManifest(srv.url, 'plat/multi', 'v1', {
      schemaVersion: 2, mediaType: MT.ociIndex,
      manifests: [
        { mediaType: MT.ociManifest, digest: amd.digest, size: amd.size, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: MT.ociManifest, digest: arm.digest, size: arm.size, platform: { os: 'linux', architecture: 'arm64' } },
      ],
    }, MT.ociIndex);
    const list = await api(srv.url, 'GET', '/projects/plat/repositories/multi/artifacts');
    expect(list.status).toBe(200);
    expect(list.body.map((a: { digest: string }) => a.digest).sort()).toEqual([index.digest, arm.digest].sort());
    expect((await api(srv.url, 'GET', `/projects/plat/repositories/multi/artifacts/${amd.digest}`)).status).toBe(200);
  });
});
