// The MetadataStore contract: one test body that every backend runs (as zot's meta tests do). A
// backend's test file calls metaStoreContract() with a factory that returns a fresh, empty, migrated
// store for each test; the suite closes it afterwards.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import type { ManifestRecord, MetadataStore, Project, SbomStatus } from '../../src/storage/meta/types.js';

export type MetaStoreFactory = () => Promise<MetadataStore>;

export interface ManifestSpec {
  /** Makes the content (and so the digest) unique. */
  seed: string;
  mediaType?: string;
  artifactType?: string | null;
  blobs?: string[];
  manifests?: string[];
  subject?: string | null;
  annotations?: Record<string, string> | null;
}

/** A ManifestRecord whose content is a small JSON document and whose digest is that content's. */
export function manifestRecord(spec: ManifestSpec): ManifestRecord {
  const content = Buffer.from(JSON.stringify({ schemaVersion: 2, seed: spec.seed, refs: spec.blobs ?? [], children: spec.manifests ?? [] }));
  return {
    digest: digestOf(content),
    mediaType: spec.mediaType ?? MediaType.ociManifest,
    artifactType: spec.artifactType ?? null,
    size: content.length,
    content,
    subject: spec.subject ?? null,
    annotations: spec.annotations ?? null,
    blobRefs: spec.blobs ?? [],
    manifestRefs: spec.manifests ?? [],
  };
}

const blob = (s: string): { digest: string; size: number } => ({ digest: digestOf(s), size: s.length });

export function metaStoreContract(name: string, factory: MetaStoreFactory): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let store: MetadataStore;
    let project: Project;

    beforeEach(async () => {
      store = await factory();
      project = await store.createProject({ name: 'proj', public: false });
    });
    afterEach(async () => {
      await store.close();
    });

    /** Links blobs into `repo` and pushes a manifest referencing them; returns the record. */
    async function push(repo: string, spec: ManifestSpec, tag: string | null = null): Promise<ManifestRecord> {
      for (const d of spec.blobs ?? []) await store.linkBlob(repo, project.id, { digest: d, size: 1 });
      const m = manifestRecord(spec);
      expect(await store.putManifest(repo, project.id, m, tag)).toMatchObject({ ok: true });
      return m;
    }

    describe('projects', () => {
      test('createProject returns the stored project and getProject finds it by name', async () => {
        expect(project).toMatchObject({ name: 'proj', public: false });
        expect(Number.isInteger(project.id)).toBe(true);
        expect(Number.isNaN(Date.parse(project.createdAt))).toBe(false);
        expect(Number.isNaN(Date.parse(project.updatedAt))).toBe(false);
        expect(await store.getProject('proj')).toEqual(project);

        const pub = await store.createProject({ name: 'library', public: true });
        expect(pub.public).toBe(true);
        expect(pub.id).not.toBe(project.id);
        expect(await store.getProject('library')).toEqual(pub);
      });

      test('getProject of an unknown name is null', async () => {
        expect(await store.getProject('nope')).toBeNull();
      });

      test('a second project with the same name is refused: CONFLICT, as the losing side of a create race sees it', async () => {
        await expect(store.createProject({ name: 'proj', public: true })).rejects.toMatchObject({ code: 'CONFLICT' });
        expect((await store.getProject('proj'))?.public).toBe(false);
      });
    });

    describe('projects: ids, owners, metadata, update, delete', () => {
      test('a project keeps its owner, storage limit and metadata; getProjectById finds it', async () => {
        const u = await store.createUser({ username: 'owner', passwordHash: 'h' });
        const p = await store.createProject({ name: 'team', public: false, ownerId: u.id, storageLimit: 1024, metadata: { auto_scan: 'true' } });
        expect(p).toMatchObject({ name: 'team', ownerId: u.id, storageLimit: 1024, metadata: { auto_scan: 'true' } });
        expect(await store.getProjectById(p.id)).toEqual(p);
        expect(await store.getProjectById(99999)).toBeNull();
        expect(project).toMatchObject({ ownerId: null, storageLimit: -1, metadata: {} });
        expect((await store.listProjects()).map((x) => x.name)).toEqual(['proj', 'team']);
      });

      test('updateProject changes only what the patch names; a null metadata value removes it', async () => {
        const p = await store.createProject({ name: 'team', public: false, metadata: { a: '1', b: '2' } });
        const u = await store.updateProject(p.id, { public: true, metadata: { a: null, c: '3' } });
        expect(u).toMatchObject({ public: true, storageLimit: -1, metadata: { b: '2', c: '3' } });
        expect(await store.updateProject(p.id, { storageLimit: 5 })).toMatchObject({ public: true, storageLimit: 5 });
        expect(await store.updateProject(99999, { public: true })).toBeNull();
      });

      test('deleteProject removes members, metadata and manifest-less repositories', async () => {
        const u = await store.createUser({ username: 'm', passwordHash: 'h' });
        const p = await store.createProject({ name: 'gone', public: false, metadata: { a: '1' } });
        await store.addMember(p.id, u.id, 2);
        await store.linkBlob('gone/app', p.id, blob('x'));
        expect(await store.deleteProject(p.id)).toBe(true);
        expect(await store.getProject('gone')).toBeNull();
        expect(await store.getRepository('gone/app')).toBeNull();
        expect(await store.getMemberRole(p.id, u.id)).toBeNull();
        expect(await store.deleteProject(p.id)).toBe(false);
        // The name is free again.
        expect((await store.createProject({ name: 'gone', public: true })).metadata).toEqual({});
      });
    });

    describe('users', () => {
      test('createUser stores a user that is found by id and by name', async () => {
        const u = await store.createUser({ username: 'alice', email: 'a@example.com', realname: 'Alice', comment: 'c', passwordHash: 'scrypt$x', sysadmin: true });
        expect(u).toMatchObject({ username: 'alice', email: 'a@example.com', realname: 'Alice', comment: 'c', passwordHash: 'scrypt$x', sysadmin: true });
        expect(await store.getUserById(u.id)).toEqual(u);
        expect(await store.getUserByName('alice')).toEqual(u);
        expect(await store.getUserByName('bob')).toBeNull();
        const b = await store.createUser({ username: 'bob', passwordHash: 'h' });
        expect(b).toMatchObject({ email: '', realname: '', comment: '', sysadmin: false });
        expect((await store.listUsers()).map((x) => x.username)).toEqual(['alice', 'bob']);
      });

      test('a second user with the same name is refused: CONFLICT', async () => {
        await store.createUser({ username: 'alice', passwordHash: 'h' });
        await expect(store.createUser({ username: 'alice', passwordHash: 'h2' })).rejects.toMatchObject({ code: 'CONFLICT' });
      });

      test('updateUser changes only the given fields; deleteUser removes the user and its memberships', async () => {
        const u = await store.createUser({ username: 'alice', email: 'a@x', passwordHash: 'h' });
        expect(await store.updateUser(u.id, { realname: 'A', sysadmin: true })).toMatchObject({ email: 'a@x', realname: 'A', sysadmin: true, passwordHash: 'h' });
        expect(await store.updateUser(u.id, { passwordHash: 'h2', sysadmin: false })).toMatchObject({ passwordHash: 'h2', sysadmin: false });
        expect(await store.updateUser(99999, { email: 'x' })).toBeNull();
        await store.addMember(project.id, u.id, 1);
        expect(await store.deleteUser(u.id)).toBe(true);
        expect(await store.deleteUser(u.id)).toBe(false);
        expect(await store.getUserById(u.id)).toBeNull();
        expect(await store.listMembers(project.id)).toEqual([]);
      });
    });

    describe('project members', () => {
      test('add, list, update, remove, and the role lookup', async () => {
        const a = await store.createUser({ username: 'alice', passwordHash: 'h' });
        const b = await store.createUser({ username: 'bob', passwordHash: 'h' });
        const ma = await store.addMember(project.id, a.id, 1);
        expect(ma).toMatchObject({ projectId: project.id, userId: a.id, username: 'alice', roleId: 1 });
        expect(await store.addMember(project.id, a.id, 2)).toBeNull();
        const mb = await store.addMember(project.id, b.id, 5);
        expect(await store.listMembers(project.id)).toEqual([ma, mb]);
        expect(await store.getMemberRole(project.id, b.id)).toBe(5);
        expect(await store.updateMember(project.id, mb!.id, 4)).toBe(true);
        expect(await store.getMemberRole(project.id, b.id)).toBe(4);
        const other = await store.createProject({ name: 'other', public: false });
        expect(await store.updateMember(other.id, mb!.id, 3)).toBe(false);
        expect(await store.deleteMember(other.id, mb!.id)).toBe(false);
        expect(await store.deleteMember(project.id, mb!.id)).toBe(true);
        expect(await store.getMemberRole(project.id, b.id)).toBeNull();
        expect(await store.getMemberRole(other.id, a.id)).toBeNull();
      });
    });

    describe('repositories and artifacts as Harbor lists them', () => {
      test('listProjectRepositories counts artifacts and skips repositories without manifests', async () => {
        await push('proj/b', { seed: 'b1' });
        await push('proj/b', { seed: 'b2' });
        await push('proj/a', { seed: 'a1' });
        await store.linkBlob('proj/blobs-only', project.id, blob('x'));
        const other = await store.createProject({ name: 'other', public: false });
        await store.putManifest('other/c', other.id, manifestRecord({ seed: 'c' }), null);
        const repos = await store.listProjectRepositories(project.id);
        expect(repos.map((r) => [r.name, r.artifactCount, r.projectId])).toEqual([['proj/a', 1, project.id], ['proj/b', 2, project.id]]);
      });

      test('listArtifacts and getArtifact give size with blobs, tags with ids, and content', async () => {
        const cfg = blob('config!');
        await store.linkBlob('proj/app', project.id, cfg);
        const m = await push('proj/app', { seed: 'img', blobs: [cfg.digest] }, 'v1');
        await store.putManifest('proj/app', project.id, m, 'latest');
        const arts = await store.listArtifacts('proj/app');
        expect(arts).toHaveLength(1);
        expect(arts[0]).toMatchObject({ digest: m.digest, mediaType: m.mediaType, size: m.size + cfg.size });
        expect(arts[0].content.equals(m.content)).toBe(true);
        expect(arts[0].tags.map((t) => t.name)).toEqual(['latest', 'v1']);
        expect(await store.getArtifact('proj/app', m.digest)).toEqual(arts[0]);
        expect(await store.getArtifact('proj/app', digestOf('none'))).toBeNull();
        expect(await store.listArtifacts('proj/none')).toEqual([]);
      });

      test('addTag points a new tag at a manifest, refuses a taken tag and an unknown manifest', async () => {
        const m = await push('proj/app', { seed: 'x' }, 'v1');
        expect(await store.addTag('proj/app', m.digest, 'v2')).toBe('ok');
        expect(await store.addTag('proj/app', m.digest, 'v1')).toBe('exists');
        expect(await store.addTag('proj/app', digestOf('nope'), 'v3')).toBe('unknown');
        expect(await store.addTag('proj/none', m.digest, 'v3')).toBe('unknown');
        expect(await store.listTags('proj/app', {})).toEqual(['v1', 'v2']);
      });

      test('deleteRepository removes the repository with its manifests and tags', async () => {
        const m = await push('proj/app', { seed: 'x' }, 'v1');
        expect(await store.deleteRepository('proj/app')).toBe(true);
        expect(await store.deleteRepository('proj/app')).toBe(false);
        expect(await store.getManifest('proj/app', m.digest)).toBeNull();
        expect(await store.listTags('proj/app', {})).toBeNull();
        expect(await store.listProjectRepositories(project.id)).toEqual([]);
      });
    });

    describe('repositories and blob links', () => {
      test('linkBlob creates the repository in its project', async () => {
        expect(await store.getRepository('proj/app')).toBeNull();
        await store.linkBlob('proj/app', project.id, blob('layer'));
        const repo = await store.getRepository('proj/app');
        expect(repo).toMatchObject({ name: 'proj/app', projectId: project.id });
        expect(Number.isInteger(repo!.id)).toBe(true);
      });

      test('getBlobLink answers only for a repository that links the blob', async () => {
        const b = blob('layer');
        await store.linkBlob('proj/a', project.id, { ...b, mediaType: 'application/octet-stream' });
        await store.linkBlob('proj/b', project.id, blob('other'));
        expect(await store.getBlobLink('proj/a', b.digest)).toEqual({ ...b, mediaType: 'application/octet-stream' });
        expect(await store.getBlobLink('proj/b', b.digest)).toBeNull();
        expect(await store.getBlobLink('proj/none', b.digest)).toBeNull();
        expect(await store.getBlobLink('proj/a', digestOf('never linked'))).toBeNull();
      });

      test('a blob linked without a media type reports none', async () => {
        const b = blob('plain');
        await store.linkBlob('proj/a', project.id, b);
        const link = await store.getBlobLink('proj/a', b.digest);
        expect(link).toMatchObject(b);
        expect(link?.mediaType ?? null).toBeNull();
      });

      test('linking twice (a mount of a blob the repository has) is harmless', async () => {
        const b = blob('twice');
        await store.linkBlob('proj/a', project.id, b);
        await store.linkBlob('proj/a', project.id, b);
        await store.linkBlob('proj/b', project.id, b);
        expect(await store.getBlobLink('proj/a', b.digest)).toMatchObject(b);
        expect(await store.getBlobLink('proj/b', b.digest)).toMatchObject(b);
      });

      test('unlinkBlob removes one link and reports whether it existed', async () => {
        const b = blob('shared');
        await store.linkBlob('proj/a', project.id, b);
        await store.linkBlob('proj/b', project.id, b);
        expect(await store.unlinkBlob('proj/a', b.digest)).toBe(true);
        expect(await store.unlinkBlob('proj/a', b.digest)).toBe(false);
        expect(await store.getBlobLink('proj/a', b.digest)).toBeNull();
        expect(await store.getBlobLink('proj/b', b.digest)).toMatchObject(b);
        expect(await store.unlinkBlob('proj/unknown', b.digest)).toBe(false);
      });

      test('listRepositories gives only repositories with manifests, in order, paged by n and last', async () => {
        for (const r of ['proj/c', 'proj/a', 'proj/b/nested', 'proj/b']) await push(r, { seed: r, blobs: [digestOf(`cfg ${r}`)] });
        await store.linkBlob('proj/blobs-only', project.id, blob('lonely'));
        const all = ['proj/a', 'proj/b', 'proj/b/nested', 'proj/c'];
        expect(await store.listRepositories({})).toEqual(all);
        expect(await store.listRepositories({ n: 2 })).toEqual(all.slice(0, 2));
        expect(await store.listRepositories({ n: 2, last: 'proj/b' })).toEqual(all.slice(2, 4));
        expect(await store.listRepositories({ last: 'proj/b/nested' })).toEqual(['proj/c']);
        expect(await store.listRepositories({ last: 'proj/c' })).toEqual([]);
        expect(await store.listRepositories({ n: 0 })).toEqual([]);
      });

      test('a repository whose last manifest is deleted leaves the catalog', async () => {
        const m = await push('proj/gone', { seed: 'only' });
        expect(await store.listRepositories({})).toEqual(['proj/gone']);
        await store.deleteManifest('proj/gone', m.digest);
        expect(await store.listRepositories({})).toEqual([]);
      });
    });

    describe('manifests and tags', () => {
      test('putManifest stores a manifest that getManifest finds by digest and by tag', async () => {
        const cfg = digestOf('config');
        const layer = digestOf('layer');
        const m = manifestRecord({ seed: 'img', blobs: [cfg, layer] });
        await store.linkBlob('proj/app', project.id, { digest: cfg, size: 6 });
        await store.linkBlob('proj/app', project.id, { digest: layer, size: 5 });
        expect(await store.putManifest('proj/app', project.id, m, 'v1')).toEqual({ ok: true, created: true });
        const expected = { digest: m.digest, mediaType: m.mediaType, size: m.size, content: m.content };
        const byDigest = await store.getManifest('proj/app', m.digest);
        expect(byDigest).toEqual(expected);
        expect(Buffer.isBuffer(byDigest!.content)).toBe(true);
        expect(await store.getManifest('proj/app', 'v1')).toEqual(expected);
      });

      test('getManifest is null for an unknown tag, digest, or repository, and for another repository', async () => {
        const m = await push('proj/app', { seed: 'x' }, 'latest');
        expect(await store.getManifest('proj/app', 'other')).toBeNull();
        expect(await store.getManifest('proj/app', digestOf('unknown'))).toBeNull();
        expect(await store.getManifest('proj/none', 'latest')).toBeNull();
        await push('proj/other', { seed: 'y' }, 'latest');
        expect(await store.getManifest('proj/other', m.digest)).toBeNull();
        expect((await store.getManifest('proj/other', 'latest'))?.digest).not.toBe(m.digest);
      });

      test('a manifest without a tag is stored by digest only', async () => {
        const m = await push('proj/app', { seed: 'untagged' });
        expect((await store.getManifest('proj/app', m.digest))?.digest).toBe(m.digest);
        expect(await store.listTags('proj/app', {})).toEqual([]);
      });

      test('missing blob and manifest references are reported, and nothing is written', async () => {
        const present = digestOf('present');
        const absent = digestOf('absent');
        const child = digestOf('child manifest');
        await store.linkBlob('proj/app', project.id, { digest: present, size: 7 });
        // A blob linked to another repository does not count.
        const elsewhere = digestOf('elsewhere');
        await store.linkBlob('proj/other', project.id, { digest: elsewhere, size: 9 });

        const m = manifestRecord({ seed: 'broken', blobs: [present, absent, elsewhere], manifests: [child] });
        expect(await store.putManifest('proj/app', project.id, m, 'v1')).toEqual({
          ok: false, missingBlobs: [absent, elsewhere], missingManifests: [child],
        });
        expect(await store.getManifest('proj/app', m.digest)).toBeNull();
        expect(await store.getManifest('proj/app', 'v1')).toBeNull();
        expect(await store.listTags('proj/app', {})).toEqual([]);
        expect(await store.listRepositories({})).toEqual([]);
      });

      test('a rejected push into a new repository does not create it', async () => {
        const m = manifestRecord({ seed: 'nothing linked', blobs: [digestOf('cfg')] });
        expect(await store.putManifest('proj/new', project.id, m, 'v1')).toEqual({
          ok: false, missingBlobs: [digestOf('cfg')], missingManifests: [],
        });
        expect(await store.getRepository('proj/new')).toBeNull();
        expect(await store.listTags('proj/new', {})).toBeNull();
      });

      test('a rejected push does not move an existing tag', async () => {
        const good = await push('proj/app', { seed: 'good' }, 'latest');
        const bad = manifestRecord({ seed: 'bad', blobs: [digestOf('missing')] });
        expect(await store.putManifest('proj/app', project.id, bad, 'latest')).toMatchObject({ ok: false });
        expect((await store.getManifest('proj/app', 'latest'))?.digest).toBe(good.digest);
      });

      test('an index needs its child manifests in the same repository', async () => {
        const child = await push('proj/app', { seed: 'linux/amd64' });
        const otherChild = await push('proj/other', { seed: 'linux/arm64' });
        const index = manifestRecord({ seed: 'index', mediaType: MediaType.ociIndex, manifests: [child.digest, otherChild.digest] });
        expect(await store.putManifest('proj/app', project.id, index, 'multi')).toEqual({
          ok: false, missingBlobs: [], missingManifests: [otherChild.digest],
        });
        const ok = manifestRecord({ seed: 'index', mediaType: MediaType.ociIndex, manifests: [child.digest] });
        expect(await store.putManifest('proj/app', project.id, ok, 'multi')).toEqual({ ok: true, created: true });
        expect(await store.getManifest('proj/app', 'multi')).toMatchObject({ digest: ok.digest, mediaType: MediaType.ociIndex });
      });

      test('putting the same manifest again is idempotent and reports created: false', async () => {
        const m = manifestRecord({ seed: 'again', blobs: [digestOf('cfg')] });
        await store.linkBlob('proj/app', project.id, { digest: digestOf('cfg'), size: 3 });
        expect(await store.putManifest('proj/app', project.id, m, 'v1')).toEqual({ ok: true, created: true });
        expect(await store.putManifest('proj/app', project.id, m, 'v1')).toEqual({ ok: true, created: false });
        expect(await store.putManifest('proj/app', project.id, m, null)).toEqual({ ok: true, created: false });
        expect(await store.putManifest('proj/app', project.id, m, 'v2')).toEqual({ ok: true, created: false });
        expect(await store.listTags('proj/app', {})).toEqual(['v1', 'v2']);
        expect((await store.getManifest('proj/app', m.digest))?.content.equals(m.content)).toBe(true);
      });

      test('the same manifest may live in two repositories', async () => {
        const m = manifestRecord({ seed: 'shared' });
        expect(await store.putManifest('proj/a', project.id, m, 'x')).toEqual({ ok: true, created: true });
        expect(await store.putManifest('proj/b', project.id, m, 'y')).toEqual({ ok: true, created: true });
        expect(await store.deleteManifest('proj/a', m.digest)).toBe(true);
        expect((await store.getManifest('proj/b', 'y'))?.digest).toBe(m.digest);
      });

      test('pushing a tag again moves it to the new manifest', async () => {
        const m1 = await push('proj/app', { seed: 'one' }, 'latest');
        const m2 = await push('proj/app', { seed: 'two' }, 'latest');
        expect((await store.getManifest('proj/app', 'latest'))?.digest).toBe(m2.digest);
        expect((await store.getManifest('proj/app', m1.digest))?.digest).toBe(m1.digest);
        expect(await store.listTags('proj/app', {})).toEqual(['latest']);
        // And back again, onto a manifest that already exists.
        expect(await store.putManifest('proj/app', project.id, m1, 'latest')).toEqual({ ok: true, created: false });
        expect((await store.getManifest('proj/app', 'latest'))?.digest).toBe(m1.digest);
      });

      test('deleteManifest removes the manifest and every tag on it', async () => {
        const m = await push('proj/app', { seed: 'doomed' }, 'a');
        await store.putManifest('proj/app', project.id, m, 'b');
        const keep = await push('proj/app', { seed: 'kept' }, 'c');
        expect(await store.deleteManifest('proj/app', m.digest)).toBe(true);
        expect(await store.deleteManifest('proj/app', m.digest)).toBe(false);
        expect(await store.getManifest('proj/app', m.digest)).toBeNull();
        expect(await store.getManifest('proj/app', 'a')).toBeNull();
        expect(await store.getManifest('proj/app', 'b')).toBeNull();
        expect(await store.listTags('proj/app', {})).toEqual(['c']);
        expect((await store.getManifest('proj/app', 'c'))?.digest).toBe(keep.digest);
        expect(await store.deleteManifest('proj/unknown', m.digest)).toBe(false);
      });

      test('a deleted manifest can be pushed again', async () => {
        const m = await push('proj/app', { seed: 'phoenix' }, 'v1');
        await store.deleteManifest('proj/app', m.digest);
        expect(await store.putManifest('proj/app', project.id, m, 'v1')).toEqual({ ok: true, created: true });
        expect((await store.getManifest('proj/app', 'v1'))?.digest).toBe(m.digest);
      });

      test('deleteTag removes only the tag', async () => {
        const m = await push('proj/app', { seed: 'tagged' }, 'v1');
        await store.putManifest('proj/app', project.id, m, 'v2');
        expect(await store.deleteTag('proj/app', 'v1')).toBe(true);
        expect(await store.deleteTag('proj/app', 'v1')).toBe(false);
        expect(await store.deleteTag('proj/unknown', 'v2')).toBe(false);
        expect(await store.getManifest('proj/app', 'v1')).toBeNull();
        expect((await store.getManifest('proj/app', 'v2'))?.digest).toBe(m.digest);
        expect((await store.getManifest('proj/app', m.digest))?.digest).toBe(m.digest);
        expect(await store.listTags('proj/app', {})).toEqual(['v2']);
      });

      test('listTags is null for an unknown repository and lexically ordered otherwise', async () => {
        expect(await store.listTags('proj/none', {})).toBeNull();
        await store.linkBlob('proj/blobs-only', project.id, blob('b'));
        expect(await store.listTags('proj/blobs-only', {})).toEqual([]);
        const m = await push('proj/app', { seed: 'tags' });
        const tags = ['v10', 'v2', 'latest', 'V1', '1.0', '_x', 'v1.0-rc.1'];
        for (const t of tags) await store.putManifest('proj/app', project.id, m, t);
        // Lexical means by code point: digits, upper case, underscore, lower case.
        expect(await store.listTags('proj/app', {})).toEqual(['1.0', 'V1', '_x', 'latest', 'v1.0-rc.1', 'v10', 'v2']);
      });

      test('listTags pages with n and last', async () => {
        const m = await push('proj/app', { seed: 'paged' });
        for (const t of ['e', 'c', 'a', 'd', 'b']) await store.putManifest('proj/app', project.id, m, t);
        expect(await store.listTags('proj/app', { n: 2 })).toEqual(['a', 'b']);
        expect(await store.listTags('proj/app', { n: 2, last: 'b' })).toEqual(['c', 'd']);
        expect(await store.listTags('proj/app', { n: 2, last: 'd' })).toEqual(['e']);
        expect(await store.listTags('proj/app', { n: 2, last: 'e' })).toEqual([]);
        // `last` need not be an existing tag.
        expect(await store.listTags('proj/app', { last: 'bb' })).toEqual(['c', 'd', 'e']);
        expect(await store.listTags('proj/app', { n: 0 })).toEqual([]);
        expect(await store.listTags('proj/app', { n: 100 })).toEqual(['a', 'b', 'c', 'd', 'e']);
      });

      test('listTags does not mix repositories', async () => {
        await push('proj/a', { seed: 'a' }, 'only-a');
        await push('proj/b', { seed: 'b' }, 'only-b');
        expect(await store.listTags('proj/a', {})).toEqual(['only-a']);
        expect(await store.listTags('proj/b', {})).toEqual(['only-b']);
      });
    });

    describe('referrers', () => {
      test('listReferrers gives every manifest whose subject is the digest, filtered by artifactType', async () => {
        const subject = await push('proj/app', { seed: 'image' }, 'v1');
        const sig = await push('proj/app', {
          seed: 'signature', subject: subject.digest, artifactType: 'application/vnd.dev.cosign.signature',
          annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
        });
        const sbom = await push('proj/app', { seed: 'sbom', subject: subject.digest, artifactType: 'application/spdx+json' });
        const plain = await push('proj/app', { seed: 'no type', subject: subject.digest });
        await push('proj/app', { seed: 'unrelated', artifactType: 'application/spdx+json' });

        const all = await store.listReferrers('proj/app', subject.digest);
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

        expect(await store.listReferrers('proj/app', subject.digest, 'application/spdx+json')).toEqual([
          { mediaType: MediaType.ociManifest, digest: sbom.digest, size: sbom.size, artifactType: 'application/spdx+json' },
        ]);
        expect(await store.listReferrers('proj/app', subject.digest, 'application/none')).toEqual([]);
      });

      test('referrers are per repository, may precede their subject, and go when deleted', async () => {
        const subject = digestOf('a subject not pushed yet');
        const sig = await push('proj/app', { seed: 'early sig', subject, artifactType: 'application/x-sig' });
        expect((await store.listReferrers('proj/app', subject)).map((d) => d.digest)).toEqual([sig.digest]);
        expect(await store.listReferrers('proj/other', subject)).toEqual([]);
        expect(await store.listReferrers('proj/app', digestOf('nothing refers to me'))).toEqual([]);
        await store.deleteManifest('proj/app', sig.digest);
        expect(await store.listReferrers('proj/app', subject)).toEqual([]);
      });
    });

    describe('SBOM accessories and generation status (issue 7)', () => {
      const SBOM = 'application/vnd.goharbor.harbor.sbom.v1';
      const status = (over: Partial<SbomStatus> = {}): SbomStatus => ({
        reportId: 'r1', status: 'Pending', startTime: null, endTime: null, sbomDigest: null, cyclonedxDigest: null, error: null, ...over,
      });

      test('deleting a manifest deletes its accessories (and theirs) with their blobs\' usage, and leaves other manifests', async () => {
        const image = await push('proj/app', { seed: 'image', blobs: [digestOf('layer')] }, 'v1');
        const other = await push('proj/app', { seed: 'other', blobs: [digestOf('other layer')] }, 'v2');
        const spdx = await push('proj/app', { seed: 'spdx', subject: image.digest, artifactType: SBOM, blobs: [digestOf('spdx doc')] });
        const cdx = await push('proj/app', { seed: 'cdx', subject: image.digest, artifactType: SBOM, blobs: [digestOf('cdx doc')] });
        const sig = await push('proj/app', { seed: 'sig', subject: image.digest, artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json' });
        const sigOfSbom = await push('proj/app', { seed: 'sig of sbom', subject: spdx.digest, artifactType: 'application/vnd.cncf.notary.signature' });
        const otherSig = await push('proj/app', { seed: 'other sig', subject: other.digest, artifactType: 'application/x-sig' });
        expect(await store.deleteManifest('proj/app', image.digest)).toBe(true);
        for (const m of [spdx, cdx, sig, sigOfSbom]) expect(await store.getManifest('proj/app', m.digest)).toBeNull();
        expect(await store.listReferrers('proj/app', image.digest)).toEqual([]);
        expect((await store.listReferrers('proj/app', other.digest)).map((r) => r.digest)).toEqual([otherSig.digest]);
        expect((await store.getProject('proj'))!.storageUsed).toBe(await store.recountUsage(project.id));
        expect((await store.getProject('proj'))!.storageUsed).toBe(other.size + 1 + otherSig.size);
      });

      test('a status is kept per manifest, listed while unfinished, and goes with the manifest', async () => {
        const image = await push('proj/app', { seed: 'image' }, 'v1');
        expect(await store.getSbomStatus('proj/app', image.digest)).toBeNull();
        expect(await store.setSbomStatus('proj/app', digestOf('absent'), status())).toBe(false);
        expect(await store.setSbomStatus('proj/app', image.digest, status())).toBe(true);
        expect(await store.listUnfinishedSbom()).toEqual([{ repository: 'proj/app', digest: image.digest }]);
        const done = status({ status: 'Success', startTime: '2026-01-01T00:00:00Z', endTime: '2026-01-01T00:00:02Z', sbomDigest: digestOf('s'), cyclonedxDigest: digestOf('c') });
        expect(await store.setSbomStatus('proj/app', image.digest, done)).toBe(true);
        expect(await store.getSbomStatus('proj/app', image.digest)).toEqual(done);
        expect(await store.listUnfinishedSbom()).toEqual([]);
        await store.deleteManifest('proj/app', image.digest);
        await push('proj/app', { seed: 'image' }, 'v1');
        expect(await store.getSbomStatus('proj/app', image.digest)).toBeNull();
      });
    });

    describe('upload sessions', () => {
      test('createUpload and getUpload round-trip a session', async () => {
        const s = { id: 'u-1', repository: 'proj/app', createdAt: 1_000, updatedAt: 1_000 };
        await store.createUpload(s);
        expect(await store.getUpload('u-1')).toEqual(s);
        expect(await store.getUpload('u-unknown')).toBeNull();
      });

      test('touchUpload moves updatedAt only', async () => {
        await store.createUpload({ id: 'u-1', repository: 'proj/app', createdAt: 1_000, updatedAt: 1_000 });
        await store.touchUpload('u-1', 5_000);
        expect(await store.getUpload('u-1')).toEqual({ id: 'u-1', repository: 'proj/app', createdAt: 1_000, updatedAt: 5_000 });
        await store.touchUpload('u-unknown', 5_000);
        expect(await store.getUpload('u-unknown')).toBeNull();
      });

      test('deleteUpload forgets a session and is idempotent', async () => {
        await store.createUpload({ id: 'u-1', repository: 'proj/app', createdAt: 1, updatedAt: 1 });
        await store.createUpload({ id: 'u-2', repository: 'proj/app', createdAt: 1, updatedAt: 1 });
        await store.deleteUpload('u-1');
        await store.deleteUpload('u-1');
        expect(await store.getUpload('u-1')).toBeNull();
        expect(await store.getUpload('u-2')).not.toBeNull();
      });

      test('a session id is unique', async () => {
        await store.createUpload({ id: 'u-1', repository: 'proj/a', createdAt: 1, updatedAt: 1 });
        await expect(store.createUpload({ id: 'u-1', repository: 'proj/b', createdAt: 2, updatedAt: 2 })).rejects.toThrow();
        expect((await store.getUpload('u-1'))?.repository).toBe('proj/a');
      });

      test('listUploadsBefore gives sessions idle since strictly before the time, oldest first', async () => {
        await store.createUpload({ id: 'c', repository: 'proj/app', createdAt: 100, updatedAt: 300 });
        await store.createUpload({ id: 'a', repository: 'proj/app', createdAt: 100, updatedAt: 100 });
        await store.createUpload({ id: 'b', repository: 'proj/other', createdAt: 100, updatedAt: 200 });
        expect(await store.listUploadsBefore(100)).toEqual([]);
        expect((await store.listUploadsBefore(201)).map((s) => s.id)).toEqual(['a', 'b']);
        expect(await store.listUploadsBefore(1_000)).toEqual([
          { id: 'a', repository: 'proj/app', createdAt: 100, updatedAt: 100 },
          { id: 'b', repository: 'proj/other', createdAt: 100, updatedAt: 200 },
          { id: 'c', repository: 'proj/app', createdAt: 100, updatedAt: 300 },
        ]);
        await store.touchUpload('a', 400);
        expect((await store.listUploadsBefore(350)).map((s) => s.id)).toEqual(['b', 'c']);
      });

      test('millisecond timestamps survive the round trip', async () => {
        const now = 1_735_689_600_123;
        await store.createUpload({ id: 'ms', repository: 'proj/app', createdAt: now, updatedAt: now + 1 });
        expect(await store.getUpload('ms')).toEqual({ id: 'ms', repository: 'proj/app', createdAt: now, updatedAt: now + 1 });
      });
    });

    describe('registry endpoints', () => {
      const newRegistry = (name: string, over: Record<string, unknown> = {}) => ({
        name, type: 'docker-registry', url: 'http://127.0.0.1:5000', description: '', insecure: false, caCertificate: null,
        credentialType: 'basic', accessKey: 'bob', accessSecretEnc: 'v1:opaque', ...over,
      });

      test('create, find by id and name, list, update, clear the credential, delete', async () => {
        const r = await store.createRegistry(newRegistry('hub', { type: 'docker-hub', url: 'https://hub.docker.com' }));
        expect(r).toMatchObject({ ...newRegistry('hub', { type: 'docker-hub', url: 'https://hub.docker.com' }), id: expect.any(Number), status: 'unknown' });
        expect(await store.getRegistryById(r.id)).toEqual(r);
        expect(await store.getRegistryByName('hub')).toEqual(r);
        expect(await store.getRegistryByName('nope')).toBeNull();
        const local = await store.createRegistry(newRegistry('local', { credentialType: null, accessKey: null, accessSecretEnc: null }));
        expect((await store.listRegistries()).map((x) => x.name)).toEqual(['hub', 'local']);
        const u = await store.updateRegistry(r.id, { description: 'mirror', insecure: true, status: 'healthy' });
        expect(u).toMatchObject({ description: 'mirror', insecure: true, status: 'healthy', accessKey: 'bob', accessSecretEnc: 'v1:opaque', url: r.url });
        const cleared = await store.updateRegistry(r.id, { credentialType: null, accessKey: null, accessSecretEnc: null });
        expect(cleared).toMatchObject({ credentialType: null, accessKey: null, accessSecretEnc: null, description: 'mirror' });
        expect(await store.updateRegistry(9999, { description: 'x' })).toBeNull();
        expect(await store.deleteRegistry(r.id)).toBe(true);
        expect(await store.deleteRegistry(r.id)).toBe(false);
        expect(await store.getRegistryById(r.id)).toBeNull();
        expect(await store.getRegistryById(local.id)).toEqual(local);
      });

      test('a name is unique, also on rename', async () => {
        const a = await store.createRegistry(newRegistry('a'));
        await store.createRegistry(newRegistry('b'));
        await expect(store.createRegistry(newRegistry('a'))).rejects.toMatchObject({ code: 'CONFLICT' });
        await expect(store.updateRegistry(a.id, { name: 'b' })).rejects.toMatchObject({ code: 'CONFLICT' });
        expect((await store.getRegistryById(a.id))?.name).toBe('a');
      });
    });

    describe('proxy-cache projects', () => {
      const endpoint = { type: 'docker-registry', url: 'http://127.0.0.1:5000', description: '', insecure: false, caCertificate: null,
        credentialType: null, accessKey: null, accessSecretEnc: null };

      test('a project records its upstream; the endpoint lists the projects that use it', async () => {
        const r = await store.createRegistry({ ...endpoint, name: 'up' });
        const p = await store.createProject({ name: 'cache', public: true, registryId: r.id });
        expect(p.registryId).toBe(r.id);
        expect((await store.getProject('cache'))!.registryId).toBe(r.id);
        expect(project.registryId).toBeNull();
        expect(await store.projectsUsingRegistry(r.id)).toEqual(['cache']);
        expect(await store.projectsUsingRegistry(r.id + 1)).toEqual([]);
      });

      test('a partial manifest is stored before its blobs and child manifests', async () => {
        const m = { ...manifestRecord({ seed: 'upstream', blobs: [digestOf('not here yet')], manifests: [digestOf('child')] }), partial: true };
        expect(await store.putManifest('proj/partial', project.id, m, 'v1')).toEqual({ ok: true, created: true });
        expect((await store.getManifest('proj/partial', 'v1'))!.digest).toBe(m.digest);
        // Without `partial` the same references are refused.
        const full = manifestRecord({ seed: 'pushed', blobs: [digestOf('not here yet')] });
        expect(await store.putManifest('proj/partial', project.id, full, 'v2')).toMatchObject({ ok: false, missingBlobs: [digestOf('not here yet')] });
      });

      test('a tag\'s revalidation time is kept per tag, and the cache listing counts only the blobs held', async () => {
        const m = await push('proj/app', { seed: 'one', blobs: [blob('a').digest] }, 'v1');
        expect(await store.getTagRevalidation('proj/app', 'v1')).toBeNull();
        expect(await store.getTagRevalidation('proj/app', 'nope')).toBeNull();
        await store.markTagRevalidated('proj/app', 'v1');
        const at = await store.getTagRevalidation('proj/app', 'v1');
        expect(Number.isNaN(Date.parse(at!))).toBe(false);
        const partial = { ...manifestRecord({ seed: 'two', blobs: [digestOf('missing')] }), partial: true };
        await store.putManifest('proj/app', project.id, partial, 'v2');
        expect(await store.listCachedTags(project.id)).toEqual([
          { repository: 'proj/app', tag: 'v1', digest: m.digest, mediaType: m.mediaType, cachedSize: m.size + 1, pushedAt: expect.any(String), revalidatedAt: at },
          { repository: 'proj/app', tag: 'v2', digest: partial.digest, mediaType: partial.mediaType, cachedSize: partial.size, pushedAt: expect.any(String), revalidatedAt: null },
        ]);
        // Moving the tag keeps the column; a deleted tag has none.
        await store.deleteTag('proj/app', 'v1');
        expect(await store.getTagRevalidation('proj/app', 'v1')).toBeNull();
      });
    });

    describe('robots', () => {
      const newRobot = (name: string, over: Record<string, unknown> = {}) => ({
        name, description: 'd', level: 'project' as const, projectId: project.id, secretHash: 'sha256$s$h', disabled: false, duration: 30,
        expiresAt: 1_900_000_000, permissions: [{ kind: 'project' as const, namespace: 'proj', access: [{ resource: 'repository', action: 'pull' }] }],
        creatorType: 'local' as const, creatorRef: 1, ...over,
      });

      test('create, find by id and name, list, update, delete', async () => {
        const r = await store.createRobot(newRobot('proj+ci'));
        expect(r).toMatchObject({ ...newRobot('proj+ci'), id: expect.any(Number) });
        expect(await store.getRobotById(r.id)).toEqual(r);
        expect(await store.getRobotByName('proj+ci')).toEqual(r);
        expect(await store.getRobotByName('ci')).toBeNull();
        const sys = await store.createRobot(newRobot('ci', { level: 'system', projectId: null }));
        expect((await store.listRobots()).map((x) => x.name)).toEqual(['proj+ci', 'ci']);
        const u = await store.updateRobot(r.id, { disabled: true, secretHash: 'sha256$t$i', permissions: [], duration: -1, expiresAt: -1 });
        expect(u).toMatchObject({ disabled: true, secretHash: 'sha256$t$i', permissions: [], duration: -1, expiresAt: -1, description: 'd' });
        expect(await store.updateRobot(9999, { disabled: true })).toBeNull();
        expect(await store.deleteRobot(r.id)).toBe(true);
        expect(await store.deleteRobot(r.id)).toBe(false);
        expect(await store.getRobotById(r.id)).toBeNull();
        expect(await store.getRobotById(sys.id)).toEqual(sys);
      });

      test('a name is unique, and a project\'s robots go with the project', async () => {
        await store.createRobot(newRobot('proj+ci'));
        await expect(store.createRobot(newRobot('proj+ci'))).rejects.toMatchObject({ code: 'CONFLICT' });
        const other = await store.createProject({ name: 'other', public: false });
        const r = await store.createRobot(newRobot('other+ci', { projectId: other.id }));
        await store.deleteProject(other.id);
        expect(await store.getRobotById(r.id)).toBeNull();
        expect(await store.getRobotByName('proj+ci')).not.toBeNull();
      });
    });

    describe('storage quota usage', () => {
      const used = async (id = project.id): Promise<number> => (await store.getProjectById(id))!.storageUsed;
      /** The kept usage, after checking it equals a recount from scratch. */
      const checked = async (id = project.id): Promise<number> => {
        const u = await used(id);
        expect(await store.recountUsage(id)).toBe(u);
        return u;
      };
      const sized = (s: string, size: number): { digest: string; size: number } => ({ digest: digestOf(s), size });

      test('a blob counts once per project however many repositories link it; manifests count too', async () => {
        expect(await checked()).toBe(0);
        const layer = sized('layer', 1000);
        expect(await store.linkBlob('proj/a', project.id, layer)).toEqual({ ok: true });
        expect(await store.linkBlob('proj/a', project.id, layer)).toEqual({ ok: true });
        expect(await store.linkBlob('proj/b', project.id, layer)).toEqual({ ok: true });
        expect(await checked()).toBe(1000);
        const m = manifestRecord({ seed: 'app', blobs: [layer.digest] });
        await store.putManifest('proj/a', project.id, m, 'v1');
        await store.putManifest('proj/b', project.id, m, 'v1');
        expect(await checked()).toBe(1000 + m.size);
        // Another project pays for its own copy.
        const other = await store.createProject({ name: 'other', public: false });
        await store.linkBlob('other/a', other.id, layer);
        expect(await checked(other.id)).toBe(1000);
        expect(await checked()).toBe(1000 + m.size);
      });

      test('a link or manifest that would pass the limit is refused and changes nothing', async () => {
        const p = await store.createProject({ name: 'small', public: false, storageLimit: 1500 });
        expect(await store.linkBlob('small/a', p.id, sized('one', 1000))).toEqual({ ok: true });
        expect(await store.linkBlob('small/a', p.id, sized('two', 501))).toEqual({ ok: false, quota: { projectId: p.id, limit: 1500, used: 1000, requested: 501 } });
        expect(await store.getBlobLink('small/a', digestOf('two'))).toBeNull();
        // Already counted in the project: free, even in another repository.
        expect(await store.linkBlob('small/b', p.id, sized('one', 1000))).toEqual({ ok: true });
        expect(await store.linkBlob('small/a', p.id, sized('three', 500))).toEqual({ ok: true });
        expect(await checked(p.id)).toBe(1500);
        const m = manifestRecord({ seed: 'full', blobs: [digestOf('one')] });
        expect(await store.putManifest('small/a', p.id, m, 'v1')).toEqual({ ok: false, quota: { projectId: p.id, limit: 1500, used: 1500, requested: m.size } });
        expect(await store.getManifest('small/a', 'v1')).toBeNull();
        await store.updateProject(p.id, { storageLimit: -1 });
        expect(await store.putManifest('small/a', p.id, m, 'v1')).toEqual({ ok: true, created: true });
        expect(await checked(p.id)).toBe(1500 + m.size);
      });

      test('deleting a manifest releases at once the blobs no other manifest of the repository references', async () => {
        const shared = sized('shared', 100);
        const own = sized('own', 10);
        for (const b of [shared, own]) await store.linkBlob('proj/app', project.id, b);
        const a = manifestRecord({ seed: 'a', blobs: [shared.digest, own.digest] });
        const b = manifestRecord({ seed: 'b', blobs: [shared.digest] });
        await store.putManifest('proj/app', project.id, a, 'a');
        await store.putManifest('proj/app', project.id, b, 'b');
        expect(await checked()).toBe(110 + a.size + b.size);
        await store.deleteManifest('proj/app', a.digest);
        expect(await checked()).toBe(100 + b.size);
        // The same manifest can be pushed again; its released blob counts again.
        expect(await store.putManifest('proj/app', project.id, a, 'a')).toEqual({ ok: true, created: true });
        expect(await checked()).toBe(110 + a.size + b.size);
        await store.deleteManifest('proj/app', a.digest);
        await store.deleteManifest('proj/app', b.digest);
        expect(await checked()).toBe(0);
        // A released blob uploaded again counts again.
        await store.linkBlob('proj/app', project.id, own);
        expect(await checked()).toBe(10);
      });

      test('deleting a repository or unlinking a blob lowers usage unless another repository still has it', async () => {
        const x = sized('x', 7);
        const y = sized('y', 5);
        await store.linkBlob('proj/a', project.id, x);
        await store.linkBlob('proj/a', project.id, y);
        await store.linkBlob('proj/b', project.id, x);
        const m = manifestRecord({ seed: 'm', blobs: [x.digest] });
        await store.putManifest('proj/a', project.id, m, 'v');
        expect(await checked()).toBe(12 + m.size);
        expect(await store.unlinkBlob('proj/a', y.digest)).toBe(true);
        expect(await checked()).toBe(7 + m.size);
        expect(await store.deleteRepository('proj/a')).toBe(true);
        expect(await checked()).toBe(7);
        expect(await store.deleteRepository('proj/a')).toBe(false);
        await store.deleteRepository('proj/b');
        expect(await checked()).toBe(0);
      });
    });
  });
}
