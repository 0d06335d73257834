// Referrers (distribution-spec v1.1 §Listing Referrers, §Pushing manifests with subject), tag
// listing and the catalog with their pagination (§Listing Tags, ?n= / ?last= / Link).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EMPTY_JSON, MT, call, digestOf, expectError, pushBlob, pushImage, pushManifest, type Descriptor } from '../helpers/oci.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
beforeAll(async () => { srv = await startTestServer(); });
afterAll(async () => { await srv.close(); });

interface Index { schemaVersion: number; mediaType: string; manifests: Record<string, unknown>[] }

describe('referrers', () => {
  const repo = 'library/ref';
  let image: Descriptor;
  let empty: Descriptor;
  let sbom: Descriptor & { bytes: Buffer };
  let sig: Descriptor & { bytes: Buffer };
  let legacy: Descriptor & { bytes: Buffer };
  let attIndex: Descriptor & { bytes: Buffer };

  function artifact(artifactType: string | undefined, payload: Descriptor, annotations?: Record<string, string>): Record<string, unknown> {
    const doc: Record<string, unknown> = { schemaVersion: 2, mediaType: MT.ociManifest };
    if (artifactType) doc.artifactType = artifactType;
    doc.config = artifactType ? { mediaType: MT.ociEmpty, digest: empty.digest, size: 2 } : { mediaType: 'application/vnd.example.legacy.config', digest: empty.digest, size: 2 };
    doc.layers = [payload];
    doc.subject = { mediaType: image.mediaType, digest: image.digest, size: image.size };
    if (annotations) doc.annotations = annotations;
    return doc;
  }

  beforeAll(async () => {
    image = await pushImage(srv.url, repo, 'v1');
    empty = await pushBlob(srv.url, repo, EMPTY_JSON, MT.ociEmpty);
    const sbomBlob = await pushBlob(srv.url, repo, Buffer.from('{"bomFormat":"CycloneDX"}'), 'application/vnd.cyclonedx+json');
    const sigBlob = await pushBlob(srv.url, repo, Buffer.from('signature bytes'), 'application/vnd.example.sig');
    // Referrers are pushed by digest, as clients do; the PUT answers OCI-Subject.
    const push = async (doc: Record<string, unknown>, mediaType: string = MT.ociManifest): Promise<Descriptor & { bytes: Buffer }> => {
      const bytes = Buffer.from(JSON.stringify(doc));
      const r = await call(srv.url, `/v2/${repo}/manifests/${digestOf(bytes)}`, { method: 'PUT', body: bytes, headers: { 'content-type': mediaType } });
      expect(r.status, r.body.toString()).toBe(201);
      expect(r.headers['oci-subject']).toBe(image.digest);
      return { mediaType, digest: digestOf(bytes), size: bytes.length, bytes };
    };
    sbom = await push(artifact('application/vnd.example.sbom', sbomBlob, { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z', 'org.example.kind': 'sbom' }));
    sig = await push(artifact('application/vnd.example.signature', sigBlob));
    legacy = await push(artifact(undefined, sigBlob)); // no artifactType: the config's media type stands in
    attIndex = await push({
      schemaVersion: 2, mediaType: MT.ociIndex, artifactType: 'application/vnd.example.bundle',
      manifests: [{ mediaType: MT.ociManifest, digest: sbom.digest, size: sbom.size }],
      subject: { mediaType: image.mediaType, digest: image.digest, size: image.size },
      annotations: { 'org.example.kind': 'bundle' },
    }, MT.ociIndex);
  });

  test('GET /v2/<name>/referrers/<digest> lists every referrer as an OCI index', async () => {
    const r = await call(srv.url, `/v2/${repo}/referrers/${image.digest}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(MT.ociIndex);
    expect(r.headers['oci-filters-applied']).toBeUndefined();
    const index = r.json<Index>();
    expect(index.schemaVersion).toBe(2);
    expect(index.mediaType).toBe(MT.ociIndex);
    const byDigest = new Map(index.manifests.map((m) => [m.digest, m]));
    expect(byDigest.size).toBe(4);
    expect(byDigest.get(sbom.digest)).toEqual({
      mediaType: MT.ociManifest, digest: sbom.digest, size: sbom.size, artifactType: 'application/vnd.example.sbom',
      annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z', 'org.example.kind': 'sbom' },
    });
    expect(byDigest.get(sig.digest)).toEqual({ mediaType: MT.ociManifest, digest: sig.digest, size: sig.size, artifactType: 'application/vnd.example.signature' });
    expect(byDigest.get(legacy.digest)).toEqual({ mediaType: MT.ociManifest, digest: legacy.digest, size: legacy.size, artifactType: 'application/vnd.example.legacy.config' });
    expect(byDigest.get(attIndex.digest)).toEqual({
      mediaType: MT.ociIndex, digest: attIndex.digest, size: attIndex.size, artifactType: 'application/vnd.example.bundle',
      annotations: { 'org.example.kind': 'bundle' },
    });
  });

  test('?artifactType= filters and answers OCI-Filters-Applied', async () => {
    const r = await call(srv.url, `/v2/${repo}/referrers/${image.digest}?artifactType=${encodeURIComponent('application/vnd.example.signature')}`);
    expect(r.status).toBe(200);
    expect(r.headers['oci-filters-applied']).toBe('artifactType');
    expect(r.json<Index>().manifests.map((m) => m.digest)).toEqual([sig.digest]);
    const none = await call(srv.url, `/v2/${repo}/referrers/${image.digest}?artifactType=application/vnd.example.none`);
    expect(none.status).toBe(200);
    expect(none.headers['oci-filters-applied']).toBe('artifactType');
    expect(none.json<Index>().manifests).toEqual([]);
  });

  test('an unknown subject (and an unknown repository) gives an empty index, not 404', async () => {
    for (const path of [`/v2/${repo}/referrers/${digestOf('nobody refers to this')}`, `/v2/library/ref-none/referrers/${image.digest}`]) {
      const r = await call(srv.url, path);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe(MT.ociIndex);
      expect(r.json()).toEqual({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: [] });
    }
  });

  test('a referrer pushed before its subject is listed; a malformed digest is 400 DIGEST_INVALID', async () => {
    const later = digestOf('a subject that does not exist yet');
    const doc = { schemaVersion: 2, mediaType: MT.ociManifest, artifactType: 'application/vnd.example.early',
      config: { mediaType: MT.ociEmpty, digest: empty.digest, size: 2 }, layers: [{ mediaType: MT.ociEmpty, digest: empty.digest, size: 2 }],
      subject: { mediaType: MT.ociManifest, digest: later, size: 10 } };
    const pushed = await call(srv.url, `/v2/${repo}/manifests/early`, { method: 'PUT', body: JSON.stringify(doc), headers: { 'content-type': MT.ociManifest } });
    expect(pushed.status).toBe(201);
    expect(pushed.headers['oci-subject']).toBe(later);
    const r = await call(srv.url, `/v2/${repo}/referrers/${later}`);
    expect(r.json<Index>().manifests.map((m) => m.artifactType)).toEqual(['application/vnd.example.early']);
    expectError(await call(srv.url, `/v2/${repo}/referrers/sha256:short`), 400, 'DIGEST_INVALID');
    expectError(await call(srv.url, `/v2/${repo}/referrers/latest`), 400, 'DIGEST_INVALID');
  });

  test('deleting a referrer removes it from the list', async () => {
    const tmp = await pushManifest(srv.url, repo, 'tmp-ref', artifact('application/vnd.example.tmp', empty), MT.ociManifest);
    const before = await call(srv.url, `/v2/${repo}/referrers/${image.digest}?artifactType=application/vnd.example.tmp`);
    expect(before.json<Index>().manifests.map((m) => m.digest)).toEqual([tmp.digest]);
    expect((await call(srv.url, `/v2/${repo}/manifests/${tmp.digest}`, { method: 'DELETE' })).status).toBe(202);
    const after = await call(srv.url, `/v2/${repo}/referrers/${image.digest}?artifactType=application/vnd.example.tmp`);
    expect(after.json<Index>().manifests).toEqual([]);
  });
});

/** Follows Link headers from `first`, returning every page's items and the links seen. */
async function walk(first: string, key: 'tags' | 'repositories'): Promise<{ pages: string[][]; links: string[] }> {
  const pages: string[][] = [];
  const links: string[] = [];
  let next: string | null = first;
  while (next) {
    const r = await call(srv.url, next);
    expect(r.status).toBe(200);
    pages.push(r.json<Record<string, string[]>>()[key]);
    const link = r.headers.link;
    if (!link) break;
    links.push(link);
    const m = /^<([^>]+)>; rel="next"$/.exec(link);
    expect(m, link).not.toBeNull();
    next = m![1];
    expect(pages.length).toBeLessThan(20);
  }
  return { pages, links };
}

describe('tags list', () => {
  const repo = 'library/tagged';
  const names = ['v1.0', 'latest', 'A-upper', 'v1.10', 'v1.2', '0', 'z_last', 'beta'];
  const sorted = [...names].sort(); // lexical (code-unit) order
  beforeAll(async () => {
    const img = await pushImage(srv.url, repo, names[0]);
    for (const t of names.slice(1)) await pushManifest(srv.url, repo, t, img.bytes, MT.ociManifest);
  });

  test('lists every tag in lexical order, with the repository name, and no Link', async () => {
    const r = await call(srv.url, `/v2/${repo}/tags/list`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.headers.link).toBeUndefined();
    expect(r.json()).toEqual({ name: repo, tags: sorted });
  });

  test('?n= pages with a Link to the next page; ?last= starts after a tag', async () => {
    const { pages, links } = await walk(`/v2/${repo}/tags/list?n=3`, 'tags');
    expect(pages).toEqual([sorted.slice(0, 3), sorted.slice(3, 6), sorted.slice(6)]);
    expect(links[0]).toBe(`</v2/${repo}/tags/list?n=3&last=${encodeURIComponent(sorted[2])}>; rel="next"`);
    expect(links).toHaveLength(2);
    const after = await call(srv.url, `/v2/${repo}/tags/list?last=${sorted[4]}`);
    expect(after.json<{ tags: string[] }>().tags).toEqual(sorted.slice(5));
    const between = await call(srv.url, `/v2/${repo}/tags/list?n=2&last=m`); // `last` need not be a tag
    expect(between.json<{ tags: string[] }>().tags).toEqual(sorted.filter((t) => t > 'm').slice(0, 2));
    expect(between.headers.link).toBeDefined();
  });

  test('?n= equal to the count has no Link; ?n=0 is an empty page', async () => {
    const all = await call(srv.url, `/v2/${repo}/tags/list?n=${names.length}`);
    expect(all.json<{ tags: string[] }>().tags).toEqual(sorted);
    expect(all.headers.link).toBeUndefined();
    const zero = await call(srv.url, `/v2/${repo}/tags/list?n=0`);
    expect(zero.status).toBe(200);
    expect(zero.json<{ tags: string[] }>().tags).toEqual([]);
  });

  test('a bad ?n= is 400 PAGINATION_NUMBER_INVALID; an unknown repository is 404 NAME_UNKNOWN', async () => {
    for (const n of ['-1', 'abc', '1.5', '99999999999']) {
      expectError(await call(srv.url, `/v2/${repo}/tags/list?n=${n}`), 400, 'PAGINATION_NUMBER_INVALID');
    }
    expectError(await call(srv.url, '/v2/library/never-pushed/tags/list'), 404, 'NAME_UNKNOWN');
  });
});

describe('catalog', () => {
  test('lists repositories that have manifests, in order, paginated with ?n=/?last= and Link', async () => {
    const s = await startTestServer();
    try {
      await s.app.stores.projects.createProject({ name: 'alpha', public: true });
      const repos = ['library/b', 'alpha/z', 'library/a/nested', 'alpha/y', 'library/c'];
      for (const r of repos) await pushImage(s.url, r, 'latest');
      await pushBlob(s.url, 'library/blobs-only', Buffer.from('no manifest here'));
      const sorted = [...repos].sort();
      const all = await call(s.url, '/v2/_catalog');
      expect(all.status).toBe(200);
      expect(all.json()).toEqual({ repositories: sorted });
      expect(all.headers.link).toBeUndefined();
      const pages: string[][] = [];
      let next: string | undefined = '/v2/_catalog?n=2';
      while (next) {
        const r = await call(s.url, next);
        pages.push(r.json<{ repositories: string[] }>().repositories);
        next = r.headers.link ? /^<([^>]+)>; rel="next"$/.exec(r.headers.link)![1] : undefined;
        if (pages.length === 1) expect(r.headers.link).toBe(`</v2/_catalog?n=2&last=${encodeURIComponent(sorted[1])}>; rel="next"`);
      }
      expect(pages).toEqual([sorted.slice(0, 2), sorted.slice(2, 4), sorted.slice(4)]);
      const after = await call(s.url, `/v2/_catalog?last=${encodeURIComponent(sorted[2])}`);
      expect(after.json<{ repositories: string[] }>().repositories).toEqual(sorted.slice(3));
      expectError(await call(s.url, '/v2/_catalog?n=x'), 400, 'PAGINATION_NUMBER_INVALID');
    } finally {
      await s.close();
    }
  });
});
