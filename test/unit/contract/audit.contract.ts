// The AuditLogStore contract: every backend runs it (test/unit/meta-store.sqlite.test.ts for SQLite).
import { beforeEach, describe, expect, test } from 'vitest';
import { useStores, type StoresFactory } from './harness.js';

const all = { where: [], offset: 0, limit: 100 };

export function auditLogStoreContract(name: string, factory: StoresFactory): void {
  describe(`AuditLogStore contract: ${name}`, () => {
    const st = useStores(factory);

    describe('filters', () => {
      beforeEach(async () => {
        const row = (resource: string, username: string, opTime: string) => ({ projectId: st.project.id, username, resource, resourceType: 'artifact', operation: 'pull', opTime });
        await st.audit.insertMany([row('p/a_b:1', 'x', '2026-01-01T00:00:00.000Z'), row('p/axb:1', 'y', '2026-02-01T00:00:00.000Z'), row('p/100%:1', 'x', '2026-03-01T00:00:00.000Z')]);
      });

      test('fuzzy ignores case on every backend (Harbor\'s __icontains)', async () => {
        expect((await st.audit.list({ ...all, where: [{ column: 'resource', kind: 'fuzzy', value: 'P/A' }] })).items.map((r) => r.resource)).toEqual(['p/axb:1', 'p/a_b:1']);
      });

      test('fuzzy treats % and _ literally', async () => {
        expect((await st.audit.list({ ...all, where: [{ column: 'resource', kind: 'fuzzy', value: 'a_b' }] })).items.map((r) => r.resource)).toEqual(['p/a_b:1']);
        expect((await st.audit.list({ ...all, where: [{ column: 'resource', kind: 'fuzzy', value: '0%' }] })).items.map((r) => r.resource)).toEqual(['p/100%:1']);
      });

      test('range, any-of, project scope, paging with a total', async () => {
        expect((await st.audit.list({ ...all, where: [{ column: 'op_time', kind: 'range', min: '2026-01-15T00:00:00.000Z' }] })).total).toBe(2);
        expect((await st.audit.list({ ...all, where: [{ column: 'username', kind: 'in', values: ['y', 'z'] }] })).total).toBe(1);
        expect((await st.audit.list({ ...all, projectIds: [] })).total).toBe(0);
        expect((await st.audit.list({ ...all, projectIds: [st.project.id + 1] })).total).toBe(0);
        const page = await st.audit.list({ where: [], offset: 1, limit: 1 });
        expect(page).toMatchObject({ total: 3, items: [{ resource: 'p/axb:1' }] });
      });

      test('a batch larger than one INSERT statement keeps every row, in order', async () => {
        const rows = Array.from({ length: 123 }, (_, i) => ({ projectId: st.project.id, username: 'u', resource: `p/r:${i}`, resourceType: 'artifact', operation: 'pull', opTime: '2026-04-01T00:00:00.000Z' }));
        await st.audit.insertMany(rows);
        const got = await st.audit.list({ where: [{ column: 'username', kind: 'exact', value: 'u' }], offset: 0, limit: 200, order: { column: 'id', dir: 'asc' } });
        expect(got.total).toBe(123);
        expect(got.items.map((r) => r.resource)).toEqual(rows.map((r) => r.resource));
      });
    });

    describe('the extended log (auditlog-exts)', () => {
      test('rows keep their description and result, apart from the artifact log; a batch across INSERT chunks stays in order', async () => {
        const rows = Array.from({ length: 123 }, (_, i) => ({
          projectId: i % 2 ? st.project.id : 0, username: 'admin', resource: `user-${i}`, resourceType: 'user', operation: 'create',
          operationDescription: `create user with name: user-${i}`, operationResult: i !== 5, opTime: '2026-04-01T00:00:00.000Z',
        }));
        await st.audit.insertExt(rows);
        expect((await st.audit.list({ where: [], offset: 0, limit: 10 })).total).toBe(0);
        const got = await st.audit.listExt({ where: [], offset: 0, limit: 200, order: { column: 'id', dir: 'asc' } });
        expect(got.total).toBe(123);
        expect(got.items.map((r) => r.resource)).toEqual(rows.map((r) => r.resource));
        expect(got.items[5]).toMatchObject({ operationDescription: 'create user with name: user-5', operationResult: false, projectId: st.project.id });
        expect((await st.audit.listExt({ where: [{ column: 'resource', kind: 'fuzzy', value: 'user-12' }], offset: 0, limit: 10, projectIds: [st.project.id] })).items
          .map((r) => r.resource)).toEqual(['user-121']); // 12, 120 and 122 belong to no project
      });
    });

    test('insertMany with extOperations writes those rows to the extended log too, in order, described as Harbor 2.13 does', async () => {
      // Rows already in the log (before this batch) are not copied again.
      await st.audit.insertMany([{ projectId: st.project.id, username: 'u', resource: 'p/old:1', resourceType: 'artifact', operation: 'pull', opTime: '2026-01-01T00:00:00.000Z' }]);
      const ops = ['pull', 'create', 'delete', 'pull'];
      const rows = Array.from({ length: 123 }, (_, i) => ({
        projectId: st.project.id, username: `u${i}`, resource: `p/r:${i}`, resourceType: 'artifact', operation: ops[i % 4], opTime: `2026-04-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`,
      }));
      await st.audit.insertMany(rows, [], ['pull', 'create']);
      expect((await st.audit.list(all)).total).toBe(124);
      const got = await st.audit.listExt({ where: [], offset: 0, limit: 200, order: { column: 'id', dir: 'asc' } });
      const expected = rows.filter((r) => r.operation !== 'delete');
      expect(got.total).toBe(expected.length);
      expect(got.items.map((r) => [r.resource, r.username, r.operation, r.opTime, r.projectId])).toEqual(expected.map((r) => [r.resource, r.username, r.operation, r.opTime, r.projectId]));
      expect(got.items[1]).toMatchObject({ resourceType: 'artifact', operationDescription: 'create artifact: p/r:1', operationResult: true });
    });

    test('purge: older than the cut-off, of the given operations only, in batches; count without deleting', async () => {
      const row = (operation: string, opTime: string) => ({ projectId: st.project.id, username: 'u', resource: 'p/r:1', resourceType: 'artifact', operation, opTime });
      (await st.audit.insertMany([row('pull', '2026-01-01T00:00:00.000Z'), row('pull', '2026-01-02T00:00:00.000Z'), row('create', '2026-01-01T00:00:00.000Z'),
        row('delete', '2026-01-01T00:00:00.000Z'), row('pull', '2026-03-01T00:00:00.000Z')]));
      const cut = '2026-02-01T00:00:00.000Z';
      expect((await st.audit.countPurgeable(cut, ['pull', 'create']))).toBe(3);
      expect((await st.audit.countPurgeable(cut, []))).toBe(0);
      expect((await st.audit.purge(cut, [], 10))).toBe(0);
      expect((await st.audit.purge(cut, ['pull', 'create'], 2))).toBe(2);
      expect((await st.audit.purge(cut, ['pull', 'create'], 2))).toBe(1);
      expect((await st.audit.purge(cut, ['pull', 'create'], 2))).toBe(0);
      expect((await st.audit.list(all)).items.map((r) => r.operation).sort()).toEqual(['delete', 'pull']);
    });
  });
}
