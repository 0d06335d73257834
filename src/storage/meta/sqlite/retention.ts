// Tag retention (tables retention_policies, retention_executions, retention_tasks); creating and
// deleting a policy also writes the project's retention_id row of project_metadata, in the same
// transaction.
import type Database from 'better-sqlite3';
import type { RetentionExecutionRecord, RetentionPolicyRecord, RetentionStatus, RetentionStore, RetentionTaskRecord, RetentionTaskResult } from '../index.js';
import { type Clock, SqliteStore, unique } from './common.js';

type ExecRow = { id: number; policy_id: number; status: string; trigger: string; dry_run: number; start_time: string; end_time: string | null };
type TaskRow = { id: number; execution_id: number; repository: string; status: string; status_code: number; start_time: string; end_time: string | null;
  total: number; retained: number; log?: string };

const execution = (r: ExecRow): RetentionExecutionRecord => ({
  id: r.id, policyId: r.policy_id, status: r.status as RetentionStatus, trigger: r.trigger, dryRun: r.dry_run === 1, startTime: r.start_time, endTime: r.end_time,
});
const task = (r: TaskRow): RetentionTaskRecord => ({
  id: r.id, executionId: r.execution_id, repository: r.repository, status: r.status as RetentionStatus, statusCode: r.status_code,
  startTime: r.start_time, endTime: r.end_time, total: r.total, retained: r.retained,
});
const TASK_COLS = 'id, execution_id, repository, status, status_code, start_time, end_time, total, retained';
const STATUS_CODE: Record<RetentionStatus, number> = { Running: 2, Stopped: 3, Error: 3, Success: 3 };

export class SqliteRetentionStore extends SqliteStore implements RetentionStore {
  private readonly s;

  constructor(db: Database.Database, now: Clock) {
    super(db, now);
    this.s = {
      insertPolicy: db.prepare('INSERT INTO retention_policies (project_id, policy) VALUES (?, ?)'),
      getPolicy: db.prepare('SELECT id, project_id, policy FROM retention_policies WHERE id = ?'),
      listPolicies: db.prepare('SELECT id, project_id, policy FROM retention_policies ORDER BY id'),
      updatePolicy: db.prepare('UPDATE retention_policies SET policy = ? WHERE id = ?'),
      deletePolicy: db.prepare('DELETE FROM retention_policies WHERE id = ?'),
      setMeta: db.prepare(`INSERT INTO project_metadata (project_id, name, value) VALUES (?, 'retention_id', ?)
        ON CONFLICT (project_id, name) DO UPDATE SET value = excluded.value`),
      deleteMeta: db.prepare("DELETE FROM project_metadata WHERE project_id = ? AND name = 'retention_id'"),
      insertExec: db.prepare("INSERT INTO retention_executions (policy_id, status, trigger, dry_run, start_time) VALUES (?, 'Running', ?, ?, ?)"),
      finishExec: db.prepare("UPDATE retention_executions SET status = ?, end_time = ? WHERE id = ? AND status = 'Running'"),
      getExec: db.prepare('SELECT * FROM retention_executions WHERE id = ?'),
      listExec: db.prepare('SELECT * FROM retention_executions WHERE policy_id = ? ORDER BY id DESC'),
      insertTask: db.prepare("INSERT INTO retention_tasks (execution_id, repository, status, status_code, start_time) VALUES (?, ?, 'Running', 2, ?)"),
      finishTask: db.prepare('UPDATE retention_tasks SET status = ?, status_code = ?, end_time = ?, total = ?, retained = ?, log = ? WHERE id = ?'),
      listTasks: db.prepare(`SELECT ${TASK_COLS} FROM retention_tasks WHERE execution_id = ? ORDER BY id`),
      interruptExecs: db.prepare("UPDATE retention_executions SET status = 'Error', end_time = ? WHERE status = 'Running'"),
      interruptTasks: db.prepare("UPDATE retention_tasks SET status = 'Error', status_code = 3, end_time = ?, log = log || 'interrupted by a restart' WHERE status = 'Running'"),
      interruptExec: db.prepare("UPDATE retention_executions SET status = 'Error', end_time = ? WHERE status = 'Running' AND id = ?"),
      interruptTasksOf: db.prepare(`UPDATE retention_tasks SET status = 'Error', status_code = 3, end_time = ?, log = log || 'interrupted by a restart'
        WHERE status = 'Running' AND execution_id = ?`),
      getTask: db.prepare(`SELECT ${TASK_COLS}, log FROM retention_tasks WHERE id = ?`),
    };
  }

  async createRetentionPolicy(projectId: number, policy: string): Promise<RetentionPolicyRecord> {
    return this.db.transaction(() => {
      const id = unique(`a retention policy of project ${projectId}`, () => Number(this.s.insertPolicy.run(projectId, policy).lastInsertRowid));
      this.s.setMeta.run(projectId, String(id));
      return { id, projectId, policy };
    })();
  }

  async getRetentionPolicy(id: number): Promise<RetentionPolicyRecord | null> {
    const r = this.s.getPolicy.get(id) as { id: number; project_id: number; policy: string } | undefined;
    return r ? { id: r.id, projectId: r.project_id, policy: r.policy } : null;
  }

  async listRetentionPolicies(): Promise<RetentionPolicyRecord[]> {
    return (this.s.listPolicies.all() as { id: number; project_id: number; policy: string }[]).map((r) => ({ id: r.id, projectId: r.project_id, policy: r.policy }));
  }

  async updateRetentionPolicy(id: number, policy: string): Promise<boolean> {
    return this.s.updatePolicy.run(policy, id).changes > 0;
  }

  async deleteRetentionPolicy(id: number): Promise<boolean> {
    return this.db.transaction(() => {
      const r = this.s.getPolicy.get(id) as { project_id: number } | undefined;
      if (!r) return false;
      this.s.deletePolicy.run(id);
      this.s.deleteMeta.run(r.project_id);
      return true;
    })();
  }

  async createRetentionExecution(policyId: number, trigger: string, dryRun: boolean): Promise<RetentionExecutionRecord> {
    const id = Number(this.s.insertExec.run(policyId, trigger, dryRun ? 1 : 0, this.iso()).lastInsertRowid);
    return execution(this.s.getExec.get(id) as ExecRow);
  }

  async finishRetentionExecution(id: number, status: RetentionStatus): Promise<boolean> {
    return this.s.finishExec.run(status, this.iso(), id).changes > 0;
  }

  async getRetentionExecution(id: number): Promise<RetentionExecutionRecord | null> {
    const r = this.s.getExec.get(id) as ExecRow | undefined;
    return r ? execution(r) : null;
  }

  async listRetentionExecutions(policyId: number): Promise<RetentionExecutionRecord[]> {
    return (this.s.listExec.all(policyId) as ExecRow[]).map(execution);
  }

  async addRetentionTask(executionId: number, repository: string): Promise<RetentionTaskRecord> {
    const id = Number(this.s.insertTask.run(executionId, repository, this.iso()).lastInsertRowid);
    return task(this.s.getTask.get(id) as TaskRow);
  }

  async finishRetentionTask(id: number, r: RetentionTaskResult): Promise<boolean> {
    return this.s.finishTask.run(r.status, STATUS_CODE[r.status], this.iso(), r.total, r.retained, r.log, id).changes > 0;
  }

  async listRetentionTasks(executionId: number): Promise<RetentionTaskRecord[]> {
    return (this.s.listTasks.all(executionId) as TaskRow[]).map(task);
  }

  async interruptRetentionRuns(executionId?: number): Promise<number> {
    return this.db.transaction(() => {
      const t = this.iso();
      if (executionId !== undefined) {
        this.s.interruptTasksOf.run(t, executionId);
        return this.s.interruptExec.run(t, executionId).changes;
      }
      this.s.interruptTasks.run(t);
      return this.s.interruptExecs.run(t).changes;
    })();
  }

  async getRetentionTask(id: number): Promise<(RetentionTaskRecord & { log: string }) | null> {
    const r = this.s.getTask.get(id) as TaskRow | undefined;
    return r ? { ...task(r), log: r.log ?? '' } : null;
  }
}
