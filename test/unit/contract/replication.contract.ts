// The ReplicationStore contract: every backend runs it (test/unit/meta-store.sqlite.test.ts for SQLite).
import { describe, expect, test } from 'vitest';
import type { NewReplicationPolicy, NewReplicationTask } from '../../../src/storage/meta/index.js';
import { useStores, type StoresFactory } from './harness.js';

const T0 = '2026-01-01T00:00:00.000Z';
const at = (s: number): string => new Date(Date.parse(T0) + s * 1000).toISOString();
const FAR = '9999-01-01T00:00:00.000Z';

const task = (name: string): NewReplicationTask => ({ operation: 'copy', resourceType: 'artifact', srcResource: name, dstResource: `x/${name}`, payload: { name } });

export function replicationStoreContract(name: string, factory: StoresFactory): void {
  describe(`ReplicationStore contract: ${name}`, () => {
    const st = useStores(factory);
    const policy = async (over: Partial<NewReplicationPolicy> = {}): Promise<NewReplicationPolicy> => {
      const reg = await st.registries.createRegistry({ name: `r-${Math.random()}`, type: 'harbor', url: 'http://r', description: '', insecure: false,
        caCertificate: null, credentialType: null, accessKey: null, accessSecretEnc: null });
      return {
        name: 'p', description: '', srcRegistryId: null, destRegistryId: reg.id, destNamespace: '', destNamespaceReplaceCount: -1,
        trigger: { type: 'manual', cron: '' }, filters: [{ type: 'name', value: 'a/**' }], replicateDeletion: false, override: true, enabled: true,
        speed: -1, copyByChunk: false, singleActiveReplication: false, creator: 'admin', ...over,
      };
    };

    test('policies: create, unique name, update, list; delete refused while an execution runs, then with its executions', async () => {
      const p = await st.replication.createPolicy(await policy());
      expect(p).toMatchObject({ id: expect.any(Number), name: 'p', srcRegistryId: null, filters: [{ type: 'name', value: 'a/**' }], trigger: { type: 'manual', cron: '' } });
      await expect(st.replication.createPolicy(await policy())).rejects.toMatchObject({ code: 'CONFLICT' });
      const q = await st.replication.createPolicy(await policy({ name: 'q' }));
      await expect(st.replication.updatePolicy(q.id, { name: 'p' })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await st.replication.updatePolicy(p.id, { enabled: false, trigger: { type: 'scheduled', cron: '0 * * * * *' } }))
        .toMatchObject({ name: 'p', enabled: false, trigger: { type: 'scheduled', cron: '0 * * * * *' } });
      expect(await st.replication.updatePolicy(9999, { enabled: true })).toBeNull();
      expect((await st.replication.listPolicies()).map((x) => x.id)).toEqual([p.id, q.id]);
      const e = await st.replication.createExecution(p.id, 'manual', null, false);
      expect(await st.replication.deletePolicy(p.id)).toBe('running');
      await st.replication.planExecution(e!.id, [], 'nothing');
      expect(await st.replication.deletePolicy(p.id)).toBe(true);
      expect(await st.replication.deletePolicy(p.id)).toBe(false);
      expect(await st.replication.getExecution(e!.id)).toBeNull();
    });

    test('executions: planned with tasks, counts by status, settled when the last task ends; single-active refuses a second', async () => {
      const p = await st.replication.createPolicy(await policy());
      const e = (await st.replication.createExecution(p.id, 'event_based', { op: 'push' }, true))!;
      expect(e).toMatchObject({ status: 'InProgress', planned: false, trigger: 'event_based', event: { op: 'push' }, total: 0, endTime: null });
      expect(await st.replication.createExecution(p.id, 'manual', null, true)).toBeNull();
      expect((await st.replication.listUnplannedExecutions()).map((x) => x.id)).toEqual([e.id]);
      expect(await st.replication.planExecution(e.id, [task('a'), task('b')], 'nothing')).toBe(true);
      expect(await st.replication.listUnplannedExecutions()).toEqual([]);
      expect(await st.replication.getExecution(e.id)).toMatchObject({ planned: true, total: 2, inProgress: 2, status: 'InProgress' });
      const [t1, t2] = await st.replication.claimTasks(new Date().toISOString(), FAR, 10);
      expect(t1).toMatchObject({ status: 'InProgress', attempts: 1, policyId: p.id, payload: { name: 'a' }, srcResource: 'a' });
      await st.replication.finishTask(t1.id, { status: 'Succeed', logLine: 'ok', statusMessage: '' });
      expect((await st.replication.getExecution(e.id))!.status).toBe('InProgress');
      await st.replication.finishTask(t2.id, { status: 'Failed', logLine: 'no', statusMessage: 'boom' });
      expect(await st.replication.getExecution(e.id)).toMatchObject({ status: 'Failed', succeed: 1, failed: 1, inProgress: 0, endTime: expect.any(String) });
      expect(await st.replication.getTask(t2.id)).toMatchObject({ status: 'Failed', statusMessage: 'boom', log: 'no\n', endTime: expect.any(String) });
      // A finished task is not finished again.
      await st.replication.finishTask(t2.id, { status: 'Succeed', logLine: 'late', statusMessage: '' });
      expect(await st.replication.getTask(t2.id)).toMatchObject({ status: 'Failed', log: 'no\nlate\n' });
      const other = (await st.replication.createExecution(p.id, 'manual', null, false))!;
      await st.replication.planExecution(other.id, [], 'no resources need to be replicated');
      expect(await st.replication.getExecution(other.id)).toMatchObject({ status: 'Succeed', statusText: 'no resources need to be replicated' });
      expect(await st.replication.planExecution(other.id, [task('late')], '')).toBe(false);
      const all = await st.replication.listExecutions({ policyId: p.id }, { offset: 0, limit: 10 });
      expect(all).toMatchObject({ total: 2, items: [{ id: other.id }, { id: e.id }] });
      expect((await st.replication.listExecutions({ status: 'Failed', trigger: 'event_based' }, { offset: 0, limit: 10 })).items.map((x) => x.id)).toEqual([e.id]);
      expect((await st.replication.listExecutions({ status: 'Failed' }, { offset: 1, limit: 10 })).items).toEqual([]);
      expect((await st.replication.listTasks(e.id, { status: 'Failed' }, { offset: 0, limit: 10 })).items.map((x) => x.id)).toEqual([t2.id]);
      expect((await st.replication.listTasks(e.id, { resourceType: 'image' }, { offset: 0, limit: 10 })).total).toBe(0);
      await st.replication.failExecution((await st.replication.createExecution(p.id, 'manual', null, false))!.id, 'could not list');
    });

    test('tasks: retries come due, progress renews the lease, a lapsed lease is claimed again; a stop ends every task', async () => {
      const p = await st.replication.createPolicy(await policy());
      const e = (await st.replication.createExecution(p.id, 'manual', null, false))!;
      await st.replication.planExecution(e.id, [task('a'), task('b')], '');
      const now = new Date().toISOString();
      const [a] = await st.replication.claimTasks(now, at(10), 1);
      await st.replication.finishTask(a.id, { status: 'Pending', nextAttemptAt: FAR, logLine: 'try 1', statusMessage: 'flaky' });
      const [b] = await st.replication.claimTasks(now, at(10), 5);
      expect(b.id).not.toBe(a.id); // a is not due yet
      expect(await st.replication.progressTask(b.id, { bytes: 5, totalBytes: 9, leaseUntil: at(20), log: 'line\n' })).toBe(true);
      expect(await st.replication.getTask(b.id)).toMatchObject({ bytes: 5, totalBytes: 9, log: 'line\n' });
      // At T0+15 the lease (renewed to T0+20) still holds; at T0+25 it has lapsed.
      expect(await st.replication.claimTasks(at(15), at(30), 5)).toEqual([]);
      const [again] = await st.replication.claimTasks(at(25), at(40), 5);
      expect(again).toMatchObject({ id: b.id, attempts: 2, status: 'InProgress' });
      expect(await st.replication.stopExecution(e.id)).toEqual([b.id]);
      expect(await st.replication.getExecution(e.id)).toMatchObject({ status: 'Stopped', stopped: 2 });
      expect(await st.replication.progressTask(b.id, { bytes: 6, totalBytes: 9, leaseUntil: at(50), log: 'after\n' })).toBe(false);
      expect(await st.replication.getTask(b.id)).toMatchObject({ status: 'Stopped', bytes: 5, log: expect.stringMatching(/^line\n\S+ stopped by request\nafter\n$/) });
      expect(await st.replication.claimTasks(FAR, FAR, 5)).toEqual([]);
      expect(await st.replication.stopExecution(9999)).toBeNull();
    });
  });
}
