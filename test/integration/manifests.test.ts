// Manifests (distribution-spec v1.1 §Pushing manifests, §Pulling manifests, §Deleting): every
// manifest kind a registry must store, exact bytes, digests, references to missing content,
// invalid shapes, the 4 MiB limit, and deletion by digest and by tag.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  EMPTY_JSON, MT, call, digestOf, expectError, imageManifest, manifestBytes, pushBlob, pushImage, pushManifest, putManifest,
} from '../helpers/oci.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
beforeAll(async () => { srv = await startTestServer(); });
afterAll(async () => { await srv.close(); });

/** GET and HEAD by `reference` both describe exactly `bytes`. */
async function expectManifest(repo: string, reference: string, bytes: Buffer, mediaType: string): Promise<void> {
  const digest = digestOf(bytes, reference.startsWith('sha512:') ? 'sha512' : 'sha256');
  const r = await call(srv.url, `/v2/${repo}/manifests/${reference}`, { headers: { accept: `${MT.ociManifest}, ${MT.ociIndex}, ${MT.dockerManifest}, ${MT.dockerList}` } });
  expect(r.status, r.body.toString()).toBe(200);
  expect(r.body.equals(bytes)).toBe(true);
  expect(r.headers['content-type']).toBe(mediaType);
  expect(r.headers['content-length']).toBe(String(bytes.length));
  expect(r.headers['docker-content-digest']).toBe(digest);
  const h = await call(srv.url, `/v2/${repo}/manifests/${reference}`, { method: 'HEAD' });
  expect(h.status).toBe(200);
  expect(h.body.length).toBe(0);
  expect(h.headers['content-type']).toBe(mediaType);
  expect(h.headers['content-length']).toBe(String(bytes.length));
  expect(h.headers['docker-content-digest']).toBe(digest);
}

async function tags(repo: string): Promise<string[]> {
  const r = await call(srv.url, `/v2/${repo}/tags/list`);
  expect(r.status).toBe(200);
  return r.json<{ tags: string[] }>().tags;
}

describe('every manifest kind round-trips byte for byte, by tag and by digest', () => {
  test('OCI image manifest (with unusual formatting that must not be re-serialized)', async () => {
    const repo = 'library/m-oci';
    const doc = await imageManifest(srv.url, repo, { seed: 'oci', layers: 2, extra: { annotations: { 'org.example.a': 'é ✓' } } });
    const bytes = Buffer.from(JSON.stringify(doc, null, 3).replace(/\n/g, '\r\n') + '\n\n');
    const put = await call(srv.url, `/v2/${repo}/manifests/v1`, { method: 'PUT', body: bytes, headers: { 'content-type': MT.ociManifest } });
    expect(put.status).toBe(201);
    expect(put.headers['docker-content-digest']).toBe(digestOf(bytes));
    expect(put.headers.location).toBe(`/v2/${repo}/manifests/${digestOf(bytes)}`);
    expect(put.headers['oci-subject']).toBeUndefined();
    await expectManifest(repo, 'v1', bytes, MT.ociManifest);
    await expectManifest(repo, digestOf(bytes), bytes, MT.ociManifest);
  });

  test('OCI index over two image manifests', async () => {
    const repo = 'library/m-index';
    const amd = await pushImage(srv.url, repo, 'amd64');
    const arm = await pushImage(srv.url, repo, 'arm64');
    const index = {
      schemaVersion: 2, mediaType: MT.ociIndex,
      manifests: [
        { mediaType: amd.mediaType, digest: amd.digest, size: amd.size, platform: { architecture: 'amd64', os: 'linux' } },
        { mediaType: arm.mediaType, digest: arm.digest, size: arm.size, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
      ],
    };
    const pushed = await pushManifest(srv.url, repo, 'multi', index, MT.ociIndex);
    await expectManifest(repo, 'multi', pushed.bytes, MT.ociIndex);
    await expectManifest(repo, pushed.digest, pushed.bytes, MT.ociIndex);
  });

  test('Docker schema 2 manifest and manifest list', async () => {
    const repo = 'library/m-docker';
    const doc = await imageManifest(srv.url, repo, { seed: 'docker', mediaType: MT.dockerManifest });
    const img = await pushManifest(srv.url, repo, 'img', doc, MT.dockerManifest);
    await expectManifest(repo, 'img', img.bytes, MT.dockerManifest);
    await expectManifest(repo, img.digest, img.bytes, MT.dockerManifest);
    const list = {
      schemaVersion: 2, mediaType: MT.dockerList,
      manifests: [{ mediaType: MT.dockerManifest, digest: img.digest, size: img.size, platform: { architecture: 'amd64', os: 'linux' } }],
    };
    const pushed = await pushManifest(srv.url, repo, 'list', list, MT.dockerList);
    await expectManifest(repo, 'list', pushed.bytes, MT.dockerList);
    await expectManifest(repo, pushed.digest, pushed.bytes, MT.dockerList);
  });

  test('artifact with artifactType and the empty config', async () => {
    const repo = 'library/m-artifact';
    const empty = await pushBlob(srv.url, repo, EMPTY_JSON, MT.ociEmpty);
    expect(empty.digest).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    const payload = await pushBlob(srv.url, repo, Buffer.from('{"spdxVersion":"SPDX-2.3"}'), 'application/spdx+json');
    const doc = {
      schemaVersion: 2, mediaType: MT.ociManifest, artifactType: 'application/vnd.example.sbom.v1',
      config: { mediaType: MT.ociEmpty, digest: empty.digest, size: 2, data: 'e30=' },
      layers: [payload],
    };
    const pushed = await pushManifest(srv.url, repo, 'sbom', doc, MT.ociManifest);
    await expectManifest(repo, 'sbom', pushed.bytes, MT.ociManifest);
    // An artifact whose only layer is the empty descriptor as well.
    const bare = { ...doc, artifactType: 'application/vnd.example.marker', layers: [{ mediaType: MT.ociEmpty, digest: empty.digest, size: 2 }] };
    const p2 = await pushManifest(srv.url, repo, 'marker', bare, MT.ociManifest);
    await expectManifest(repo, p2.digest, p2.bytes, MT.ociManifest);
  });

  test('PUT by digest stores without a tag; sha512 references work', async () => {
    const repo = 'library/m-bydigest';
    const bytes = manifestBytes(await imageManifest(srv.url, repo, { seed: 'bd' }));
    const put = await call(srv.url, `/v2/${repo}/manifests/${digestOf(bytes)}`, { method: 'PUT', body: bytes, headers: { 'content-type': MT.ociManifest } });
    expect(put.status).toBe(201);
    expect(put.headers['docker-content-digest']).toBe(digestOf(bytes));
    await expectManifest(repo, digestOf(bytes), bytes, MT.ociManifest);
    expect(await tags(repo)).toEqual([]);

    const d512 = digestOf(bytes, 'sha512');
    const put512 = await call(srv.url, `/v2/library/m-bydigest512/manifests/${d512}`, { method: 'PUT', body: bytes, headers: { 'content-type': MT.ociManifest } });
    expectError(put512, 400, 'MANIFEST_BLOB_UNKNOWN'); // its blobs live in the other repository
    await imageManifest(srv.url, 'library/m-bydigest512', { seed: 'bd' });
    const ok = await call(srv.url, `/v2/library/m-bydigest512/manifests/${d512}`, { method: 'PUT', body: bytes, headers: { 'content-type': MT.ociManifest } });
    expect(ok.status, ok.body.toString()).toBe(201);
    expect(ok.headers['docker-content-digest']).toBe(d512);
    await expectManifest('library/m-bydigest512', d512, bytes, MT.ociManifest);
  });

  test('a manifest without mediaType takes it from Content-Type', async () => {
    const repo = 'library/m-nomt';
    const { mediaType: _mt, ...doc } = await imageManifest(srv.url, repo, { seed: 'nomt' });
    const pushed = await pushManifest(srv.url, repo, 'x', doc, MT.ociManifest);
    await expectManifest(repo, 'x', pushed.bytes, MT.ociManifest);
  });

  test('pushing the same manifest again is idempotent', async () => {
    const repo = 'library/m-again';
    const a = await pushImage(srv.url, repo, 'v1');
    const again = await pushManifest(srv.url, repo, 'v1', a.bytes, MT.ociManifest);
    expect(again.digest).toBe(a.digest);
    const byDigest = await pushManifest(srv.url, repo, a.digest, a.bytes, MT.ociManifest);
    expect(byDigest.digest).toBe(a.digest);
    await expectManifest(repo, 'v1', a.bytes, MT.ociManifest);
    expect(await tags(repo)).toEqual(['v1']);
  });

  test('re-pushing a tag moves it; the old manifest stays reachable by digest', async () => {
    const repo = 'library/m-move';
    const a = await pushImage(srv.url, repo, 'latest', 'a');
    const b = await pushImage(srv.url, repo, 'latest', 'b');
    await expectManifest(repo, 'latest', b.bytes, MT.ociManifest);
    await expectManifest(repo, a.digest, a.bytes, MT.ociManifest);
    expect(await tags(repo)).toEqual(['latest']);
  });
});

describe('references to content the repository does not have → 400 MANIFEST_BLOB_UNKNOWN (Distribution\'s table), nothing stored', () => {
  const repo = 'library/m-missing';
  let good: Record<string, unknown>;
  let goodDigest: string;
  let goodSize: number;
  beforeAll(async () => {
    good = await imageManifest(srv.url, repo, { seed: 'missing', layers: 2 });
    ({ digest: goodDigest, size: goodSize } = await pushManifest(srv.url, repo, 'stable', good, MT.ociManifest));
  });

  async function expectUnknown(doc: unknown, mediaType: string, missing: string): Promise<void> {
    const { r, digest } = await putManifest(srv.url, repo, 'stable', doc, mediaType);
    expectError(r, 400, 'MANIFEST_BLOB_UNKNOWN');
    expect(JSON.stringify(r.json())).toContain(missing);
    expectError(await call(srv.url, `/v2/${repo}/manifests/${digest}`), 404, 'MANIFEST_UNKNOWN');
    const still = await call(srv.url, `/v2/${repo}/manifests/stable`);
    expect(still.headers['docker-content-digest']).toBe(goodDigest);
  }

  test('a missing layer', async () => {
    const layer = { mediaType: MT.ociLayer, digest: digestOf('never pushed layer'), size: 18 };
    await expectUnknown({ ...good, layers: [...(good.layers as unknown[]), layer] }, MT.ociManifest, layer.digest);
  });

  test('a missing config', async () => {
    const config = { mediaType: MT.ociConfig, digest: digestOf('never pushed config'), size: 19 };
    await expectUnknown({ ...good, config }, MT.ociManifest, config.digest);
  });

  test('a blob that exists only in another repository', async () => {
    const foreign = await pushBlob(srv.url, 'library/m-elsewhere', randomBytes(64));
    await expectUnknown({ ...good, layers: [foreign] }, MT.ociManifest, foreign.digest);
  });

  test('a missing child of an index, and of a Docker manifest list', async () => {
    const child = { mediaType: MT.ociManifest, digest: digestOf('never pushed manifest'), size: 21 };
    await expectUnknown({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: [{ mediaType: MT.ociManifest, digest: goodDigest, size: goodSize }, child] }, MT.ociIndex, child.digest);
    await expectUnknown({ schemaVersion: 2, mediaType: MT.dockerList, manifests: [{ ...child, mediaType: MT.dockerManifest }] }, MT.dockerList, child.digest);
  });

  test('a missing layer of a Docker manifest', async () => {
    const layer = { mediaType: MT.dockerLayer, digest: digestOf('never pushed docker layer'), size: 25 };
    await expectUnknown({ ...good, mediaType: MT.dockerManifest, layers: [layer] }, MT.dockerManifest, layer.digest);
  });

  test('a foreign layer with urls need not be present', async () => {
    const foreignLayer = { mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', digest: digestOf('windows base'), size: 12, urls: ['https://example.com/layer'] };
    const docker = await imageManifest(srv.url, repo, { seed: 'foreign', mediaType: MT.dockerManifest });
    const pushed = await pushManifest(srv.url, repo, 'foreign', { ...docker, layers: [foreignLayer, ...(docker.layers as unknown[])] }, MT.dockerManifest);
    await expectManifest(repo, 'foreign', pushed.bytes, MT.dockerManifest);
  });
});

describe('invalid manifests → 400 MANIFEST_INVALID, the tag keeps its manifest', () => {
  const repo = 'library/m-invalid';
  let good: Record<string, unknown>;
  let goodDigest: string;
  beforeAll(async () => {
    good = await imageManifest(srv.url, repo, { seed: 'invalid' });
    goodDigest = (await pushManifest(srv.url, repo, 'stable', good, MT.ociManifest)).digest;
  });

  const cases: [string, () => unknown, string][] = [
    ['not JSON', () => Buffer.from('{"schemaVersion": 2, '), MT.ociManifest],
    ['binary garbage', () => randomBytes(200), MT.ociManifest],
    ['an empty body', () => Buffer.alloc(0), MT.ociManifest],
    ['a JSON array', () => [good], MT.ociManifest],
    ['a JSON string', () => 'manifest', MT.ociManifest],
    ['schemaVersion 1', () => ({ ...good, schemaVersion: 1 }), MT.ociManifest],
    ['no schemaVersion', () => ({ ...good, schemaVersion: undefined }), MT.ociManifest],
    ['no config', () => ({ ...good, config: undefined }), MT.ociManifest],
    ['config that is a string', () => ({ ...good, config: 'sha256:abc' }), MT.ociManifest],
    ['layers that is an object', () => ({ ...good, layers: {} }), MT.ociManifest],
    ['a layer with a malformed digest', () => ({ ...good, layers: [{ mediaType: MT.ociLayer, digest: 'sha256:nothex', size: 1 }] }), MT.ociManifest],
    ['a layer with a negative size', () => ({ ...good, layers: [{ ...(good.layers as Record<string, unknown>[])[0], size: -1 }] }), MT.ociManifest],
    ['a layer with a string size', () => ({ ...good, layers: [{ ...(good.layers as Record<string, unknown>[])[0], size: '10' }] }), MT.ociManifest],
    ['a layer without mediaType', () => ({ ...good, layers: [{ ...(good.layers as Record<string, unknown>[])[0], mediaType: undefined }] }), MT.ociManifest],
    ['annotations that are not strings', () => ({ ...good, annotations: { a: 1 } }), MT.ociManifest],
    ['mediaType that disagrees with Content-Type', () => ({ ...good, annotations: { ct: 'docker' } }), MT.dockerManifest],
    ['an unknown media type', () => ({ ...good, mediaType: 'application/vnd.example.thing' }), 'application/vnd.example.thing'],
    ['an index with layers', () => ({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: [], layers: [] }), MT.ociIndex],
    ['an index whose manifests is not an array', () => ({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: { a: 1 } }), MT.ociIndex],
    ['an image manifest with manifests', () => ({ ...good, manifests: [] }), MT.ociManifest],
    ['artifactType on a Docker manifest', () => ({ ...good, mediaType: MT.dockerManifest, artifactType: 'application/x' }), MT.dockerManifest],
    ['a Docker manifest without layers', () => ({ ...good, mediaType: MT.dockerManifest, layers: undefined }), MT.dockerManifest],
    ['a subject that is not a descriptor', () => ({ ...good, subject: 'sha256:abc' }), MT.ociManifest],
  ];

  test.each(cases)('%s', async (_what, doc, mediaType) => {
    const body = doc();
    const { r, digest } = await putManifest(srv.url, repo, 'stable', Buffer.isBuffer(body) ? body : manifestBytes(body), mediaType);
    expectError(r, 400, 'MANIFEST_INVALID');
    expectError(await call(srv.url, `/v2/${repo}/manifests/${digest}`), 404, 'MANIFEST_UNKNOWN');
    const still = await call(srv.url, `/v2/${repo}/manifests/stable`);
    expect(still.status).toBe(200);
    expect(still.headers['docker-content-digest']).toBe(goodDigest);
  });

  test('PUT by a digest the body does not have → 400 DIGEST_INVALID, nothing stored under either digest', async () => {
    const bytes = manifestBytes({ ...good, annotations: { v: '2' } });
    const claimed = digestOf('a different body');
    const r = await call(srv.url, `/v2/${repo}/manifests/${claimed}`, { method: 'PUT', body: bytes, headers: { 'content-type': MT.ociManifest } });
    expectError(r, 400, 'DIGEST_INVALID');
    expectError(await call(srv.url, `/v2/${repo}/manifests/${claimed}`), 404, 'MANIFEST_UNKNOWN');
    expectError(await call(srv.url, `/v2/${repo}/manifests/${digestOf(bytes)}`), 404, 'MANIFEST_UNKNOWN');
  });
});

describe('the 4 MiB limit', () => {
  const repo = 'library/m-size';
  const LIMIT = 4 * 1024 * 1024;
  let good: Record<string, unknown>;
  let goodDigest: string;
  beforeAll(async () => {
    good = await imageManifest(srv.url, repo, { seed: 'size' });
    goodDigest = (await pushManifest(srv.url, repo, 'stable', good, MT.ociManifest)).digest;
  });

  /** A valid manifest of exactly `size` bytes (padded in an annotation). */
  function manifestOfSize(size: number): Buffer {
    const base = manifestBytes({ ...good, annotations: { pad: '' } }).length;
    const bytes = manifestBytes({ ...good, annotations: { pad: 'x'.repeat(size - base) } });
    expect(bytes.length).toBe(size);
    return bytes;
  }

  test('exactly 4 MiB is accepted', async () => {
    const bytes = manifestOfSize(LIMIT);
    const pushed = await pushManifest(srv.url, repo, 'big', bytes, MT.ociManifest);
    await expectManifest(repo, 'big', pushed.bytes, MT.ociManifest);
  });

  test('one byte more → 413 SIZE_INVALID, with Content-Length and streamed', async () => {
    const bytes = manifestOfSize(LIMIT + 1);
    const declared = await call(srv.url, `/v2/${repo}/manifests/stable`, { method: 'PUT', body: bytes, headers: { 'content-type': MT.ociManifest } });
    expectError(declared, 413, 'SIZE_INVALID');
    const streamed = await call(srv.url, `/v2/${repo}/manifests/stable`, {
      method: 'PUT', body: Readable.from([bytes.subarray(0, 1 << 20), bytes.subarray(1 << 20)]), headers: { 'content-type': MT.ociManifest },
    });
    expectError(streamed, 413, 'SIZE_INVALID');
    const still = await call(srv.url, `/v2/${repo}/manifests/stable`);
    expect(still.headers['docker-content-digest']).toBe(goodDigest);
    expectError(await call(srv.url, `/v2/${repo}/manifests/${digestOf(bytes)}`), 404, 'MANIFEST_UNKNOWN');
  });
});

describe('DELETE', () => {
  test('every manifest kind can be deleted by tag and by digest', async () => {
    const repo = 'library/m-del-kinds';
    const img = await pushImage(srv.url, repo, 'img');
    const empty = await pushBlob(srv.url, repo, EMPTY_JSON, MT.ociEmpty);
    const dockerImg = await pushManifest(srv.url, repo, 'docker', await imageManifest(srv.url, repo, { seed: 'dk', mediaType: MT.dockerManifest }), MT.dockerManifest);
    const kinds = [
      await pushManifest(srv.url, repo, 'index', { schemaVersion: 2, mediaType: MT.ociIndex, manifests: [{ mediaType: img.mediaType, digest: img.digest, size: img.size }] }, MT.ociIndex),
      await pushManifest(srv.url, repo, 'list', { schemaVersion: 2, mediaType: MT.dockerList, manifests: [{ mediaType: MT.dockerManifest, digest: dockerImg.digest, size: dockerImg.size }] }, MT.dockerList),
      await pushManifest(srv.url, repo, 'artifact', { schemaVersion: 2, mediaType: MT.ociManifest, artifactType: 'application/vnd.example.x', config: { mediaType: MT.ociEmpty, digest: empty.digest, size: 2 }, layers: [{ mediaType: MT.ociEmpty, digest: empty.digest, size: 2 }] }, MT.ociManifest),
      dockerImg,
      img,
    ];
    const names = ['index', 'list', 'artifact', 'docker', 'img'];
    for (const [i, k] of kinds.entries()) {
      await pushManifest(srv.url, repo, `${names[i]}-2`, k.bytes, k.mediaType);
      expect((await call(srv.url, `/v2/${repo}/manifests/${names[i]}-2`, { method: 'DELETE' })).status).toBe(202);
      expectError(await call(srv.url, `/v2/${repo}/manifests/${names[i]}-2`), 404, 'MANIFEST_UNKNOWN');
      await expectManifest(repo, names[i], k.bytes, k.mediaType);
      expect((await call(srv.url, `/v2/${repo}/manifests/${k.digest}`, { method: 'DELETE' })).status).toBe(202);
      expectError(await call(srv.url, `/v2/${repo}/manifests/${k.digest}`), 404, 'MANIFEST_UNKNOWN');
      expectError(await call(srv.url, `/v2/${repo}/manifests/${names[i]}`), 404, 'MANIFEST_UNKNOWN');
    }
    expect(await tags(repo)).toEqual([]);
  });

  test('by digest: 202, the manifest and every tag on it are gone, other manifests stay', async () => {
    const repo = 'library/m-del-digest';
    const a = await pushImage(srv.url, repo, 'a1', 'a');
    await pushManifest(srv.url, repo, 'a2', a.bytes, MT.ociManifest);
    const b = await pushImage(srv.url, repo, 'b1', 'b');
    expect(await tags(repo)).toEqual(['a1', 'a2', 'b1']);
    const del = await call(srv.url, `/v2/${repo}/manifests/${a.digest}`, { method: 'DELETE' });
    expect(del.status).toBe(202);
    expectError(await call(srv.url, `/v2/${repo}/manifests/${a.digest}`), 404, 'MANIFEST_UNKNOWN');
    expectError(await call(srv.url, `/v2/${repo}/manifests/a1`), 404, 'MANIFEST_UNKNOWN');
    expectError(await call(srv.url, `/v2/${repo}/manifests/a2`), 404, 'MANIFEST_UNKNOWN');
    const h = await call(srv.url, `/v2/${repo}/manifests/a1`, { method: 'HEAD' });
    expect(h.status).toBe(404);
    expect(await tags(repo)).toEqual(['b1']);
    await expectManifest(repo, 'b1', b.bytes, MT.ociManifest);
    expectError(await call(srv.url, `/v2/${repo}/manifests/${a.digest}`, { method: 'DELETE' }), 404, 'MANIFEST_UNKNOWN');
    // The same bytes can be pushed again afterwards.
    await pushManifest(srv.url, repo, 'a1', a.bytes, MT.ociManifest);
    await expectManifest(repo, 'a1', a.bytes, MT.ociManifest);
    expect(await tags(repo)).toEqual(['a1', 'b1']);
  });

  test('by tag: 202, only that tag goes; the manifest and its other tags stay', async () => {
    const repo = 'library/m-del-tag';
    const a = await pushImage(srv.url, repo, 'one', 'a');
    await pushManifest(srv.url, repo, 'two', a.bytes, MT.ociManifest);
    const del = await call(srv.url, `/v2/${repo}/manifests/one`, { method: 'DELETE' });
    expect(del.status).toBe(202);
    expectError(await call(srv.url, `/v2/${repo}/manifests/one`), 404, 'MANIFEST_UNKNOWN');
    await expectManifest(repo, 'two', a.bytes, MT.ociManifest);
    await expectManifest(repo, a.digest, a.bytes, MT.ociManifest);
    expect(await tags(repo)).toEqual(['two']);
    expectError(await call(srv.url, `/v2/${repo}/manifests/one`, { method: 'DELETE' }), 404, 'MANIFEST_UNKNOWN');
  });
});

test('unknown manifests: 404 MANIFEST_UNKNOWN by tag and by digest, in a repository that does not exist too', async () => {
  await pushImage(srv.url, 'library/m-unknown', 'there');
  expectError(await call(srv.url, '/v2/library/m-unknown/manifests/nothere'), 404, 'MANIFEST_UNKNOWN');
  expectError(await call(srv.url, `/v2/library/m-unknown/manifests/${digestOf('x')}`), 404, 'MANIFEST_UNKNOWN');
  expectError(await call(srv.url, '/v2/library/m-never/manifests/latest'), 404, 'MANIFEST_UNKNOWN');
  const h = await call(srv.url, '/v2/library/m-unknown/manifests/nothere', { method: 'HEAD' });
  expect(h.status).toBe(404);
  expect(h.body.length).toBe(0);
});

test('a manifest is visible only in its own repository', async () => {
  const a = await pushImage(srv.url, 'library/m-mine', 'v1');
  expectError(await call(srv.url, `/v2/library/m-yours/manifests/${a.digest}`), 404, 'MANIFEST_UNKNOWN');
});
