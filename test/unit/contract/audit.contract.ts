// The AuditLogStore contract: every backend runs it (test/unit/meta-store.sqlite.test.ts for SQLite).
// The legacy log is no longer written by any store method (Harbor 2.13): `legacyRows` puts rows there
// as an earlier version did, with the backend's own SQL.
import { beforeEach, describe, expect, test } from 'vitest';
import type { MetaStores, NewAuditLog } from '../../../src/storage/meta/index.js';
import { useStores, type StoresFactory } from './harness.js';

const all = { where: [], offset: 0, limit: 100 };

/** Writes rows to the legacy log (audit_logs) of these stores, as harborctl did before artifact operations moved to the extended log. */
export type LegacyAuditRows = (stores: MetaStores, rows: NewAuditLog[]) => Promise<void>;

export function auditLogStoreContract(name: string, factory: StoresFactory, legacyRows: LegacyAuditRows): void {
  describe(`AuditLogStore contract: ${name}`, () => {
    const st = useStores(factory);

    describe('filters (the same query on both logs)', () => {
      const row = (resource: string, username: string, opTime: string): NewAuditLog => ({ projectId: st.project.id, username, resource, resourceType: 'artifact', operation: 'pull', opTime });
      const rows = (): NewAuditLog[] => [row('p/a_b:1', 'x', '2026-01-01T00:00:00.000Z'), row('p/axb:1', 'y', '2026-02-01T00:00:00.000Z'), row('p/100%:1', 'x', '2026-03-01T00:00:00.000Z')];
      beforeEach(async () => {
        await st.audit.insertArtifacts(rows());
        await legacyRows(st, rows());
      });

      for (const log of ['list', 'listExt'] as const) {
        test(`${log}: fuzzy ignores case on every backend (Harbor's __icontains)`, async () => {
          expect((await st.audit[log]({ ...all, where: [{ column: 'resource', kind: 'fuzzy', value: 'P/A' }] })).items.map((r) => r.resource)).toEqual(['p/axb:1', 'p/a_b:1']);
        });

        test(`${log}: fuzzy treats % and _ literally`, async () => {
          expect((await st.audit[log]({ ...all, where: [{ column: 'resource', kind: 'fuzzy', value: 'a_b' }] })).items.map((r) => r.resource)).toEqual(['p/a_b:1']);
          expect((await st.audit[log]({ ...all, where: [{ column: 'resource', kind: 'fuzzy', value: '0%' }] })).items.map((r) => r.resource)).toEqual(['p/100%:1']);
        });

        test(`${log}: range, any-of, project scope, paging with a total`, async () => {
          expect((await st.audit[log]({ ...all, where: [{ column: 'op_time', kind: 'range', min: '2026-01-15T00:00:00.000Z' }] })).total).toBe(2);
          expect((await st.audit[log]({ ...all, where: [{ column: 'username', kind: 'in', values: ['y', 'z'] }] })).total).toBe(1);
          expect((await st.audit[log]({ ...all, projectIds: [] })).total).toBe(0);
          expect((await st.audit[log]({ ...all, projectIds: [st.project.id + 1] })).total).toBe(0);
          const page = await st.audit[log]({ where: [], offset: 1, limit: 1 });
          expect(page).toMatchObject({ total: 3, items: [{ resource: 'p/axb:1' }] });
        });
      }
    });

    test('insertArtifacts writes to the extended log only, in order across INSERT chunks, described as Harbor 2.13 does', async () => {
      const ops = ['pull', 'create', 'delete', 'pull'];
      const rows = Array.from({ length: 123 }, (_, i) => ({
        projectId: st.project.id, username: `u${i}`, resource: `p/r:${i}`, resourceType: 'artifact', operation: ops[i % 4], opTime: `2026-04-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`,
      }));
      await st.audit.insertArtifacts(rows);
      expect((await st.audit.list(all)).total).toBe(0);
      const got = await st.audit.listExt({ where: [], offset: 0, limit: 200, order: { column: 'id', dir: 'asc' } });
      expect(got.total).toBe(123);
      expect(got.items.map((r) => [r.resource, r.username, r.operation, r.opTime, r.projectId])).toEqual(rows.map((r) => [r.resource, r.username, r.operation, r.opTime, r.projectId]));
      expect(got.items[1]).toMatchObject({ resourceType: 'artifact', operationDescription: 'create artifact: p/r:1', operationResult: true });
      // An artifact row written with its text (forwarding, or an earlier version) reads as written.
      await st.audit.insertExt([{ ...rows[0], resource: 'p/own:1', operationDescription: 'pull artifact: as written', operationResult: true }]);
      expect((await st.audit.listExt({ ...all, where: [{ column: 'resource', kind: 'exact', value: 'p/own:1' }] })).items[0].operationDescription).toBe('pull artifact: as written');
    });

    test('insertArtifacts writes the pull counts and times with its rows, skipping what no longer exists', async () => {
      await st.push('proj/app', { seed: 'one' }, 'v1');
      await st.audit.insertArtifacts([], [
        { repository: 'proj/app', reference: 'v1', count: 3, last: '2026-04-01T00:00:00.000Z' },
        { repository: 'proj/gone', reference: 'v1', count: 2, last: '2026-04-01T00:00:00.000Z' },
        { repository: 'proj/app', reference: 'nope', count: 1, last: '2026-04-01T00:00:00.000Z' },
      ]);
      expect((await st.audit.listExt(all)).total).toBe(0);
      expect((await st.artifacts.getRepository(st.project.id, 'proj/app'))?.pullCount).toBe(4);
    });

    test('insertArtifacts sets pull times: the artifact\'s, the tag\'s when pulled by tag, the indexes\' that hold it; never back in time', async () => {
      const child = await st.push('proj/app', { seed: 'child' }, 'c');
      const other = await st.push('proj/app', { seed: 'other' }, 'o');
      const index = await st.push('proj/app', { seed: 'index', mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [child.digest] }, 'i');
      const t1 = '2026-04-01T00:00:00.000Z';
      const t2 = '2026-04-02T00:00:00.000Z';
      await st.audit.insertArtifacts([], [{ repository: 'proj/app', reference: 'c', count: 1, last: t2 }]);
      await st.audit.insertArtifacts([], [{ repository: 'proj/app', reference: other.digest, count: 1, last: t1 }]);
      await st.audit.insertArtifacts([], [{ repository: 'proj/app', reference: 'c', count: 1, last: t1 }]); // an earlier time comes late
      const got = async (digest: string) => {
        const a = (await st.artifacts.getArtifact('proj/app', digest))!;
        return [a.pulledAt, a.tags.map((t) => t.pulledAt)];
      };
      expect(await got(child.digest)).toEqual([t2, [t2]]);
      expect(await got(other.digest)).toEqual([t1, [null]]); // by digest: its tag was not pulled
      expect(await got(index.digest)).toEqual([t2, [null]]);
      expect((await st.artifacts.getRepository(st.project.id, 'proj/app'))?.pullCount).toBe(3);
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

    test('purge: each log older than the cut-off, of the given kinds only (operations; event types), in batches; count without deleting', async () => {
      const row = (operation: string, opTime: string, resourceType = 'artifact') => ({ projectId: st.project.id, username: 'u', resource: 'p/r:1', resourceType, operation, opTime });
      const old = [row('pull', '2026-01-01T00:00:00.000Z'), row('pull', '2026-01-02T00:00:00.000Z'), row('create', '2026-01-01T00:00:00.000Z'),
        row('delete', '2026-01-01T00:00:00.000Z'), row('pull', '2026-03-01T00:00:00.000Z')];
      await legacyRows(st, old);
      await st.audit.insertArtifacts(old);
      await st.audit.insertExt([{ ...row('create', '2026-01-01T00:00:00.000Z', 'user'), operationDescription: 'create user with name: u', operationResult: true }]);
      const cut = '2026-02-01T00:00:00.000Z';
      expect(await st.audit.countPurgeable('legacy', cut, ['pull', 'create'])).toBe(3);
      expect(await st.audit.countPurgeable('legacy', cut, [])).toBe(0);
      expect(await st.audit.countPurgeable('ext', cut, ['pull_artifact', 'create_user'])).toBe(3);
      expect(await st.audit.countPurgeable('ext', cut, ['pull'])).toBe(0); // an operation is not an event type
      expect(await st.audit.purge('legacy', cut, [], 10)).toBe(0);
      expect(await st.audit.purge('legacy', cut, ['pull', 'create'], 2)).toBe(2);
      expect(await st.audit.purge('legacy', cut, ['pull', 'create'], 2)).toBe(1);
      expect(await st.audit.purge('legacy', cut, ['pull', 'create'], 2)).toBe(0);
      expect((await st.audit.list(all)).items.map((r) => r.operation).sort()).toEqual(['delete', 'pull']);
      expect((await st.audit.listExt(all)).total).toBe(6); // the other log untouched
      expect(await st.audit.purge('ext', cut, ['pull_artifact', 'create_user'], 10)).toBe(3);
      expect((await st.audit.listExt(all)).items.map((r) => `${r.operation}_${r.resourceType}`).sort()).toEqual(['create_artifact', 'delete_artifact', 'pull_artifact']);
      expect((await st.audit.list(all)).total).toBe(2);
    });
  });
}
