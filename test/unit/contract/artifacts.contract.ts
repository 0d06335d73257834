// The ArtifactStore contract: every backend runs it (test/unit/meta-store.sqlite.test.ts for SQLite).
import { describe, expect, test } from 'vitest';
import { digestOf } from '../../../src/oci/digest.js';
import { blob, manifestRecord, useStores, type StoresFactory } from './harness.js';

export function artifactStoreContract(name: string, factory: StoresFactory): void {
  describe(`ArtifactStore contract: ${name}`, () => {
    const st = useStores(factory);

    describe('repositories and artifacts as Harbor lists them', () => {
      test('listProjectRepositories counts artifacts and skips repositories without manifests', async () => {
        await st.push('proj/b', { seed: 'b1' });
        await st.push('proj/b', { seed: 'b2' });
        await st.push('proj/a', { seed: 'a1' });
        await st.content.linkBlob('proj/blobs-only', st.project.id, blob('x'));
        const other = await st.projects.createProject({ name: 'other', public: false });
        await st.content.putManifest('other/c', other.id, manifestRecord({ seed: 'c' }), null);
        const repos = await st.artifacts.listProjectRepositories(st.project.id);
        expect(repos.map((r) => [r.name, r.artifactCount, r.projectId])).toEqual([['proj/a', 1, st.project.id], ['proj/b', 2, st.project.id]]);
        expect(await st.artifacts.countProjectRepositories(st.project.id)).toBe(2);
        expect(await st.artifacts.countProjectRepositories(other.id)).toBe(1);
        // One of them by name: the same row; none for a repository without manifests, of another project, or unknown.
        expect(await st.artifacts.getRepository(st.project.id, 'proj/b')).toEqual(repos[1]);
        expect(await st.artifacts.getRepository(st.project.id, 'proj/blobs-only')).toBeNull();
        expect(await st.artifacts.getRepository(st.project.id, 'other/c')).toBeNull();
        expect(await st.artifacts.getRepository(other.id, 'other/c')).toMatchObject({ name: 'other/c', artifactCount: 1 });
        expect(await st.artifacts.getRepository(st.project.id, 'proj/none')).toBeNull();
      });

      test('listAllRepositories spans the given projects (every one for null); setRepositoryDescription keeps a description', async () => {
        await st.push('proj/a', { seed: 'a1' });
        const other = await st.projects.createProject({ name: 'other', public: false });
        await st.content.putManifest('other/c', other.id, manifestRecord({ seed: 'c' }), null);
        await st.content.linkBlob('other/blobs-only', other.id, blob('x'));
        expect((await st.artifacts.listAllRepositories(null)).map((r) => r.name)).toEqual(['other/c', 'proj/a']);
        expect((await st.artifacts.listAllRepositories([other.id])).map((r) => r.name)).toEqual(['other/c']);
        expect(await st.artifacts.listAllRepositories([])).toEqual([]);
        expect((await st.artifacts.listProjectRepositories(st.project.id))[0].description).toBe('');
        expect(await st.artifacts.setRepositoryDescription('proj/a', 'hello')).toBe(true);
        expect(await st.artifacts.setRepositoryDescription('proj/none', 'x')).toBe(false);
        expect((await st.artifacts.listAllRepositories([st.project.id]))[0]).toMatchObject({ name: 'proj/a', description: 'hello', artifactCount: 1 });
      });

      test('totalStoredBytes counts each blob and manifest once, across repositories', async () => {
        expect(await st.artifacts.totalStoredBytes()).toBe(0);
        const b = blob('shared!');
        await st.content.linkBlob('proj/x', st.project.id, b);
        await st.content.linkBlob('proj/y', st.project.id, b);
        const m = manifestRecord({ seed: 'm', blobs: [b.digest] });
        await st.content.putManifest('proj/x', st.project.id, m, null);
        await st.content.linkBlob('proj/y', st.project.id, b);
        await st.content.putManifest('proj/y', st.project.id, m, null);
        expect(await st.artifacts.totalStoredBytes()).toBe(b.size + m.size);
      });

      test('listArtifacts and getArtifact give size with blobs, tags with ids, and content', async () => {
        const cfg = blob('config!');
        await st.content.linkBlob('proj/app', st.project.id, cfg);
        const m = await st.push('proj/app', { seed: 'img', blobs: [cfg.digest] }, 'v1');
        await st.content.putManifest('proj/app', st.project.id, m, 'latest');
        const arts = await st.artifacts.listArtifacts('proj/app');
        expect(arts).toHaveLength(1);
        expect(arts[0]).toMatchObject({ digest: m.digest, mediaType: m.mediaType, size: m.size + cfg.size });
        expect(arts[0].content.equals(m.content)).toBe(true);
        expect(arts[0].tags.map((t) => t.name)).toEqual(['latest', 'v1']);
        expect(await st.artifacts.getArtifact('proj/app', m.digest)).toEqual(arts[0]);
        expect(await st.artifacts.getArtifact('proj/app', digestOf('none'))).toBeNull();
        expect(await st.artifacts.listArtifacts('proj/none')).toEqual([]);
      });

      test('addTag points a new tag at a manifest, refuses a taken tag and an unknown manifest', async () => {
        const m = await st.push('proj/app', { seed: 'x' }, 'v1');
        expect(await st.content.addTag('proj/app', m.digest, 'v2')).toBe('ok');
        expect(await st.content.addTag('proj/app', m.digest, 'v1')).toBe('exists');
        expect(await st.content.addTag('proj/app', digestOf('nope'), 'v3')).toBe('unknown');
        expect(await st.content.addTag('proj/none', m.digest, 'v3')).toBe('unknown');
        expect(await st.content.listTags('proj/app', {})).toEqual(['v1', 'v2']);
      });

      test('deleteRepository removes the repository with its manifests and tags', async () => {
        const m = await st.push('proj/app', { seed: 'x' }, 'v1');
        expect(await st.content.deleteRepository('proj/app')).toBe(true);
        expect(await st.content.deleteRepository('proj/app')).toBe(false);
        expect(await st.content.getManifest('proj/app', m.digest)).toBeNull();
        expect(await st.content.listTags('proj/app', {})).toBeNull();
        expect(await st.artifacts.listProjectRepositories(st.project.id)).toEqual([]);
      });
    });
  });
}
