// SBOMs in the registry (issue 7, harbor-notes §4) on the real server: generation by Harbor's scan
// endpoint and on push, storage as Harbor's accessory (found by the referrers API, listed in
// accessories and sbom_overview, served by additions/sbom), one SBOM per platform of an index, the
// cascade on delete, and the errors. The background queue is waited on with app.sbom.idle(), and
// held with app.sbom.hold() to see a Pending status: no timing.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SBOM_ARTIFACT_TYPE, harborSbomConfig } from '../../src/services/sbom.js';
import { addMember, api, createProject, createUser, expectApiError, type ApiReply, type Creds } from '../helpers/api.js';
import { MT, call, pushBlob, pushImage, pushManifest } from '../helpers/oci.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { dpkgQueryPackages, pushDpkgImage, pushDpkgIndex, spdxDebPackages } from '../helpers/sbom.js';
import { validateResponse } from '../helpers/swagger.js';

let srv: TestServer;
const art = (project: string, repo: string, ref: string): string => `/projects/${project}/repositories/${repo}/artifacts/${ref}`;

beforeAll(async () => {
  srv = await startTestServer();
  await createProject(srv.url, 'sb');
  const auto = await api(srv.url, 'POST', '/projects', { body: { project_name: 'sbauto', metadata: { auto_sbom_generation: 'true' } } });
  expect(auto.status, auto.text).toBe(201);
});
afterAll(async () => { await srv.close(); });

async function scan(project: string, repo: string, ref: string, body: unknown = { scan_type: 'sbom' }, as?: Creds | null): Promise<ApiReply> {
  return api(srv.url, 'POST', `${art(project, repo, ref)}/scan`, { body, as });
}

async function overview(project: string, repo: string, ref: string): Promise<Record<string, any> | undefined> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await api(srv.url, 'GET', `${art(project, repo, ref)}?with_sbom_overview=true`);
  expect(r.status, r.text).toBe(200);
  return r.body.sbom_overview;
}

async function addition(path: string, as: Creds | null | undefined = undefined): Promise<ApiReply> {
  const r = await api(srv.url, 'GET', path, { as, raw: true });
  validateResponse('GET', path, r.status, r.status === 200 ? r.text : r.body);
  return r;
}

async function referrers(repo: string, digest: string, artifactType?: string): Promise<{ digest: string; artifactType?: string; annotations?: Record<string, string> }[]> {
  const r = await call(srv.url, `/v2/${repo}/referrers/${digest}${artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : ''}`);
  expect(r.status).toBe(200);
  return r.json<{ manifests: { digest: string; artifactType?: string; annotations?: Record<string, string> }[] }>().manifests;
}

describe('generation by POST …/scan {"scan_type":"sbom"}', () => {
  let image: { digest: string; size: number };
  let sbomDigest: string;

  test('202, Pending while queued, 409 for a second request, then Success with Harbor\'s overview fields', async () => {
    image = await pushDpkgImage(srv.url, 'sb/deb', 'v1');
    expect(await overview('sb', 'deb', 'v1')).toBeUndefined();
    const hold = srv.app.sbom.hold();
    try {
      const r = await scan('sb', 'deb', 'v1');
      expect(r.status, r.text).toBe(202);
      const pending = await overview('sb', 'deb', 'v1');
      expect(pending).toMatchObject({ scan_status: 'Pending', report_id: expect.any(String) });
      expect(pending?.sbom_digest).toBeUndefined();
      expectApiError(await scan('sb', 'deb', image.digest), 409, 'CONFLICT');
    } finally {
      hold.release();
    }
    await srv.app.sbom.idle();
    const done = await overview('sb', 'deb', 'v1');
    expect(done).toMatchObject({
      scan_status: 'Success', sbom_digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), report_id: expect.any(String),
      start_time: expect.any(String), end_time: expect.any(String), duration: expect.any(Number),
      scanner: { name: 'harborctl', vendor: 'harborctl', version: expect.any(String) },
    });
    sbomDigest = done!.sbom_digest;
  });

  test('the SPDX SBOM lists exactly the packages dpkg-query lists for the same status file', async () => {
    const r = await addition(`${art('sb', 'deb', sbomDigest)}/additions/sbom`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(SBOM_ARTIFACT_TYPE);
    const doc = JSON.parse(r.text);
    expect(doc.spdxVersion).toBe('SPDX-2.3');
    const expected = dpkgQueryPackages();
    expect(expected.length).toBeGreaterThan(10);
    expect(spdxDebPackages(doc)).toEqual(expected);
    // On the image itself (beyond Harbor, which answers 400 there) the same bytes.
    const onImage = await addition(`${art('sb', 'deb', 'v1')}/additions/sbom`);
    expect(onImage.text).toBe(r.text);
  });

  test('stored as Harbor\'s accessory: OCI manifest, sbom config and artifactType, one layer, subject, annotations', async () => {
    const m = await call(srv.url, `/v2/sb/deb/manifests/${sbomDigest}`, { headers: { accept: MT.ociManifest } });
    expect(m.status).toBe(200);
    const doc = m.json<any>(); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(doc).toMatchObject({
      schemaVersion: 2, mediaType: MT.ociManifest, artifactType: SBOM_ARTIFACT_TYPE,
      config: { mediaType: SBOM_ARTIFACT_TYPE },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar' }],
      subject: { mediaType: MT.ociManifest, digest: image.digest, size: image.size },
      annotations: { 'created-by': 'harborctl', 'org.opencontainers.artifact.description': 'SPDX JSON SBOM' },
    });
    for (const k of ['created', 'org.opencontainers.artifact.created', 'org.opencontainers.image.created']) expect(doc.annotations[k]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const config = await call(srv.url, `/v2/sb/deb/blobs/${doc.config.digest}`);
    expect(config.body.equals(harborSbomConfig(doc.layers[0].digest))).toBe(true);
    const layer = await call(srv.url, `/v2/sb/deb/blobs/${doc.layers[0].digest}`);
    expect(layer.body.toString()).toBe((await addition(`${art('sb', 'deb', sbomDigest)}/additions/sbom`)).text);
  });

  test('the referrers API finds both documents by artifactType; CycloneDX sits beside SPDX', async () => {
    const refs = await referrers('sb/deb', image.digest, SBOM_ARTIFACT_TYPE);
    expect(refs.map((r) => r.annotations?.['org.opencontainers.artifact.description']).sort()).toEqual(['CycloneDX JSON SBOM', 'SPDX JSON SBOM']);
    expect(refs.every((r) => r.artifactType === SBOM_ARTIFACT_TYPE)).toBe(true);
    const cdx = refs.find((r) => r.annotations?.['org.opencontainers.artifact.description'] === 'CycloneDX JSON SBOM')!;
    const m = (await call(srv.url, `/v2/sb/deb/manifests/${cdx.digest}`)).json<{ layers: { mediaType: string }[] }>();
    expect(m.layers[0].mediaType).toBe('application/vnd.cyclonedx+json');
    const doc = JSON.parse((await addition(`${art('sb', 'deb', cdx.digest)}/additions/sbom`)).text);
    expect(doc).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6' });
    const debs = (doc.components as { purl?: string; name: string; version: string }[]).filter((c) => c.purl?.startsWith('pkg:deb/'));
    expect(debs.map((c) => `${c.name} ${c.version}`).sort()).toEqual(dpkgQueryPackages());
    expect(await referrers('sb/deb', image.digest, 'application/vnd.example.other')).toEqual([]);
  });

  test('accessories: with_accessory and GET …/accessories list both as sbom.harbor with Harbor\'s fields', async () => {
    const a = await api(srv.url, 'GET', `${art('sb', 'deb', 'v1')}?with_accessory=true`);
    expect(a.status).toBe(200);
    expect(a.body.accessories).toHaveLength(2);
    for (const acc of a.body.accessories) {
      expect(acc).toEqual({
        id: expect.any(Number), artifact_id: expect.any(Number), subject_artifact_id: a.body.id, subject_artifact_digest: image.digest,
        subject_artifact_repo: 'sb/deb', size: expect.any(Number), digest: expect.stringMatching(/^sha256:/), type: 'sbom.harbor', icon: '',
        creation_time: expect.any(String),
      });
    }
    expect(a.body.accessories.map((x: { digest: string }) => x.digest)).toContain(sbomDigest);
    const list = await api(srv.url, 'GET', `${art('sb', 'deb', 'v1')}/accessories`);
    expect(list.status).toBe(200);
    expect(list.headers['x-total-count']).toBe('2');
    expect(list.body).toEqual(a.body.accessories);
    // Without the flag Harbor sends an empty list; the list view carries the overview too.
    expect((await api(srv.url, 'GET', art('sb', 'deb', 'v1'))).body.accessories).toEqual([]);
    const listed = await api(srv.url, 'GET', '/projects/sb/repositories/deb/artifacts?with_sbom_overview=true&with_accessory=true');
    const row = listed.body.find((x: { digest: string }) => x.digest === image.digest);
    expect(row.sbom_overview.sbom_digest).toBe(sbomDigest);
    // Harbor lists an accessory under its subject, not as an artifact of its own (pkg/artifact/dao: notacc).
    expect(listed.body.find((x: { digest: string }) => x.digest === sbomDigest)).toBeUndefined();
    expect(row.accessories.map((x: { digest: string }) => x.digest)).toContain(sbomDigest);
    expect((await api(srv.url, 'GET', art('sb', 'deb', sbomDigest))).body.type).toBe('SBOM');
  });

  test('a second generation replaces the previous SBOMs', async () => {
    expect((await scan('sb', 'deb', 'v1')).status).toBe(202);
    await srv.app.sbom.idle();
    const refs = await referrers('sb/deb', image.digest, SBOM_ARTIFACT_TYPE);
    expect(refs).toHaveLength(2);
    const now = await overview('sb', 'deb', 'v1');
    expect(refs.map((r) => r.digest)).toContain(now?.sbom_digest);
  });

  test('deleting the image deletes its SBOMs (and the project\'s usage matches a recount)', async () => {
    const refs = await referrers('sb/deb', image.digest);
    expect(refs.length).toBe(2);
    const del = await api(srv.url, 'DELETE', art('sb', 'deb', 'v1'));
    expect(del.status, del.text).toBe(200);
    for (const r of refs) expect((await call(srv.url, `/v2/sb/deb/manifests/${r.digest}`)).status).toBe(404);
    expect(await referrers('sb/deb', image.digest)).toEqual([]);
    const p = (await srv.app.stores.projects.getProject('sb'))!;
    expect(p.storageUsed).toBe(await srv.app.stores.projects.recountUsage(p.id));
  });

  test('a layer that is not a tar makes the status Error', async () => {
    await pushImage(srv.url, 'sb/broken', 'v1');
    expect((await scan('sb', 'broken', 'v1')).status).toBe(202);
    await srv.app.sbom.idle();
    expect(await overview('sb', 'broken', 'v1')).toMatchObject({ scan_status: 'Error', end_time: expect.any(String) });
    expect(await overview('sb', 'broken', 'v1')).not.toHaveProperty('sbom_digest');
  });
});

describe('automatic generation on push (project metadata auto_sbom_generation)', () => {
  test('an image pushed to a project with auto_sbom_generation "true" gets its SBOM; the SBOM itself gets none', async () => {
    const img = await pushDpkgImage(srv.url, 'sbauto/deb', 'v1');
    await srv.app.sbom.idle();
    const o = await overview('sbauto', 'deb', 'v1');
    expect(o?.scan_status).toBe('Success');
    expect(await srv.app.sbom.status('sbauto/deb', o!.sbom_digest)).toBeNull();
    expect(await referrers('sbauto/deb', img.digest, SBOM_ARTIFACT_TYPE)).toHaveLength(2);
  });

  test('no SBOM without the metadata, and none for an artifact that is not an image or has a subject', async () => {
    await pushDpkgImage(srv.url, 'sb/plain', 'v1');
    const empty = await pushBlob(srv.url, 'sbauto/art', Buffer.from('{}'), MT.ociEmpty);
    const payload = await pushBlob(srv.url, 'sbauto/art', Buffer.from('payload'), 'application/octet-stream');
    const a = await pushManifest(srv.url, 'sbauto/art', 'v1', { schemaVersion: 2, mediaType: MT.ociManifest, artifactType: 'application/vnd.example.thing', config: { mediaType: MT.ociEmpty, digest: empty.digest, size: 2 }, layers: [payload] }, MT.ociManifest);
    const img = await pushDpkgImage(srv.url, 'sbauto/art', 'img');
    await srv.app.sbom.idle();
    // An image-shaped manifest with a subject (an attestation, say) is an accessory, not an image.
    const config = await pushBlob(srv.url, 'sbauto/art', Buffer.from('{"os":"linux"}'), MT.ociConfig);
    const withSubject = await pushManifest(srv.url, 'sbauto/art', 'sig', {
      schemaVersion: 2, mediaType: MT.ociManifest, config, layers: [payload], subject: { mediaType: img.mediaType, digest: img.digest, size: img.size },
    }, MT.ociManifest);
    await srv.app.sbom.idle();
    expect(await overview('sb', 'plain', 'v1')).toBeUndefined();
    expect(await srv.app.sbom.status('sbauto/art', a.digest)).toBeNull();
    expect(await srv.app.sbom.status('sbauto/art', withSubject.digest)).toBeNull();
    expect((await srv.app.sbom.status('sbauto/art', img.digest))?.status).toBe('Success');
  });

  test('an index: each platform manifest gets its own SBOM', async () => {
    const { index, children } = await pushDpkgIndex(srv.url, 'sbauto/multi', 'v1');
    await srv.app.sbom.idle();
    expect((await overview('sbauto', 'multi', 'v1'))?.scan_status).toBe('Success');
    const digests = new Set<string>();
    for (const c of children) {
      const o = await overview('sbauto', 'multi', c.digest);
      expect(o?.scan_status).toBe('Success');
      digests.add(o!.sbom_digest);
      const refs = await referrers('sbauto/multi', c.digest, SBOM_ARTIFACT_TYPE);
      expect(refs.map((r) => r.digest)).toContain(o!.sbom_digest);
      const doc = JSON.parse((await addition(`${art('sbauto', 'multi', o!.sbom_digest)}/additions/sbom`)).text);
      expect(doc.packages[0].versionInfo).toBe(c.digest);
    }
    expect(digests.size).toBe(2);
    expect(await referrers('sbauto/multi', index.digest, SBOM_ARTIFACT_TYPE)).toEqual([]);
  });

  test('POST …/scan on an index generates the platforms\' SBOMs', async () => {
    const { children } = await pushDpkgIndex(srv.url, 'sb/multi', 'v1');
    expect((await scan('sb', 'multi', 'v1')).status).toBe(202);
    await srv.app.sbom.idle();
    for (const c of children) expect((await overview('sb', 'multi', c.digest))?.scan_status).toBe('Success');
  });
});

describe('bad input and permissions', () => {
  let dev: Creds;
  let maint: Creds;
  beforeAll(async () => {
    await pushDpkgImage(srv.url, 'sb/perm', 'v1');
    dev = { username: 'sbdev', password: 'Passw0rdX' };
    maint = { username: 'sbmaint', password: 'Passw0rdX' };
    await createUser(srv.url, dev.username);
    await createUser(srv.url, maint.username);
    await addMember(srv.url, 'sb', dev.username, 2);
    await addMember(srv.url, 'sb', maint.username, 4);
  });

  test('unknown artifact, repository or project: 404 NOT_FOUND', async () => {
    expectApiError(await scan('sb', 'perm', 'nope'), 404, 'NOT_FOUND');
    expectApiError(await scan('sb', 'perm', `sha256:${'0'.repeat(64)}`), 404, 'NOT_FOUND');
    expectApiError(await scan('nosuchproject', 'perm', 'v1'), 404, 'NOT_FOUND');
    expectApiError(await addition(`${art('sb', 'perm', 'nope')}/additions/sbom`), 404, 'NOT_FOUND');
  });

  test('a scan_type outside the enum is 422 (go-swagger\'s validation); a body that is not JSON is 400', async () => {
    expectApiError(await scan('sb', 'perm', 'v1', { scan_type: 'sboms' }), 422, 'UNPROCESSABLE_ENTITY');
    expectApiError(await scan('sb', 'perm', 'v1', { scan_type: 7 }), 422, 'UNPROCESSABLE_ENTITY');
    expectApiError(await scan('sb', 'perm', 'v1', '{not json'), 400, 'BAD_REQUEST');
    expectApiError(await scan('sb', 'perm', 'v1', [1]), 400, 'BAD_REQUEST');
  });

  test('a vulnerability scan (also the default without a body) says there is no scanner: 412 PRECONDITION', async () => {
    const r = await scan('sb', 'perm', 'v1', { scan_type: 'vulnerability' });
    expectApiError(r, 412, 'PRECONDITION');
    expect(r.body.errors[0].message).toMatch(/no available scanner/);
    expectApiError(await api(srv.url, 'POST', `${art('sb', 'perm', 'v1')}/scan`), 412, 'PRECONDITION');
  });

  test('an artifact that is not an image: 422; its sbom addition: 400; an image without an SBOM: 404', async () => {
    const empty = await pushBlob(srv.url, 'sb/thing', Buffer.from('{}'), MT.ociEmpty);
    const payload = await pushBlob(srv.url, 'sb/thing', Buffer.from('x'), 'application/octet-stream');
    const a = await pushManifest(srv.url, 'sb/thing', 'v1', { schemaVersion: 2, mediaType: MT.ociManifest, artifactType: 'application/vnd.example.thing', config: { mediaType: MT.ociEmpty, digest: empty.digest, size: 2 }, layers: [payload] }, MT.ociManifest);
    expectApiError(await scan('sb', 'thing', a.digest), 422, 'UNPROCESSABLE_ENTITY');
    expectApiError(await addition(`${art('sb', 'thing', 'v1')}/additions/sbom`), 400, 'BAD_REQUEST');
    expectApiError(await addition(`${art('sb', 'perm', 'v1')}/additions/sbom`), 404, 'NOT_FOUND');
  });

  test('anonymous: 401; a developer (sbom read only): 403; a maintainer: 202', async () => {
    expectApiError(await scan('sb', 'perm', 'v1', undefined, null), 401, 'UNAUTHORIZED');
    expectApiError(await scan('sb', 'perm', 'v1', undefined, dev), 403, 'FORBIDDEN');
    expect((await scan('sb', 'perm', 'v1', undefined, maint)).status).toBe(202);
    await srv.app.sbom.idle();
    // A developer still reads the overview, the accessories and the document.
    const r = await api(srv.url, 'GET', `${art('sb', 'perm', 'v1')}?with_sbom_overview=true&with_accessory=true`, { as: dev });
    expect(r.body.sbom_overview.scan_status).toBe('Success');
    expect(r.body.accessories).toHaveLength(2);
    expect((await addition(`${art('sb', 'perm', r.body.sbom_overview.sbom_digest)}/additions/sbom`, dev)).status).toBe(200);
  });
});

describe('quota', () => {
  test('the SBOMs count toward the project\'s quota; a project without room for them gets Error, not a partial SBOM', async () => {
    await createProject(srv.url, 'sbquota');
    const img = await pushDpkgImage(srv.url, 'sbquota/deb', 'v1');
    const before = (await srv.app.stores.projects.getProject('sbquota'))!;
    // Room for a few hundred bytes more than the image: not for its SBOMs.
    expect((await api(srv.url, 'PUT', `/quotas/${before.id}`, { body: { hard: { storage: before.storageUsed + 500 } } })).status).toBe(200);
    expect((await scan('sbquota', 'deb', 'v1')).status).toBe(202);
    await srv.app.sbom.idle();
    expect((await overview('sbquota', 'deb', 'v1'))?.scan_status).toBe('Error');
    expect(await referrers('sbquota/deb', img.digest)).toEqual([]);
    const p = (await srv.app.stores.projects.getProject('sbquota'))!;
    expect(p.storageUsed).toBe(await srv.app.stores.projects.recountUsage(p.id));
    // With room, the same request succeeds and the usage grows by the accessories.
    expect((await api(srv.url, 'PUT', `/quotas/${p.id}`, { body: { hard: { storage: -1 } } })).status).toBe(200);
    expect((await scan('sbquota', 'deb', 'v1')).status).toBe(202);
    await srv.app.sbom.idle();
    expect((await overview('sbquota', 'deb', 'v1'))?.scan_status).toBe('Success');
    expect((await srv.app.stores.projects.getProject('sbquota'))!.storageUsed).toBeGreaterThan(before.storageUsed);
  });
});

describe('robots and restarts', () => {
  test('a project robot with sbom:create may ask for an SBOM; one with only pull may not (403)', async () => {
    await pushDpkgImage(srv.url, 'sb/robot', 'v1');
    const robot = async (name: string, access: { resource: string; action: string }[]): Promise<Creds> => {
      const r = await api(srv.url, 'POST', '/robots', { body: { name, level: 'project', duration: -1, permissions: [{ kind: 'project', namespace: 'sb', access }] } });
      expect(r.status, r.text).toBe(201);
      return { username: r.body.name, password: r.body.secret };
    };
    const gen = await robot('sbomgen', [{ resource: 'sbom', action: 'create' }, { resource: 'repository', action: 'pull' }]);
    const puller = await robot('puller', [{ resource: 'repository', action: 'pull' }]);
    expectApiError(await scan('sb', 'robot', 'v1', undefined, puller), 403, 'FORBIDDEN');
    expect((await scan('sb', 'robot', 'v1', undefined, gen)).status).toBe(202);
    await srv.app.sbom.idle();
    expect((await overview('sb', 'robot', 'v1'))?.scan_status).toBe('Success');
  });

  test('a generation still queued at shutdown runs after the next start', async () => {
    const own = await startTestServer();
    const dataDir = own.dataDir;
    try {
      await createProject(own.url, 'rs');
      const img = await pushDpkgImage(own.url, 'rs/deb', 'v1');
      own.app.sbom.hold();
      expect((await api(own.url, 'POST', `${art('rs', 'deb', 'v1')}/scan`, { body: { scan_type: 'sbom' } })).status).toBe(202);
      await own.close({ keepData: true });
      const again = await startTestServer({ dataDir });
      try {
        await again.app.sbom.idle();
        expect((await again.app.sbom.status('rs/deb', img.digest))?.status).toBe('Success');
      } finally {
        await again.close();
      }
    } catch (e) {
      await own.close().catch(() => undefined);
      throw e;
    }
  });
});
