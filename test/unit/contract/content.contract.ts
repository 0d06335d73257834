// The ContentStore contract: every backend runs it (test/unit/meta-store.sqlite.test.ts for SQLite).
import { describe, expect, test } from 'vitest';
import { digestOf } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/mediatypes.js';
import { blob, manifestRecord, useStores, type StoresFactory } from './harness.js';

export function contentStoreContract(name: string, factory: StoresFactory): void {
  describe(`ContentStore contract: ${name}`, () => {
    const st = useStores(factory);

    describe('repositories and blob links', () => {
      test('copyManifests copies manifests with their blob links and the tags, charged to the target project, all or nothing', async () => {
        const b1 = blob('layer-one');
        const child = await st.push('proj/src', { seed: 'child', blobs: [b1.digest] });
        const index = await st.push('proj/src', { seed: 'index', manifests: [child.digest] }, 'v1');
        await st.content.putManifest('proj/src', st.project.id, index, 'latest');
        const other = await st.projects.createProject({ name: 'other', public: false });
        const r = await st.content.copyManifests('proj/src', 'other/dst', other.id, [child.digest, index.digest], { digest: index.digest, tags: ['v1', 'latest'] });
        expect(r).toEqual({ ok: true });
        expect((await st.content.getManifest('other/dst', 'v1'))?.digest).toBe(index.digest);
        expect((await st.content.getManifest('other/dst', 'latest'))?.digest).toBe(index.digest);
        expect(await st.content.getBlobLink('other/dst', b1.digest)).toMatchObject({ digest: b1.digest });
        expect((await st.projects.getProjectById(other.id))?.storageUsed).toBe(await st.projects.recountUsage(other.id));
        expect((await st.projects.getProjectById(other.id))?.storageUsed).toBe(child.size + index.size + 1);
        // A manifest the source lacks: nothing is written.
        const none = digestOf('none');
        expect(await st.content.copyManifests('proj/src', 'other/dst2', other.id, [child.digest, none], { digest: none, tags: ['x'] }))
          .toEqual({ ok: false, missing: none });
        expect(await st.content.getRepository('other/dst2')).toBeNull();
        // Over the quota: refused, nothing written, usage unchanged.
        const small = await st.projects.createProject({ name: 'small', public: false, storageLimit: 2 });
        const q = await st.content.copyManifests('proj/src', 'small/dst', small.id, [child.digest, index.digest], { digest: index.digest, tags: [] });
        expect(q).toMatchObject({ ok: false, quota: { projectId: small.id, limit: 2 } });
        expect((await st.projects.getProjectById(small.id))?.storageUsed).toBe(0);
        expect(await st.content.getRepository('small/dst')).toBeNull();
      });

      test('linkBlob creates the repository in its project', async () => {
        expect(await st.content.getRepository('proj/app')).toBeNull();
        await st.content.linkBlob('proj/app', st.project.id, blob('layer'));
        const repo = await st.content.getRepository('proj/app');
        expect(repo).toMatchObject({ name: 'proj/app', projectId: st.project.id });
        expect(Number.isInteger(repo!.id)).toBe(true);
      });

      test('getBlobLink answers only for a repository that links the blob', async () => {
        const b = blob('layer');
        await st.content.linkBlob('proj/a', st.project.id, { ...b, mediaType: 'application/octet-stream' });
        await st.content.linkBlob('proj/b', st.project.id, blob('other'));
        expect(await st.content.getBlobLink('proj/a', b.digest)).toEqual({ ...b, mediaType: 'application/octet-stream' });
        expect(await st.content.getBlobLink('proj/b', b.digest)).toBeNull();
        expect(await st.content.getBlobLink('proj/none', b.digest)).toBeNull();
        expect(await st.content.getBlobLink('proj/a', digestOf('never linked'))).toBeNull();
      });

      test('a blob linked without a media type reports none', async () => {
        const b = blob('plain');
        await st.content.linkBlob('proj/a', st.project.id, b);
        const link = await st.content.getBlobLink('proj/a', b.digest);
        expect(link).toMatchObject(b);
        expect(link?.mediaType ?? null).toBeNull();
      });

      test('linking twice (a mount of a blob the repository has) is harmless', async () => {
        const b = blob('twice');
        await st.content.linkBlob('proj/a', st.project.id, b);
        await st.content.linkBlob('proj/a', st.project.id, b);
        await st.content.linkBlob('proj/b', st.project.id, b);
        expect(await st.content.getBlobLink('proj/a', b.digest)).toMatchObject(b);
        expect(await st.content.getBlobLink('proj/b', b.digest)).toMatchObject(b);
      });

      test('unlinkBlob removes one link and reports whether it existed', async () => {
        const b = blob('shared');
        await st.content.linkBlob('proj/a', st.project.id, b);
        await st.content.linkBlob('proj/b', st.project.id, b);
        expect(await st.content.unlinkBlob('proj/a', b.digest)).toBe(true);
        expect(await st.content.unlinkBlob('proj/a', b.digest)).toBe(false);
        expect(await st.content.getBlobLink('proj/a', b.digest)).toBeNull();
        expect(await st.content.getBlobLink('proj/b', b.digest)).toMatchObject(b);
        expect(await st.content.unlinkBlob('proj/unknown', b.digest)).toBe(false);
      });

      test('listRepositories gives only repositories with manifests, in order, paged by n and last', async () => {
        for (const r of ['proj/c', 'proj/a', 'proj/b/nested', 'proj/b']) await st.push(r, { seed: r, blobs: [digestOf(`cfg ${r}`)] });
        await st.content.linkBlob('proj/blobs-only', st.project.id, blob('lonely'));
        const all = ['proj/a', 'proj/b', 'proj/b/nested', 'proj/c'];
        expect(await st.content.listRepositories({})).toEqual(all);
        expect(await st.content.listRepositories({ n: 2 })).toEqual(all.slice(0, 2));
        expect(await st.content.listRepositories({ n: 2, last: 'proj/b' })).toEqual(all.slice(2, 4));
        expect(await st.content.listRepositories({ last: 'proj/b/nested' })).toEqual(['proj/c']);
        expect(await st.content.listRepositories({ last: 'proj/c' })).toEqual([]);
        expect(await st.content.listRepositories({ n: 0 })).toEqual([]);
      });

      test('a repository whose last manifest is deleted leaves the catalog', async () => {
        const m = await st.push('proj/gone', { seed: 'only' });
        expect(await st.content.listRepositories({})).toEqual(['proj/gone']);
        await st.content.deleteManifest('proj/gone', m.digest);
        expect(await st.content.listRepositories({})).toEqual([]);
      });
    });

    describe('manifests and tags', () => {
      test('changeToken is null, or differs after a committed change and not before', async () => {
        const t0 = await st.content.changeToken();
        if (t0 === null) return; // the backend cannot tell: nothing may cache over it
        expect(await st.content.changeToken()).toBe(t0);
        await st.content.getManifest('proj/app', 'v1');
        expect(await st.content.changeToken()).toBe(t0);
        await st.push('proj/app', { seed: 'token' }, 'v1');
        const t1 = await st.content.changeToken();
        expect(t1).not.toBe(t0);
        await st.content.deleteTag('proj/app', 'v1');
        expect(await st.content.changeToken()).not.toBe(t1);
      });

      test('putManifest stores a manifest that getManifest finds by digest and by tag', async () => {
        const cfg = digestOf('config');
        const layer = digestOf('layer');
        const m = manifestRecord({ seed: 'img', blobs: [cfg, layer] });
        await st.content.linkBlob('proj/app', st.project.id, { digest: cfg, size: 6 });
        await st.content.linkBlob('proj/app', st.project.id, { digest: layer, size: 5 });
        expect(await st.content.putManifest('proj/app', st.project.id, m, 'v1')).toEqual({ ok: true, created: true });
        const expected = { digest: m.digest, mediaType: m.mediaType, size: m.size, content: m.content };
        const byDigest = await st.content.getManifest('proj/app', m.digest);
        expect(byDigest).toEqual(expected);
        expect(Buffer.isBuffer(byDigest!.content)).toBe(true);
        expect(await st.content.getManifest('proj/app', 'v1')).toEqual(expected);
      });

      test('getManifest is null for an unknown tag, digest, or repository, and for another repository', async () => {
        const m = await st.push('proj/app', { seed: 'x' }, 'latest');
        expect(await st.content.getManifest('proj/app', 'other')).toBeNull();
        expect(await st.content.getManifest('proj/app', digestOf('unknown'))).toBeNull();
        expect(await st.content.getManifest('proj/none', 'latest')).toBeNull();
        await st.push('proj/other', { seed: 'y' }, 'latest');
        expect(await st.content.getManifest('proj/other', m.digest)).toBeNull();
        expect((await st.content.getManifest('proj/other', 'latest'))?.digest).not.toBe(m.digest);
      });

      test('a manifest without a tag is stored by digest only', async () => {
        const m = await st.push('proj/app', { seed: 'untagged' });
        expect((await st.content.getManifest('proj/app', m.digest))?.digest).toBe(m.digest);
        expect(await st.content.listTags('proj/app', {})).toEqual([]);
      });

      test('missing blob and manifest references are reported, and nothing is written', async () => {
        const present = digestOf('present');
        const absent = digestOf('absent');
        const child = digestOf('child manifest');
        await st.content.linkBlob('proj/app', st.project.id, { digest: present, size: 7 });
        // A blob linked to another repository does not count.
        const elsewhere = digestOf('elsewhere');
        await st.content.linkBlob('proj/other', st.project.id, { digest: elsewhere, size: 9 });

        const m = manifestRecord({ seed: 'broken', blobs: [present, absent, elsewhere], manifests: [child] });
        expect(await st.content.putManifest('proj/app', st.project.id, m, 'v1')).toEqual({
          ok: false, missingBlobs: [absent, elsewhere], missingManifests: [child],
        });
        expect(await st.content.getManifest('proj/app', m.digest)).toBeNull();
        expect(await st.content.getManifest('proj/app', 'v1')).toBeNull();
        expect(await st.content.listTags('proj/app', {})).toEqual([]);
        expect(await st.content.listRepositories({})).toEqual([]);
      });

      test('a rejected push into a new repository does not create it', async () => {
        const m = manifestRecord({ seed: 'nothing linked', blobs: [digestOf('cfg')] });
        expect(await st.content.putManifest('proj/new', st.project.id, m, 'v1')).toEqual({
          ok: false, missingBlobs: [digestOf('cfg')], missingManifests: [],
        });
        expect(await st.content.getRepository('proj/new')).toBeNull();
        expect(await st.content.listTags('proj/new', {})).toBeNull();
      });

      test('a rejected push does not move an existing tag', async () => {
        const good = await st.push('proj/app', { seed: 'good' }, 'latest');
        const bad = manifestRecord({ seed: 'bad', blobs: [digestOf('missing')] });
        expect(await st.content.putManifest('proj/app', st.project.id, bad, 'latest')).toMatchObject({ ok: false });
        expect((await st.content.getManifest('proj/app', 'latest'))?.digest).toBe(good.digest);
      });

      test('a partial manifest is stored before its blobs and child manifests', async () => {
        const m = { ...manifestRecord({ seed: 'upstream', blobs: [digestOf('not here yet')], manifests: [digestOf('child')] }), partial: true };
        expect(await st.content.putManifest('proj/partial', st.project.id, m, 'v1')).toEqual({ ok: true, created: true });
        expect((await st.content.getManifest('proj/partial', 'v1'))!.digest).toBe(m.digest);
        // Without `partial` the same references are refused.
        const full = manifestRecord({ seed: 'pushed', blobs: [digestOf('not here yet')] });
        expect(await st.content.putManifest('proj/partial', st.project.id, full, 'v2')).toMatchObject({ ok: false, missingBlobs: [digestOf('not here yet')] });
      });

      test('an index needs its child manifests in the same repository', async () => {
        const child = await st.push('proj/app', { seed: 'linux/amd64' });
        const otherChild = await st.push('proj/other', { seed: 'linux/arm64' });
        const index = manifestRecord({ seed: 'index', mediaType: MediaType.ociIndex, manifests: [child.digest, otherChild.digest] });
        expect(await st.content.putManifest('proj/app', st.project.id, index, 'multi')).toEqual({
          ok: false, missingBlobs: [], missingManifests: [otherChild.digest],
        });
        const ok = manifestRecord({ seed: 'index', mediaType: MediaType.ociIndex, manifests: [child.digest] });
        expect(await st.content.putManifest('proj/app', st.project.id, ok, 'multi')).toEqual({ ok: true, created: true });
        expect(await st.content.getManifest('proj/app', 'multi')).toMatchObject({ digest: ok.digest, mediaType: MediaType.ociIndex });
      });

      test('putting the same manifest again is idempotent and reports created: false', async () => {
        const m = manifestRecord({ seed: 'again', blobs: [digestOf('cfg')] });
        await st.content.linkBlob('proj/app', st.project.id, { digest: digestOf('cfg'), size: 3 });
        expect(await st.content.putManifest('proj/app', st.project.id, m, 'v1')).toEqual({ ok: true, created: true });
        expect(await st.content.putManifest('proj/app', st.project.id, m, 'v1')).toEqual({ ok: true, created: false });
        expect(await st.content.putManifest('proj/app', st.project.id, m, null)).toEqual({ ok: true, created: false });
        expect(await st.content.putManifest('proj/app', st.project.id, m, 'v2')).toEqual({ ok: true, created: false });
        expect(await st.content.listTags('proj/app', {})).toEqual(['v1', 'v2']);
        expect((await st.content.getManifest('proj/app', m.digest))?.content.equals(m.content)).toBe(true);
      });

      test('the same manifest may live in two repositories', async () => {
        const m = manifestRecord({ seed: 'shared' });
        expect(await st.content.putManifest('proj/a', st.project.id, m, 'x')).toEqual({ ok: true, created: true });
        expect(await st.content.putManifest('proj/b', st.project.id, m, 'y')).toEqual({ ok: true, created: true });
        expect(await st.content.deleteManifest('proj/a', m.digest)).toBe(true);
        expect((await st.content.getManifest('proj/b', 'y'))?.digest).toBe(m.digest);
      });

      test('pushing a tag again moves it to the new manifest', async () => {
        const m1 = await st.push('proj/app', { seed: 'one' }, 'latest');
        const m2 = await st.push('proj/app', { seed: 'two' }, 'latest');
        expect((await st.content.getManifest('proj/app', 'latest'))?.digest).toBe(m2.digest);
        expect((await st.content.getManifest('proj/app', m1.digest))?.digest).toBe(m1.digest);
        expect(await st.content.listTags('proj/app', {})).toEqual(['latest']);
        // And back again, onto a manifest that already exists.
        expect(await st.content.putManifest('proj/app', st.project.id, m1, 'latest')).toEqual({ ok: true, created: false });
        expect((await st.content.getManifest('proj/app', 'latest'))?.digest).toBe(m1.digest);
      });

      test('deleteManifest removes the manifest and every tag on it', async () => {
        const m = await st.push('proj/app', { seed: 'doomed' }, 'a');
        await st.content.putManifest('proj/app', st.project.id, m, 'b');
        const keep = await st.push('proj/app', { seed: 'kept' }, 'c');
        expect(await st.content.deleteManifest('proj/app', m.digest)).toBe(true);
        expect(await st.content.deleteManifest('proj/app', m.digest)).toBe(false);
        expect(await st.content.getManifest('proj/app', m.digest)).toBeNull();
        expect(await st.content.getManifest('proj/app', 'a')).toBeNull();
        expect(await st.content.getManifest('proj/app', 'b')).toBeNull();
        expect(await st.content.listTags('proj/app', {})).toEqual(['c']);
        expect((await st.content.getManifest('proj/app', 'c'))?.digest).toBe(keep.digest);
        expect(await st.content.deleteManifest('proj/unknown', m.digest)).toBe(false);
      });

      test('a deleted manifest can be pushed again', async () => {
        const m = await st.push('proj/app', { seed: 'phoenix' }, 'v1');
        await st.content.deleteManifest('proj/app', m.digest);
        expect(await st.content.putManifest('proj/app', st.project.id, m, 'v1')).toEqual({ ok: true, created: true });
        expect((await st.content.getManifest('proj/app', 'v1'))?.digest).toBe(m.digest);
      });

      test('deleteTag removes only the tag', async () => {
        const m = await st.push('proj/app', { seed: 'tagged' }, 'v1');
        await st.content.putManifest('proj/app', st.project.id, m, 'v2');
        expect(await st.content.deleteTag('proj/app', 'v1')).toBe(true);
        expect(await st.content.deleteTag('proj/app', 'v1')).toBe(false);
        expect(await st.content.deleteTag('proj/unknown', 'v2')).toBe(false);
        expect(await st.content.getManifest('proj/app', 'v1')).toBeNull();
        expect((await st.content.getManifest('proj/app', 'v2'))?.digest).toBe(m.digest);
        expect((await st.content.getManifest('proj/app', m.digest))?.digest).toBe(m.digest);
        expect(await st.content.listTags('proj/app', {})).toEqual(['v2']);
      });

      test('listTags is null for an unknown repository and lexically ordered otherwise', async () => {
        expect(await st.content.listTags('proj/none', {})).toBeNull();
        await st.content.linkBlob('proj/blobs-only', st.project.id, blob('b'));
        expect(await st.content.listTags('proj/blobs-only', {})).toEqual([]);
        const m = await st.push('proj/app', { seed: 'tags' });
        const tags = ['v10', 'v2', 'latest', 'V1', '1.0', '_x', 'v1.0-rc.1'];
        for (const t of tags) await st.content.putManifest('proj/app', st.project.id, m, t);
        // Lexical means by code point: digits, upper case, underscore, lower case.
        expect(await st.content.listTags('proj/app', {})).toEqual(['1.0', 'V1', '_x', 'latest', 'v1.0-rc.1', 'v10', 'v2']);
      });

      test('listTags pages with n and last', async () => {
        const m = await st.push('proj/app', { seed: 'paged' });
        for (const t of ['e', 'c', 'a', 'd', 'b']) await st.content.putManifest('proj/app', st.project.id, m, t);
        expect(await st.content.listTags('proj/app', { n: 2 })).toEqual(['a', 'b']);
        expect(await st.content.listTags('proj/app', { n: 2, last: 'b' })).toEqual(['c', 'd']);
        expect(await st.content.listTags('proj/app', { n: 2, last: 'd' })).toEqual(['e']);
        expect(await st.content.listTags('proj/app', { n: 2, last: 'e' })).toEqual([]);
        // `last` need not be an existing tag.
        expect(await st.content.listTags('proj/app', { last: 'bb' })).toEqual(['c', 'd', 'e']);
        expect(await st.content.listTags('proj/app', { n: 0 })).toEqual([]);
        expect(await st.content.listTags('proj/app', { n: 100 })).toEqual(['a', 'b', 'c', 'd', 'e']);
      });

      test('listTags does not mix repositories', async () => {
        await st.push('proj/a', { seed: 'a' }, 'only-a');
        await st.push('proj/b', { seed: 'b' }, 'only-b');
        expect(await st.content.listTags('proj/a', {})).toEqual(['only-a']);
        expect(await st.content.listTags('proj/b', {})).toEqual(['only-b']);
      });
    });

    describe('referrers', () => {
      test('listReferrers gives every manifest whose subject is the digest, filtered by artifactType', async () => {
        const subject = await st.push('proj/app', { seed: 'image' }, 'v1');
        const sig = await st.push('proj/app', {
          seed: 'signature', subject: subject.digest, artifactType: 'application/vnd.dev.cosign.signature',
          annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
        });
        const sbom = await st.push('proj/app', { seed: 'sbom', subject: subject.digest, artifactType: 'application/spdx+json' });
        const plain = await st.push('proj/app', { seed: 'no type', subject: subject.digest });
        await st.push('proj/app', { seed: 'unrelated', artifactType: 'application/spdx+json' });

        const all = await st.content.listReferrers('proj/app', subject.digest);
        expect(all).toHaveLength(3);
        expect(all).toEqual(expect.arrayContaining([
          {
            mediaType: MediaType.ociManifest, digest: sig.digest, size: sig.size,
            artifactType: 'application/vnd.dev.cosign.signature',
            annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
          },
          { mediaType: MediaType.ociManifest, digest: sbom.digest, size: sbom.size, artifactType: 'application/spdx+json' },
          { mediaType: MediaType.ociManifest, digest: plain.digest, size: plain.size },
        ]));

        expect(await st.content.listReferrers('proj/app', subject.digest, 'application/spdx+json')).toEqual([
          { mediaType: MediaType.ociManifest, digest: sbom.digest, size: sbom.size, artifactType: 'application/spdx+json' },
        ]);
        expect(await st.content.listReferrers('proj/app', subject.digest, 'application/none')).toEqual([]);
      });

      test('referrers are per repository, may precede their subject, and go when deleted', async () => {
        const subject = digestOf('a subject not pushed yet');
        const sig = await st.push('proj/app', { seed: 'early sig', subject, artifactType: 'application/x-sig' });
        expect((await st.content.listReferrers('proj/app', subject)).map((d) => d.digest)).toEqual([sig.digest]);
        expect(await st.content.listReferrers('proj/other', subject)).toEqual([]);
        expect(await st.content.listReferrers('proj/app', digestOf('nothing refers to me'))).toEqual([]);
        await st.content.deleteManifest('proj/app', sig.digest);
        expect(await st.content.listReferrers('proj/app', subject)).toEqual([]);
      });
    });

    describe('SBOM accessories (issue 7)', () => {
      const SBOM = 'application/vnd.goharbor.harbor.sbom.v1';

      test('deleting a manifest deletes its accessories (and theirs) with their blobs\' usage, and leaves other manifests', async () => {
        const image = await st.push('proj/app', { seed: 'image', blobs: [digestOf('layer')] }, 'v1');
        const other = await st.push('proj/app', { seed: 'other', blobs: [digestOf('other layer')] }, 'v2');
        const spdx = await st.push('proj/app', { seed: 'spdx', subject: image.digest, artifactType: SBOM, blobs: [digestOf('spdx doc')] });
        const cdx = await st.push('proj/app', { seed: 'cdx', subject: image.digest, artifactType: SBOM, blobs: [digestOf('cdx doc')] });
        const sig = await st.push('proj/app', { seed: 'sig', subject: image.digest, artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json' });
        const sigOfSbom = await st.push('proj/app', { seed: 'sig of sbom', subject: spdx.digest, artifactType: 'application/vnd.cncf.notary.signature' });
        const otherSig = await st.push('proj/app', { seed: 'other sig', subject: other.digest, artifactType: 'application/x-sig' });
        expect(await st.content.deleteManifest('proj/app', image.digest)).toBe(true);
        for (const m of [spdx, cdx, sig, sigOfSbom]) expect(await st.content.getManifest('proj/app', m.digest)).toBeNull();
        expect(await st.content.listReferrers('proj/app', image.digest)).toEqual([]);
        expect((await st.content.listReferrers('proj/app', other.digest)).map((r) => r.digest)).toEqual([otherSig.digest]);
        expect((await st.projects.getProject('proj'))!.storageUsed).toBe(await st.projects.recountUsage(st.project.id));
        expect((await st.projects.getProject('proj'))!.storageUsed).toBe(other.size + 1 + otherSig.size);
      });
    });

    describe('storage quota usage', () => {
      const used = async (id = st.project.id): Promise<number> => (await st.projects.getProjectById(id))!.storageUsed;
      /** The kept usage, after checking it equals a recount from scratch. */
      const checked = async (id = st.project.id): Promise<number> => {
        const u = await used(id);
        expect(await st.projects.recountUsage(id)).toBe(u);
        return u;
      };
      const sized = (s: string, size: number): { digest: string; size: number } => ({ digest: digestOf(s), size });

      test('a blob counts once per project however many repositories link it; manifests count too', async () => {
        expect(await checked()).toBe(0);
        const layer = sized('layer', 1000);
        expect(await st.content.linkBlob('proj/a', st.project.id, layer)).toEqual({ ok: true });
        expect(await st.content.linkBlob('proj/a', st.project.id, layer)).toEqual({ ok: true });
        expect(await st.content.linkBlob('proj/b', st.project.id, layer)).toEqual({ ok: true });
        expect(await checked()).toBe(1000);
        const m = manifestRecord({ seed: 'app', blobs: [layer.digest] });
        await st.content.putManifest('proj/a', st.project.id, m, 'v1');
        await st.content.putManifest('proj/b', st.project.id, m, 'v1');
        expect(await checked()).toBe(1000 + m.size);
        // Another project pays for its own copy.
        const other = await st.projects.createProject({ name: 'other', public: false });
        await st.content.linkBlob('other/a', other.id, layer);
        expect(await checked(other.id)).toBe(1000);
        expect(await checked()).toBe(1000 + m.size);
      });

      test('a link or manifest that would pass the limit is refused and changes nothing', async () => {
        const p = await st.projects.createProject({ name: 'small', public: false, storageLimit: 1500 });
        expect(await st.content.linkBlob('small/a', p.id, sized('one', 1000))).toEqual({ ok: true });
        expect(await st.content.linkBlob('small/a', p.id, sized('two', 501))).toEqual({ ok: false, quota: { projectId: p.id, limit: 1500, used: 1000, requested: 501 } });
        expect(await st.content.getBlobLink('small/a', digestOf('two'))).toBeNull();
        // Already counted in the project: free, even in another repository.
        expect(await st.content.linkBlob('small/b', p.id, sized('one', 1000))).toEqual({ ok: true });
        expect(await st.content.linkBlob('small/a', p.id, sized('three', 500))).toEqual({ ok: true });
        expect(await checked(p.id)).toBe(1500);
        const m = manifestRecord({ seed: 'full', blobs: [digestOf('one')] });
        expect(await st.content.putManifest('small/a', p.id, m, 'v1')).toEqual({ ok: false, quota: { projectId: p.id, limit: 1500, used: 1500, requested: m.size } });
        expect(await st.content.getManifest('small/a', 'v1')).toBeNull();
        await st.projects.updateProject(p.id, { storageLimit: -1 });
        expect(await st.content.putManifest('small/a', p.id, m, 'v1')).toEqual({ ok: true, created: true });
        expect(await checked(p.id)).toBe(1500 + m.size);
      });

      test('deleting a manifest releases at once the blobs no other manifest of the repository references', async () => {
        const shared = sized('shared', 100);
        const own = sized('own', 10);
        for (const b of [shared, own]) await st.content.linkBlob('proj/app', st.project.id, b);
        const a = manifestRecord({ seed: 'a', blobs: [shared.digest, own.digest] });
        const b = manifestRecord({ seed: 'b', blobs: [shared.digest] });
        await st.content.putManifest('proj/app', st.project.id, a, 'a');
        await st.content.putManifest('proj/app', st.project.id, b, 'b');
        expect(await checked()).toBe(110 + a.size + b.size);
        await st.content.deleteManifest('proj/app', a.digest);
        expect(await checked()).toBe(100 + b.size);
        // The same manifest can be pushed again; its released blob counts again.
        expect(await st.content.putManifest('proj/app', st.project.id, a, 'a')).toEqual({ ok: true, created: true });
        expect(await checked()).toBe(110 + a.size + b.size);
        await st.content.deleteManifest('proj/app', a.digest);
        await st.content.deleteManifest('proj/app', b.digest);
        expect(await checked()).toBe(0);
        // A released blob uploaded again counts again.
        await st.content.linkBlob('proj/app', st.project.id, own);
        expect(await checked()).toBe(10);
      });

      test('deleting a repository or unlinking a blob lowers usage unless another repository still has it', async () => {
        const x = sized('x', 7);
        const y = sized('y', 5);
        await st.content.linkBlob('proj/a', st.project.id, x);
        await st.content.linkBlob('proj/a', st.project.id, y);
        await st.content.linkBlob('proj/b', st.project.id, x);
        const m = manifestRecord({ seed: 'm', blobs: [x.digest] });
        await st.content.putManifest('proj/a', st.project.id, m, 'v');
        expect(await checked()).toBe(12 + m.size);
        expect(await st.content.unlinkBlob('proj/a', y.digest)).toBe(true);
        expect(await checked()).toBe(7 + m.size);
        expect(await st.content.deleteRepository('proj/a')).toBe(true);
        expect(await checked()).toBe(7);
        expect(await st.content.deleteRepository('proj/a')).toBe(false);
        await st.content.deleteRepository('proj/b');
        expect(await checked()).toBe(0);
      });
    });
  });
}
