// Replication policies, executions and tasks (replication_policies, replication_executions,
// replication_tasks); see ../replication.ts. An execution's task counts are counted from its tasks
// when it is read; its status is settled whenever a task ends, in the same transaction.
import type Database from 'better-sqlite3';
import type {
  NewReplicationPolicy, NewReplicationTask, ReplicationAttempt, ReplicationExecution, ReplicationExecutionQuery, ReplicationPolicy,
  ReplicationPolicyPatch, ReplicationStore, ReplicationTask, ReplicationTaskQuery, ReplicationTriggerType,
} from '../index.js';
import {
  REPLICATION_EXECUTION_SQL, REPLICATION_TASK_SQL, replicationExecutionOf, replicationFilter, replicationPolicyOf, replicationPolicyValues,
  replicationTaskOf, type ReplicationExecutionRow, type ReplicationPolicyRow, type ReplicationTaskRow,
} from '../replication.js';
import { type Clock, SqliteStore, unique } from './common.js';

/** SQLite binds no booleans: flags as 0/1. */
const values = (p: Omit<NewReplicationPolicy, 'creator'>): unknown[] => replicationPolicyValues(p).map((v) => (typeof v === 'boolean' ? Number(v) : v));

export class SqliteReplicationStore extends SqliteStore implements ReplicationStore {
  private readonly s;

  constructor(db: Database.Database, now: Clock) {
    super(db, now);
    this.s = {
      insertPolicy: db.prepare(`INSERT INTO replication_policies (name, description, src_registry_id, dest_registry_id, dest_namespace,
        dest_namespace_replace_count, trigger_json, filters, replicate_deletion, override, enabled, speed, copy_by_chunk, single_active, creator,
        created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      getPolicy: db.prepare('SELECT * FROM replication_policies WHERE id = ?'),
      listPolicies: db.prepare('SELECT * FROM replication_policies ORDER BY id'),
      updatePolicy: db.prepare(`UPDATE replication_policies SET name = ?, description = ?, src_registry_id = ?, dest_registry_id = ?,
        dest_namespace = ?, dest_namespace_replace_count = ?, trigger_json = ?, filters = ?, replicate_deletion = ?, override = ?, enabled = ?,
        speed = ?, copy_by_chunk = ?, single_active = ?, updated_at = ? WHERE id = ?`),
      running: db.prepare("SELECT COUNT(*) FROM replication_executions WHERE policy_id = ? AND status = 'InProgress'").pluck(),
      deletePolicy: db.prepare('DELETE FROM replication_policies WHERE id = ?'),
      insertExecution: db.prepare(`INSERT INTO replication_executions (policy_id, status, trigger_type, event, start_time)
        VALUES (?, 'InProgress', ?, ?, ?)`),
      getExecution: db.prepare(`${REPLICATION_EXECUTION_SQL} WHERE e.id = ?`),
      unplanned: db.prepare(`${REPLICATION_EXECUTION_SQL} WHERE e.status = 'InProgress' AND e.planned = 0 ORDER BY e.id`),
      insertTask: db.prepare(`INSERT INTO replication_tasks (execution_id, operation, resource_type, src_resource, dst_resource, payload, status,
        next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'Pending', ?, ?, ?)`),
      plan: db.prepare("UPDATE replication_executions SET planned = 1 WHERE id = ? AND status = 'InProgress'"),
      end: db.prepare("UPDATE replication_executions SET status = ?, status_text = ?, end_time = ? WHERE id = ? AND status = 'InProgress'"),
      stopTasks: db.prepare(`UPDATE replication_tasks SET status = 'Stopped', lease_until = NULL, updated_at = ?, end_time = ?,
        status_message = 'stopped', log = log || ? WHERE execution_id = ? AND status IN ('Pending', 'InProgress')`),
      runningTasks: db.prepare("SELECT id FROM replication_tasks WHERE execution_id = ? AND status = 'InProgress'").pluck(),
      due: db.prepare(`SELECT id FROM replication_tasks WHERE (status = 'Pending' AND next_attempt_at <= ?) OR (status = 'InProgress' AND lease_until <= ?)
        ORDER BY id LIMIT ?`).pluck(),
      take: db.prepare(`UPDATE replication_tasks SET status = 'InProgress', lease_until = ?, attempts = attempts + 1, updated_at = ?,
        start_time = coalesce(start_time, ?) WHERE id = ?`),
      progress: db.prepare(`UPDATE replication_tasks SET bytes = ?, total_bytes = ?, lease_until = ?, log = log || ?, updated_at = ?
        WHERE id = ? AND status = 'InProgress'`),
      finish: db.prepare(`UPDATE replication_tasks SET status = ?, next_attempt_at = coalesce(?, next_attempt_at), lease_until = NULL,
        log = log || ?, status_message = ?, updated_at = ?, end_time = ? WHERE id = ? AND status = 'InProgress'`),
      executionOf: db.prepare('SELECT execution_id FROM replication_tasks WHERE id = ?').pluck(),
      appendLog: db.prepare('UPDATE replication_tasks SET log = log || ? WHERE id = ?'),
      getTask: db.prepare(`${REPLICATION_TASK_SQL} WHERE t.id = ?`),
    };
  }

  async createPolicy(p: NewReplicationPolicy): Promise<ReplicationPolicy> {
    const at = this.iso();
    const id = unique(`replication policy ${p.name}`, () => this.s.insertPolicy.run(...values(p), p.creator, at, at)).lastInsertRowid;
    return replicationPolicyOf(this.s.getPolicy.get(id) as ReplicationPolicyRow);
  }

  async getPolicy(id: number): Promise<ReplicationPolicy | null> {
    const r = this.s.getPolicy.get(id) as ReplicationPolicyRow | undefined;
    return r ? replicationPolicyOf(r) : null;
  }

  async listPolicies(): Promise<ReplicationPolicy[]> {
    return (this.s.listPolicies.all() as ReplicationPolicyRow[]).map(replicationPolicyOf);
  }

  async updatePolicy(id: number, patch: ReplicationPolicyPatch): Promise<ReplicationPolicy | null> {
    const cur = await this.getPolicy(id);
    if (!cur) return null;
    const n = { ...cur, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as ReplicationPolicy;
    unique(`replication policy ${n.name}`, () => this.s.updatePolicy.run(...values(n), this.iso(), id));
    return this.getPolicy(id);
  }

  async deletePolicy(id: number): Promise<boolean | 'running'> {
    return this.db.transaction(() => {
      if ((this.s.running.get(id) as number) > 0) return 'running' as const;
      return this.s.deletePolicy.run(id).changes > 0;
    }).immediate();
  }

  async createExecution(policyId: number, trigger: ReplicationTriggerType, event: unknown, singleActive: boolean): Promise<ReplicationExecution | null> {
    return this.db.transaction(() => {
      if (singleActive && (this.s.running.get(policyId) as number) > 0) return null;
      const id = this.s.insertExecution.run(policyId, trigger, event === null || event === undefined ? null : JSON.stringify(event), this.iso()).lastInsertRowid;
      return replicationExecutionOf(this.s.getExecution.get(id) as ReplicationExecutionRow);
    }).immediate();
  }

  async planExecution(executionId: number, tasks: NewReplicationTask[], emptyText: string): Promise<boolean> {
    return this.db.transaction(() => {
      if (this.s.plan.run(executionId).changes === 0) return false;
      const at = this.iso();
      for (const t of tasks) {
        this.s.insertTask.run(executionId, t.operation, t.resourceType, t.srcResource, t.dstResource, JSON.stringify(t.payload), at, at, at);
      }
      if (tasks.length === 0) this.s.end.run('Succeed', emptyText, at, executionId);
      return true;
    }).immediate();
  }

  async failExecution(executionId: number, statusText: string): Promise<void> {
    this.s.end.run('Failed', statusText.slice(0, 2000), this.iso(), executionId);
  }

  async getExecution(id: number): Promise<ReplicationExecution | null> {
    const r = this.s.getExecution.get(id) as ReplicationExecutionRow | undefined;
    return r ? replicationExecutionOf(r) : null;
  }

  async listExecutions(q: ReplicationExecutionQuery, page: { offset: number; limit: number }): Promise<{ items: ReplicationExecution[]; total: number }> {
    const { where: w, args } = replicationFilter(q);
    const items = (this.db.prepare(`${REPLICATION_EXECUTION_SQL}${w} ORDER BY e.id DESC LIMIT ? OFFSET ?`).all(...args, page.limit, page.offset) as ReplicationExecutionRow[]).map(replicationExecutionOf);
    const total = this.db.prepare(`SELECT COUNT(*) FROM replication_executions e${w}`).pluck().get(...args) as number;
    return { items, total };
  }

  async listUnplannedExecutions(): Promise<ReplicationExecution[]> {
    return (this.s.unplanned.all() as ReplicationExecutionRow[]).map(replicationExecutionOf);
  }

  async stopExecution(id: number): Promise<number[] | null> {
    return this.db.transaction(() => {
      if (!this.s.getExecution.get(id)) return null;
      const running = this.s.runningTasks.all(id) as number[];
      const at = this.iso();
      this.s.stopTasks.run(at, at, `${at} stopped by request\n`, id);
      this.s.end.run('Stopped', 'stopped', at, id);
      return running;
    }).immediate();
  }

  async claimTasks(now: string, leaseUntil: string, limit: number): Promise<ReplicationTask[]> {
    return this.db.transaction(() => {
      const ids = this.s.due.all(now, now, limit) as number[];
      const at = this.iso();
      for (const id of ids) this.s.take.run(leaseUntil, at, at, id);
      return ids.map((id) => replicationTaskOf(this.s.getTask.get(id) as ReplicationTaskRow));
    }).immediate();
  }

  async progressTask(id: number, p: { bytes: number; totalBytes: number; leaseUntil: string; log: string }): Promise<boolean> {
    return this.db.transaction(() => {
      if (this.s.progress.run(p.bytes, p.totalBytes, p.leaseUntil, p.log, this.iso(), id).changes > 0) return true;
      if (p.log) this.s.appendLog.run(p.log, id);
      return false;
    })();
  }

  async finishTask(id: number, a: ReplicationAttempt): Promise<void> {
    this.db.transaction(() => {
      const at = this.iso();
      if (this.s.finish.run(a.status, a.nextAttemptAt ?? null, `${a.logLine}\n`, a.statusMessage.slice(0, 2000), at, a.status === 'Pending' ? null : at, id).changes === 0) {
        this.s.appendLog.run(`${a.logLine}\n`, id);
        return;
      }
      const executionId = this.s.executionOf.get(id) as number;
      const e = replicationExecutionOf(this.s.getExecution.get(executionId) as ReplicationExecutionRow);
      if (e.status !== 'InProgress' || !e.planned || e.inProgress > 0) return;
      const status = e.failed > 0 ? 'Failed' : e.stopped > 0 ? 'Stopped' : 'Succeed';
      this.s.end.run(status, e.failed > 0 ? `${e.failed} of ${e.total} task(s) failed` : '', at, executionId);
    }).immediate();
  }

  async getTask(id: number): Promise<ReplicationTask | null> {
    const r = this.s.getTask.get(id) as ReplicationTaskRow | undefined;
    return r ? replicationTaskOf(r) : null;
  }

  async listTasks(executionId: number, q: ReplicationTaskQuery, page: { offset: number; limit: number }): Promise<{ items: ReplicationTask[]; total: number }> {
    const { where: w, args } = replicationFilter({ ...q, executionId });
    const items = (this.db.prepare(`${REPLICATION_TASK_SQL}${w} ORDER BY t.id LIMIT ? OFFSET ?`).all(...args, page.limit, page.offset) as ReplicationTaskRow[]).map(replicationTaskOf);
    const total = this.db.prepare(`SELECT COUNT(*) FROM replication_tasks t${w}`).pluck().get(...args) as number;
    return { items, total };
  }
}
