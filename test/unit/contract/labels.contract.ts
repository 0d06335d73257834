// The LabelStore contract: every backend runs it (test/unit/meta-store.sqlite.test.ts for SQLite).
import { describe, expect, test } from 'vitest';
import { useStores, type StoresFactory } from './harness.js';

export function labelStoreContract(name: string, factory: StoresFactory): void {
  describe(`LabelStore contract: ${name}`, () => {
    const st = useStores(factory);
    const artifactId = async (repo: string, seed: string): Promise<number> => {
      const m = await st.push(repo, { seed }, seed);
      return (await st.artifacts.getArtifact(repo, m.digest))!.id;
    };

    test('global and project labels: create, get, list by scope, names unique per scope', async () => {
      const g = await st.labels.createLabel({ name: 'prod', description: 'd', color: '#fff', scope: 'g', projectId: 0 });
      expect(g).toMatchObject({ name: 'prod', description: 'd', color: '#fff', scope: 'g', projectId: 0 });
      expect(await st.labels.createLabel({ name: 'prod', description: '', color: '', scope: 'g', projectId: 0 })).toBeNull();
      const p = await st.labels.createLabel({ name: 'prod', description: '', color: '', scope: 'p', projectId: st.project.id });
      expect(p).toMatchObject({ name: 'prod', scope: 'p', projectId: st.project.id });
      expect(await st.labels.createLabel({ name: 'prod', description: '', color: '', scope: 'p', projectId: st.project.id })).toBeNull();
      expect(await st.labels.getLabel(g!.id)).toEqual(g);
      expect(await st.labels.getLabel(99999)).toBeNull();
      expect((await st.labels.listLabels('g')).map((l) => l.id)).toEqual([g!.id]);
      expect((await st.labels.listLabels('p', st.project.id)).map((l) => l.id)).toEqual([p!.id]);
      expect(await st.labels.listLabels('p', st.project.id + 1)).toEqual([]);
    });

    test('update renames unless the name is taken; delete', async () => {
      const a = await st.labels.createLabel({ name: 'a', description: '', color: '', scope: 'g', projectId: 0 });
      await st.labels.createLabel({ name: 'b', description: '', color: '', scope: 'g', projectId: 0 });
      expect(await st.labels.updateLabel(a!.id, { name: 'b', description: '', color: '' })).toBe('conflict');
      expect(await st.labels.updateLabel(a!.id, { name: 'c', description: 'x', color: '#000' })).toMatchObject({ id: a!.id, name: 'c', description: 'x', color: '#000' });
      expect(await st.labels.updateLabel(99999, { name: 'z', description: '', color: '' })).toBeNull();
      expect(await st.labels.deleteLabel(a!.id)).toBe(true);
      expect(await st.labels.deleteLabel(a!.id)).toBe(false);
    });

    test('labels on artifacts: add once, list per artifact, remove; gone with the label or the artifact', async () => {
      const l1 = (await st.labels.createLabel({ name: 'l1', description: '', color: '', scope: 'g', projectId: 0 }))!;
      const l2 = (await st.labels.createLabel({ name: 'l2', description: '', color: '', scope: 'p', projectId: st.project.id }))!;
      const a = await artifactId('proj/app', 'a');
      const b = await artifactId('proj/app', 'b');
      expect(await st.labels.addLabelToArtifact(l1.id, a)).toBe('ok');
      expect(await st.labels.addLabelToArtifact(l1.id, a)).toBe('exists');
      expect(await st.labels.addLabelToArtifact(l2.id, a)).toBe('ok');
      expect(await st.labels.addLabelToArtifact(l2.id, b)).toBe('ok');
      expect(await st.labels.addLabelToArtifact(99999, a)).toBe('unknown');
      expect(await st.labels.addLabelToArtifact(l1.id, 99999)).toBe('unknown');
      const m = await st.labels.labelsOfArtifacts([a, b, 99999]);
      expect(m.get(a)?.map((l) => l.name)).toEqual(['l1', 'l2']);
      expect(m.get(b)?.map((l) => l.name)).toEqual(['l2']);
      expect(m.has(99999)).toBe(false);
      expect(await st.labels.removeLabelFromArtifact(l1.id, a)).toBe(true);
      expect(await st.labels.removeLabelFromArtifact(l1.id, a)).toBe(false);
      await st.labels.deleteLabel(l2.id);
      expect((await st.labels.labelsOfArtifacts([a, b])).size).toBe(0);
      await st.labels.addLabelToArtifact(l1.id, b);
      const m2 = await st.content.getManifest('proj/app', 'b');
      await st.content.deleteManifest('proj/app', m2!.digest);
      expect((await st.labels.labelsOfArtifacts([b])).size).toBe(0);
      expect(await st.labels.labelsOfArtifacts([])).toEqual(new Map());
    });

    test('a project\'s labels go with the project', async () => {
      const other = await st.projects.createProject({ name: 'other', public: false });
      await st.labels.createLabel({ name: 'x', description: '', color: '', scope: 'p', projectId: other.id });
      expect(await st.projects.deleteProject(other.id)).toBe(true);
      expect(await st.labels.listLabels('p', other.id)).toEqual([]);
    });
  });
}
