// The ScheduleStore contract: every backend runs it (test/unit/meta-store.sqlite.test.ts for SQLite).
import { describe, expect, test } from 'vitest';
import { useStores, type StoresFactory } from './harness.js';

export function scheduleStoreContract(name: string, factory: StoresFactory): void {
  describe(`ScheduleStore contract: ${name}`, () => {
    const st = useStores(factory);

    test('one schedule per kind: put replaces, delete removes, list is by kind', async () => {
      expect(await st.schedules.getSchedule('GC')).toBeNull();
      const a = await st.schedules.putSchedule({ kind: 'GC', type: 'Daily', cron: '0 0 0 * * *', parameters: { dry_run: true } });
      expect(a).toMatchObject({ kind: 'GC', type: 'Daily', cron: '0 0 0 * * *', parameters: { dry_run: true } });
      const b = await st.schedules.putSchedule({ kind: 'GC', type: 'Custom', cron: '0 5 * * * *', parameters: {} });
      expect(b).toMatchObject({ type: 'Custom', cron: '0 5 * * * *', parameters: {}, createdAt: a.createdAt });
      await st.schedules.putSchedule({ kind: 'AUDIT', type: 'Hourly', cron: '0 0 * * * *', parameters: {} });
      expect((await st.schedules.listSchedules()).map((s) => s.kind)).toEqual(['AUDIT', 'GC']);
      expect(await st.schedules.deleteSchedule('GC')).toBe(true);
      expect(await st.schedules.deleteSchedule('GC')).toBe(false);
      expect(await st.schedules.getSchedule('GC')).toBeNull();
    });

    test('one Running execution per kind; finishing, paging newest first, logs, and failing the unfinished', async () => {
      const e1 = await st.schedules.startExecution('GC', 'MANUAL', { workers: 1 });
      expect(e1).toMatchObject({ kind: 'GC', status: 'Running', trigger: 'MANUAL', parameters: { workers: 1 } });
      expect(await st.schedules.startExecution('GC', 'SCHEDULE', {})).toBeNull();
      const other = await st.schedules.startExecution('AUDIT', 'SCHEDULE', {});
      expect(other).not.toBeNull();
      await st.schedules.appendLog(e1!.id, 'one\n');
      await st.schedules.appendLog(e1!.id, 'two\n');
      expect(await st.schedules.getLog('GC', e1!.id)).toBe('one\ntwo\n');
      expect(await st.schedules.getLog('AUDIT', e1!.id)).toBeNull();
      expect(await st.schedules.finishExecution(e1!.id, 'Success', { workers: 1, freed_space: 9 })).toBe(true);
      expect(await st.schedules.finishExecution(e1!.id, 'Error')).toBe(false);
      expect(await st.schedules.getExecution('GC', e1!.id)).toMatchObject({ status: 'Success', parameters: { workers: 1, freed_space: 9 } });
      expect(await st.schedules.getExecution('AUDIT', e1!.id)).toBeNull();
      const e2 = await st.schedules.startExecution('GC', 'SCHEDULE', {});
      const page = await st.schedules.listExecutions('GC', { offset: 0, limit: 1 });
      expect(page).toMatchObject({ total: 2, items: [{ id: e2!.id }] });
      expect((await st.schedules.listExecutions('GC', { offset: 1, limit: 5 })).items.map((e) => e.id)).toEqual([e1!.id]);
      expect(await st.schedules.failUnfinished('AUDIT')).toBe(1);
      expect(await st.schedules.getExecution('GC', e2!.id)).toMatchObject({ status: 'Running' });
      expect(await st.schedules.failUnfinished()).toBe(1);
      expect(await st.schedules.getExecution('GC', e2!.id)).toMatchObject({ status: 'Error' });
      expect(await st.schedules.getExecution('AUDIT', other!.id)).toMatchObject({ status: 'Error' });
    });
  });
}
