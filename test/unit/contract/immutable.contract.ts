// The ImmutableRuleStore contract, and the content store's TagGuard (issue 15 §5): every backend runs it.
import { describe, expect, test } from 'vitest';
import { HarborError } from '../../../src/core/errors.js';
import type { TagGuard } from '../../../src/storage/meta/index.js';
import { manifestRecord, useStores, type StoresFactory } from './harness.js';

export function immutableRuleStoreContract(name: string, factory: StoresFactory): void {
  describe(`ImmutableRuleStore contract: ${name}`, () => {
    const st = useStores(factory);

    test('rules are kept per project, unique by content, updated, deleted, and go with the project', async () => {
      const a = await st.immutable.createImmutableRule(st.project.id, '{"a":1}', false);
      expect(await st.immutable.getImmutableRule(a.id)).toEqual({ id: a.id, projectId: st.project.id, disabled: false, rule: '{"a":1}' });
      await expect(st.immutable.createImmutableRule(st.project.id, '{"a":1}', true)).rejects.toMatchObject({ code: 'CONFLICT' });
      const b = await st.immutable.createImmutableRule(st.project.id, '{"b":1}', true);
      await expect(st.immutable.updateImmutableRule(b.id, '{"a":1}', true)).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await st.immutable.updateImmutableRule(b.id, '{"c":1}', false)).toBe(true);
      expect(await st.immutable.updateImmutableRule(9999, '{"d":1}', false)).toBe(false);
      expect((await st.immutable.listImmutableRules(st.project.id)).map((r) => r.rule)).toEqual(['{"a":1}', '{"c":1}']);
      expect(await st.immutable.deleteImmutableRule(a.id)).toBe(true);
      expect(await st.immutable.deleteImmutableRule(a.id)).toBe(false);
      await st.projects.deleteProject(st.project.id);
      expect(await st.immutable.getImmutableRule(b.id)).toBeNull();
    });

    test('a TagGuard is asked inside the write, and its refusal leaves everything as it was', async () => {
      const seen: string[] = [];
      const refuse: TagGuard = (tag, change) => {
        seen.push(`${change}:${tag}`);
        throw new HarborError('PRECONDITION', 'immutable');
      };
      const one = await st.push('proj/app', { seed: 'one' }, 'v1');
      // Any push to an existing tag asks the guard, the same digest too (Harbor refuses both).
      await expect(st.content.putManifest('proj/app', st.project.id, one, 'v1', refuse)).rejects.toMatchObject({ code: 'PRECONDITION' });
      await expect(st.content.putManifest('proj/app', st.project.id, manifestRecord({ seed: 'two' }), 'v1', refuse)).rejects.toMatchObject({ code: 'PRECONDITION' });
      expect((await st.content.getManifest('proj/app', 'v1'))?.digest).toBe(one.digest);
      expect(await st.content.getManifest('proj/app', manifestRecord({ seed: 'two' }).digest)).toBeNull();
      await expect(st.content.deleteManifest('proj/app', one.digest, refuse)).rejects.toMatchObject({ code: 'PRECONDITION' });
      await expect(st.content.deleteTag('proj/app', 'v1', refuse)).rejects.toMatchObject({ code: 'PRECONDITION' });
      await expect(st.content.deleteRepository('proj/app', refuse)).rejects.toMatchObject({ code: 'PRECONDITION' });
      expect(seen).toEqual(['move:v1', 'move:v1', 'delete:v1', 'delete:v1', 'delete:v1']);
      expect(await st.content.listTags('proj/app', {})).toEqual(['v1']);
      // A guard that lets it pass changes nothing about the writes.
      expect(await st.content.deleteManifest('proj/app', one.digest, () => undefined)).toBe(true);
    });
  });
}
