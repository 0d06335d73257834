// The RetentionStore contract (issue 15 §4): every backend runs it.
import { describe, expect, test } from 'vitest';
import { useStores, type StoresFactory } from './harness.js';

export function retentionStoreContract(name: string, factory: StoresFactory): void {
  describe(`RetentionStore contract: ${name}`, () => {
    const st = useStores(factory);

    test('one policy per project, named by the project\'s retention_id, which goes with the policy', async () => {
      const p = await st.retention.createRetentionPolicy(st.project.id, '{"rules":[]}');
      expect((await st.projects.getProjectById(st.project.id))?.metadata.retention_id).toBe(String(p.id));
      await expect(st.retention.createRetentionPolicy(st.project.id, '{}')).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await st.retention.updateRetentionPolicy(p.id, '{"rules":[1]}')).toBe(true);
      expect(await st.retention.getRetentionPolicy(p.id)).toEqual({ id: p.id, projectId: st.project.id, policy: '{"rules":[1]}' });
      expect(await st.retention.listRetentionPolicies()).toEqual([{ id: p.id, projectId: st.project.id, policy: '{"rules":[1]}' }]);
      expect(await st.retention.deleteRetentionPolicy(p.id)).toBe(true);
      expect(await st.retention.deleteRetentionPolicy(p.id)).toBe(false);
      expect((await st.projects.getProjectById(st.project.id))?.metadata.retention_id).toBeUndefined();
      expect(await st.retention.updateRetentionPolicy(p.id, '{}')).toBe(false);
    });

    test('executions run once to an end; tasks keep their counts and log; all go with the policy', async () => {
      const p = await st.retention.createRetentionPolicy(st.project.id, '{}');
      const e1 = await st.retention.createRetentionExecution(p.id, 'MANUAL', true);
      expect(e1).toMatchObject({ policyId: p.id, status: 'Running', trigger: 'MANUAL', dryRun: true, endTime: null });
      const e2 = await st.retention.createRetentionExecution(p.id, 'SCHEDULE', false);
      expect((await st.retention.listRetentionExecutions(p.id)).map((e) => e.id)).toEqual([e2.id, e1.id]);
      const t = await st.retention.addRetentionTask(e1.id, 'proj/app');
      expect(t).toMatchObject({ executionId: e1.id, repository: 'proj/app', status: 'Running', total: 0, retained: 0, endTime: null });
      expect(await st.retention.finishRetentionTask(t.id, { status: 'Success', total: 3, retained: 1, log: 'the log' })).toBe(true);
      expect(await st.retention.getRetentionTask(t.id)).toMatchObject({ status: 'Success', total: 3, retained: 1, log: 'the log' });
      expect((await st.retention.listRetentionTasks(e1.id)).map((x) => x.id)).toEqual([t.id]);
      expect(await st.retention.finishRetentionExecution(e1.id, 'Stopped')).toBe(true);
      expect(await st.retention.finishRetentionExecution(e1.id, 'Success')).toBe(false);
      expect((await st.retention.getRetentionExecution(e1.id))?.status).toBe('Stopped');
      const t2 = await st.retention.addRetentionTask(e2.id, 'proj/app');
      const e3 = await st.retention.createRetentionExecution(p.id, 'MANUAL', false);
      const t3 = await st.retention.addRetentionTask(e3.id, 'proj/app');
      expect(await st.retention.interruptRetentionRuns(e3.id)).toBe(1);
      expect(await st.retention.getRetentionTask(t3.id)).toMatchObject({ status: 'Error' });
      expect(await st.retention.getRetentionExecution(e2.id)).toMatchObject({ status: 'Running' });
      expect(await st.retention.getRetentionTask(t2.id)).toMatchObject({ status: 'Running' });
      expect(await st.retention.interruptRetentionRuns()).toBe(1);
      expect(await st.retention.getRetentionExecution(e2.id)).toMatchObject({ status: 'Error', endTime: expect.any(String) });
      expect(await st.retention.getRetentionTask(t2.id)).toMatchObject({ status: 'Error', log: 'interrupted by a restart' });
      expect((await st.retention.getRetentionExecution(e1.id))?.status).toBe('Stopped');
      await st.retention.deleteRetentionPolicy(p.id);
      expect(await st.retention.getRetentionExecution(e1.id)).toBeNull();
      expect(await st.retention.getRetentionTask(t.id)).toBeNull();
    });
  });
}
