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

      test('queryRepositories filters, sorts and pages in the store; the total counts every match', async () => {
        await st.push('proj/team/api', { seed: 'api1' });
        await st.push('proj/team/api', { seed: 'api2' });
        await st.push('proj/team/web', { seed: 'web' });
        await st.push('proj/tools_x', { seed: 'tx' });
        await st.push('proj/toolsyx', { seed: 'ty' });
        await st.content.linkBlob('proj/blobs-only', st.project.id, blob('x'));
        const other = await st.projects.createProject({ name: 'other', public: false });
        await st.content.putManifest('other/c', other.id, manifestRecord({ seed: 'c' }), null);
        type Q = Parameters<typeof st.artifacts.queryRepositories>[0];
        const byName: Q['order'] = [{ column: 'name', dir: 'asc' }];
        const list = async (where: Q['where'], extra: Partial<Q> = {}): Promise<[string[], number]> => {
          const r = await st.artifacts.queryRepositories({ projectIds: [st.project.id], where, order: byName, offset: 0, limit: 100, ...extra });
          return [r.items.map((x) => x.name), r.total];
        };
        const all = ['proj/team/api', 'proj/team/web', 'proj/tools_x', 'proj/toolsyx'];
        expect(await list([])).toEqual([all, 4]);
        expect(await list([], { offset: 1, limit: 2 })).toEqual([all.slice(1, 3), 4]);
        expect(await list([], { offset: 10 })).toEqual([[], 4]);
        // Substrings ignore case (Harbor's __icontains); `_` and `%` are themselves.
        expect(await list([{ column: 'name', kind: 'fuzzy', value: 'TEAM' }])).toEqual([['proj/team/api', 'proj/team/web'], 2]);
        expect(await list([{ column: 'name', kind: 'fuzzy', value: 'team' }], { offset: 1, limit: 1 })).toEqual([['proj/team/web'], 2]);
        expect(await list([{ column: 'name', kind: 'fuzzy', value: 'team' }], { offset: 5 })).toEqual([[], 2]);
        expect(await list([{ column: 'name', kind: 'fuzzy', value: 'tools_' }])).toEqual([['proj/tools_x'], 1]);
        expect(await list([{ column: 'name', kind: 'fuzzy', value: '%' }])).toEqual([[], 0]);
        // 3+ characters are looked for among the repositories holding their rarest three-character piece.
        expect(await list([{ column: 'name', kind: 'fuzzy', value: 'J/TEAM/W' }])).toEqual([['proj/team/web'], 1]);
        expect(await list([{ column: 'name', kind: 'fuzzy', value: 'zzz' }])).toEqual([[], 0]);
        expect(await list([{ column: 'name', kind: 'fuzzy', value: 'oolsy' }])).toEqual([['proj/toolsyx'], 1]);
        // Shorter than a trigram: every name is looked at; the page and its total still agree.
        expect(await list([{ column: 'name', kind: 'fuzzy', value: 'PR' }], { offset: 1, limit: 2 })).toEqual([all.slice(1, 3), 4]);
        expect(await list([{ column: 'name', kind: 'fuzzy', value: 'pr' }], { offset: 9 })).toEqual([[], 4]);
        expect(await list([{ column: 'name', kind: 'exact', value: 'proj/team/web' }])).toEqual([['proj/team/web'], 1]);
        expect(await list([{ column: 'name', kind: 'range', min: 'proj/team/', max: 'proj/team/z' }])).toEqual([['proj/team/api', 'proj/team/web'], 2]);
        // Integer columns: a value that is not an integer as the column shows it matches nothing.
        expect(await list([{ column: 'artifact_count', kind: 'in', values: ['2', 'x'] }])).toEqual([['proj/team/api'], 1]);
        for (const value of ['02', 'abc', '2.0', '']) expect(await list([{ column: 'artifact_count', kind: 'exact', value }])).toEqual([[], 0]);
        expect(await list([{ column: 'artifact_count', kind: 'range', min: '1.5' }])).toEqual([['proj/team/api'], 1]);
        expect(await list([{ column: 'artifact_count', kind: 'range', max: 'many' }])).toEqual([[], 0]);
        expect(await list([{ column: 'artifact_count', kind: 'fuzzy', value: '2' }])).toEqual([['proj/team/api'], 1]);
        expect(await list([{ column: 'name', kind: 'in', values: [] }])).toEqual([[], 0]);
        // Several keys, then the name.
        expect((await list([], { order: [{ column: 'artifact_count', dir: 'desc' }] }))[0]).toEqual(all);
        expect((await list([], { order: [{ column: 'artifact_count', dir: 'asc' }] }))[0]).toEqual([...all.slice(1), all[0]]);
        expect((await list([], { order: [{ column: 'name', dir: 'desc' }] }))[0]).toEqual([...all].reverse());
        // Across projects: every one (null), some, none.
        expect(await list([], { projectIds: null })).toEqual([['other/c', ...all], 5]);
        expect(await list([], { projectIds: [other.id] })).toEqual([['other/c'], 1]);
        expect(await list([], { projectIds: [] })).toEqual([[], 0]);
        expect(await list([{ column: 'project_id', kind: 'exact', value: String(other.id) }], { projectIds: null })).toEqual([['other/c'], 1]);
        const [api] = (await st.artifacts.queryRepositories({ projectIds: null, where: [{ column: 'name', kind: 'exact', value: 'proj/team/api' }], order: [], offset: 0, limit: 1 })).items;
        expect(api).toEqual(await st.artifacts.getRepository(st.project.id, 'proj/team/api'));
        expect(api).toMatchObject({ artifactCount: 2, projectId: st.project.id, pullCount: 0 });
      });

      test('the counts the lists read follow every push, copy and delete', async () => {
        // The expected state, kept beside the store: repository → its manifests.
        const model = new Map<string, number>();
        const check = async (): Promise<void> => {
          const want = [...model].filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : 1));
          const r = await st.artifacts.queryRepositories({ projectIds: [st.project.id], where: [], order: [{ column: 'name', dir: 'asc' }], offset: 0, limit: 100 });
          expect(r.items.map((x) => [x.name, x.artifactCount])).toEqual(want);
          expect(r.total).toBe(want.length);
          expect(await st.artifacts.countProjectRepositories(st.project.id)).toBe(want.length);
          // The kept total against a count of the rows.
          const counted = await st.artifacts.queryRepositories({ projectIds: [st.project.id], where: [{ column: 'name', kind: 'fuzzy', value: 'proj/' }], order: [], offset: 0, limit: 1 });
          expect(counted.total).toBe(want.length);
        };
        const push = async (repo: string, seed: string, extra: Parameters<typeof st.push>[1] = { seed }, tag: string | null = null) => {
          const m = await st.push(repo, { ...extra, seed }, tag);
          model.set(repo, (model.get(repo) ?? 0) + 1);
          return m;
        };
        const a1 = await push('proj/a', 'a1', undefined, 'v1');
        await check();
        await st.content.putManifest('proj/a', st.project.id, manifestRecord({ seed: 'a1' }), 'v2'); // the same manifest again: no new artifact
        const a2 = await push('proj/a', 'a2');
        await push('proj/b', 'b1');
        await check();
        expect(await st.content.deleteManifest('proj/a', a2.digest)).toBe(true);
        model.set('proj/a', 1);
        await check();
        expect(await st.content.deleteManifest('proj/a', a1.digest)).toBe(true);
        model.set('proj/a', 0);
        await check();
        expect(await st.content.deleteManifest('proj/a', a1.digest)).toBe(false);
        await push('proj/a', 'a3');
        await check();
        // An accessory goes with its subject: two artifacts, then none.
        const subject = await push('proj/c', 'c1');
        await push('proj/c', 'sbom', { seed: 'sbom', subject: subject.digest });
        await check();
        expect(await st.content.deleteManifests([{ repository: 'proj/c', digest: subject.digest }])).toEqual([true]);
        model.set('proj/c', 0);
        await check();
        // A copy into a new repository lists it.
        expect(await st.content.copyManifests('proj/b', 'proj/d', st.project.id, [manifestRecord({ seed: 'b1' }).digest], { digest: '', tags: [] })).toEqual({ ok: true });
        model.set('proj/d', 1);
        await check();
        // Deleting a listed repository, and one that holds only blobs.
        await st.content.linkBlob('proj/blobs-only', st.project.id, blob('x'));
        expect(await st.content.deleteRepository('proj/b')).toBe(true);
        model.delete('proj/b');
        expect(await st.content.deleteRepository('proj/blobs-only')).toBe(true);
        await check();
        // A repository made again after its delete is found by a substring again.
        await push('proj/b', 'b2');
        // (No page limit, as GET /search asks.)
        const found = await st.artifacts.queryRepositories({ projectIds: null, where: [{ column: 'name', kind: 'fuzzy', value: 'proj/b' }], order: [], offset: 0, limit: Number.MAX_SAFE_INTEGER });
        expect(found.items.map((x) => x.name)).toEqual(['proj/b']);
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
