// Tag retention (tables retention_policies, retention_executions, retention_tasks), as
// sqlite/retention.ts: a policy's create and delete also write the project's retention_id metadata.
import type { RetentionExecutionRecord, RetentionPolicyRecord, RetentionStatus, RetentionStore, RetentionTaskRecord, RetentionTaskResult } from '../index.js';
import { PgStore, unique } from './common.js';

type ExecRow = { id: number; policy_id: number; status: string; trigger: string; dry_run: boolean; start_time: string; end_time: string | null };
type TaskRow = { id: number; execution_id: number; repository: string; status: string; status_code: number; start_time: string; end_time: string | null;
  total: number; retained: number; log?: string };

const execution = (r: ExecRow): RetentionExecutionRecord => ({
  id: r.id, policyId: r.policy_id, status: r.status as RetentionStatus, trigger: r.trigger, dryRun: r.dry_run, startTime: r.start_time, endTime: r.end_time,
});
const task = (r: TaskRow): RetentionTaskRecord => ({
  id: r.id, executionId: r.execution_id, repository: r.repository, status: r.status as RetentionStatus, statusCode: r.status_code,
  startTime: r.start_time, endTime: r.end_time, total: r.total, retained: r.retained,
});
const TASK_COLS = 'id, execution_id, repository, status, status_code, start_time, end_time, total, retained';
const STATUS_CODE: Record<RetentionStatus, number> = { Running: 2, Stopped: 3, Error: 3, Success: 3 };
const policyOf = (r: { id: number; project_id: number; policy: string }): RetentionPolicyRecord => ({ id: r.id, projectId: r.project_id, policy: r.policy });

export class PgRetentionStore extends PgStore implements RetentionStore {
  async createRetentionPolicy(projectId: number, policy: string): Promise<RetentionPolicyRecord> {
    return unique(`a retention policy of project ${projectId}`, () => this.tx(async (c) => {
      const id = (await c.value<number>('INSERT INTO retention_policies (project_id, policy) VALUES (?, ?) RETURNING id', projectId, policy))!;
      await c.run(`INSERT INTO project_metadata (project_id, name, value) VALUES (?, 'retention_id', ?)
        ON CONFLICT (project_id, name) DO UPDATE SET value = excluded.value`, projectId, String(id));
      return { id, projectId, policy };
    }));
  }

  async getRetentionPolicy(id: number): Promise<RetentionPolicyRecord | null> {
    const r = await this.db.get<{ id: number; project_id: number; policy: string }>('SELECT id, project_id, policy FROM retention_policies WHERE id = ?', id);
    return r ? policyOf(r) : null;
  }

  async listRetentionPolicies(): Promise<RetentionPolicyRecord[]> {
    return (await this.db.all<{ id: number; project_id: number; policy: string }>('SELECT id, project_id, policy FROM retention_policies ORDER BY id')).map(policyOf);
  }

  async updateRetentionPolicy(id: number, policy: string): Promise<boolean> {
    return await this.db.run('UPDATE retention_policies SET policy = ? WHERE id = ?', policy, id) > 0;
  }

  async deleteRetentionPolicy(id: number): Promise<boolean> {
    return this.tx(async (c) => {
      const projectId = await c.value<number>('DELETE FROM retention_policies WHERE id = ? RETURNING project_id', id);
      if (projectId === undefined) return false;
      await c.run("DELETE FROM project_metadata WHERE project_id = ? AND name = 'retention_id'", projectId);
      return true;
    });
  }

  async createRetentionExecution(policyId: number, trigger: string, dryRun: boolean): Promise<RetentionExecutionRecord> {
    return execution((await this.db.get<ExecRow>(`INSERT INTO retention_executions (policy_id, status, trigger, dry_run, start_time) VALUES (?, 'Running', ?, ?, ?)
      RETURNING *`, policyId, trigger, dryRun, this.iso()))!);
  }

  async finishRetentionExecution(id: number, status: RetentionStatus): Promise<boolean> {
    return await this.db.run("UPDATE retention_executions SET status = ?, end_time = ? WHERE id = ? AND status = 'Running'", status, this.iso(), id) > 0;
  }

  async getRetentionExecution(id: number): Promise<RetentionExecutionRecord | null> {
    const r = await this.db.get<ExecRow>('SELECT * FROM retention_executions WHERE id = ?', id);
    return r ? execution(r) : null;
  }

  async listRetentionExecutions(policyId: number): Promise<RetentionExecutionRecord[]> {
    return (await this.db.all<ExecRow>('SELECT * FROM retention_executions WHERE policy_id = ? ORDER BY id DESC', policyId)).map(execution);
  }

  async addRetentionTask(executionId: number, repository: string): Promise<RetentionTaskRecord> {
    return task((await this.db.get<TaskRow>(`INSERT INTO retention_tasks (execution_id, repository, status, status_code, start_time) VALUES (?, ?, 'Running', 2, ?)
      RETURNING ${TASK_COLS}`, executionId, repository, this.iso()))!);
  }

  async finishRetentionTask(id: number, r: RetentionTaskResult): Promise<boolean> {
    return await this.db.run('UPDATE retention_tasks SET status = ?, status_code = ?, end_time = ?, total = ?, retained = ?, log = ? WHERE id = ?',
      r.status, STATUS_CODE[r.status], this.iso(), r.total, r.retained, r.log, id) > 0;
  }

  async listRetentionTasks(executionId: number): Promise<RetentionTaskRecord[]> {
    return (await this.db.all<TaskRow>(`SELECT ${TASK_COLS} FROM retention_tasks WHERE execution_id = ? ORDER BY id`, executionId)).map(task);
  }

  async interruptRetentionRuns(executionId?: number): Promise<number> {
    return this.tx(async (c) => {
      const t = this.iso();
      if (executionId !== undefined) {
        await c.run(`UPDATE retention_tasks SET status = 'Error', status_code = 3, end_time = ?, log = log || 'interrupted by a restart'
          WHERE status = 'Running' AND execution_id = ?`, t, executionId);
        return c.run("UPDATE retention_executions SET status = 'Error', end_time = ? WHERE status = 'Running' AND id = ?", t, executionId);
      }
      await c.run("UPDATE retention_tasks SET status = 'Error', status_code = 3, end_time = ?, log = log || 'interrupted by a restart' WHERE status = 'Running'", t);
      return c.run("UPDATE retention_executions SET status = 'Error', end_time = ? WHERE status = 'Running'", t);
    });
  }

  async getRetentionTask(id: number): Promise<(RetentionTaskRecord & { log: string }) | null> {
    const r = await this.db.get<TaskRow>(`SELECT ${TASK_COLS}, log FROM retention_tasks WHERE id = ?`, id);
    return r ? { ...task(r), log: r.log ?? '' } : null;
  }
}
