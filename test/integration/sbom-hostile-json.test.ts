// Issue 13.4 on the real server: JSON from clients is bounded in depth and manifests' platform
// objects have the spec's shape (image-index.md), so a 30 KB index nested 5,000 levels deep is
// refused instead of making every artifact list of its repository answer 500; an index stored
// before this check (written here straight into the metadata store) no longer breaks the reads.
// (Named sbom-* only for the file ownership of the change; it covers manifests and API bodies.)
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { api, expectApiError, http, admin } from '../helpers/api.js';
import { MT, expectError, pushBlob, pushImage, pushManifest, putManifest, type Descriptor } from '../helpers/oci.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
let child: Descriptor;

/** `{"k":{"k":…1…}}` nested `levels` deep, as text (JSON.stringify of it would overflow). */
function nested(levels: number): string {
  return `${'{"k":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

function indexText(platform: string): string {
  return `{"schemaVersion":2,"mediaType":"${MT.ociIndex}","manifests":[{"mediaType":"${child.mediaType}","digest":"${child.digest}","size":${child.size},"platform":${platform}}]}`;
}

/** Stores an index straight in the metadata store, as a push before the check could have; returns its digest. */
async function poison(repo: string, platform: string): Promise<string> {
  const project = await api(srv.url, 'GET', '/projects/library');
  const content = Buffer.from(indexText(platform));
  const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  await srv.app.stores.content.putManifest(`library/${repo}`, project.body.project_id, {
    digest, mediaType: MT.ociIndex, artifactType: null, size: content.length, content,
    subject: null, annotations: null, blobRefs: [], manifestRefs: [],
  }, 'old');
  return digest;
}

beforeAll(async () => {
  srv = await startTestServer();
  child = await pushImage(srv.url, 'library/deep', 'child');
});
afterAll(async () => { await srv.close(); });

describe('manifests', () => {
  test('an index whose platform nests 5,000 levels is MANIFEST_INVALID, and the repository stays listable', async () => {
    const body = Buffer.from(indexText(`{"os":"linux","architecture":"amd64","os.features":${nested(5000)}}`));
    expect(body.length).toBeLessThan(40_000);
    const { r } = await putManifest(srv.url, 'library/deep', 'bomb', body, MT.ociIndex);
    expectError(r, 400, 'MANIFEST_INVALID');
    expect(r.body.toString()).toMatch(/deeper than 32 levels/);
    const list = await api(srv.url, 'GET', '/projects/library/repositories/deep/artifacts');
    expect(list.status, list.text).toBe(200);
  });

  test.each([
    ['os a number', '{"os":5,"architecture":"amd64"}'],
    ['architecture an object', '{"os":"linux","architecture":{"k":"amd64"}}'],
    ['os.features not an array', '{"os":"linux","architecture":"amd64","os.features":"sse4"}'],
    ['features with a non-string', '{"os":"linux","architecture":"arm64","features":[["x"]]}'],
    ['variant shallowly nested', '{"os":"linux","architecture":"arm","variant":{"k":{"k":"v7"}}}'],
  ])('a platform with %s is MANIFEST_INVALID', async (_name, platform) => {
    const { r } = await putManifest(srv.url, 'library/deep', 'bad', Buffer.from(indexText(platform)), MT.ociIndex);
    expectError(r, 400, 'MANIFEST_INVALID');
    expect(r.body.toString()).toMatch(/platform/);
  });

  test('a spec-shaped platform is stored and shown as pushed', async () => {
    const platform = { architecture: 'amd64', os: 'windows', 'os.version': '10.0.20348.2113', 'os.features': ['win32k'], variant: 'v3' };
    const { r } = await putManifest(srv.url, 'library/deep', 'good', Buffer.from(indexText(JSON.stringify(platform))), MT.ociIndex);
    expect(r.status, r.body.toString()).toBe(201);
    const a = await api(srv.url, 'GET', '/projects/library/repositories/deep/artifacts/good');
    expect(a.status, a.text).toBe(200);
    expect(a.body.references).toEqual([expect.objectContaining({ child_digest: child.digest, platform })]);
  });
});

describe('stored before the check', () => {
  test('an index poisoned with a deep platform does not make the artifact API answer 500', async () => {
    const digest = await poison('poisoned', `{"os":"linux","architecture":"amd64","x":${nested(5000)}}`);
    const list = await api(srv.url, 'GET', '/projects/library/repositories/poisoned/artifacts');
    expect(list.status, list.text.slice(0, 300)).toBe(200);
    const one = await api(srv.url, 'GET', '/projects/library/repositories/poisoned/artifacts/old');
    expect(one.status, one.text.slice(0, 300)).toBe(200);
    expect(one.body.digest).toBe(digest);
  });

  test('a poisoned platform of the wrong shape is left out of the reference, the reference is kept', async () => {
    await poison('poisoned2', '{"os":{"k":{"k":"linux"}},"architecture":"amd64"}');
    const one = await api(srv.url, 'GET', '/projects/library/repositories/poisoned2/artifacts/old');
    expect(one.status, one.text.slice(0, 300)).toBe(200);
    expect(one.body.references).toEqual([expect.not.objectContaining({ platform: expect.anything() })]);
    expect(one.body.references[0].child_digest).toBe(child.digest);
  });
});

describe('blobs shown back', () => {
  test('a model whose config blob nests 5,000 levels is listed, with empty extra_attrs', async () => {
    const config = await pushBlob(srv.url, 'library/model', Buffer.from(`{"descriptor":{"name":"m"},"config":${nested(5000)}}`), 'application/vnd.cncf.model.config.v1+json');
    const layer = await pushBlob(srv.url, 'library/model', Buffer.from('weights'), 'application/vnd.cncf.model.weight.v1.raw');
    await pushManifest(srv.url, 'library/model', 'v1', {
      schemaVersion: 2, mediaType: MT.ociManifest, artifactType: 'application/vnd.cncf.model.manifest.v1+json', config, layers: [layer],
    }, MT.ociManifest);
    const list = await api(srv.url, 'GET', '/projects/library/repositories/model/artifacts');
    expect(list.status, list.text.slice(0, 300)).toBe(200);
    expect(list.body[0]).toMatchObject({ type: 'CNAI', extra_attrs: {} });
  });
});

describe('API bodies', () => {
  test('a body nested deeper than 32 levels is BAD_REQUEST with a message that says so', async () => {
    const r = await http(srv.url, 'POST', '/api/v2.0/projects', { as: admin, body: `{"project_name":"deep","metadata":${nested(5000)}}` });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].code).toBe('BAD_REQUEST');
    expect(r.body.errors[0].message).toMatch(/deeper than 32 levels/);
  });

  test('a body at the bound is parsed as usual (here: refused for what it says, not for its depth)', async () => {
    const r = await api(srv.url, 'POST', '/projects', { body: `{"project_name":"deep","metadata":${nested(31)}}` });
    expectApiError(r, 400, 'BAD_REQUEST');
    expect(r.body.errors[0].message).not.toMatch(/deeper than/);
  });
});
