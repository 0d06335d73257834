// Replication policies, executions and tasks (replication_policies, replication_executions,
// replication_tasks); see ../replication.ts. An execution's task counts are counted from its tasks
// when it is read; its status is settled whenever a task ends, in the same transaction.
import type Database from 'better-sqlite3';
import type {
  NewReplicationPolicy, NewReplicationTask, ReplicationAttempt, ReplicationExecution, ReplicationExecutionQuery, ReplicationPolicy,
  ReplicationPolicyPatch, ReplicationStore, ReplicationTask, ReplicationTaskQuery, ReplicationTriggerType,
} from '../index.js';
import { type Clock, SqliteStore, unique } from './common.js';

interface PolicyRow {
  id: number; name: string; description: string; src_registry_id: number | null; dest_registry_id: number | null; dest_namespace: string;
  dest_namespace_replace_count: number; trigger_json: string; filters: string; replicate_deletion: number; override: number; enabled: number;
  speed: number; copy_by_chunk: number; single_active: number; creator: string; created_at: string; updated_at: string;
}

interface ExecutionRow {
  id: number; policy_id: number; status: ReplicationExecution['status']; status_text: string; trigger_type: ReplicationTriggerType;
  planned: number; event: string | null; start_time: string; end_time: string | null;
  total: number; failed: number; succeed: number; in_progress: number; stopped: number;
}

interface TaskRow {
  id: number; execution_id: number; policy_id: number; operation: 'copy' | 'deletion'; resource_type: string; src_resource: string; dst_resource: string;
  payload: string; status: ReplicationTask['status']; status_message: string; attempts: number; bytes: number; total_bytes: number; log: string;
  created_at: string; updated_at: string; start_time: string | null; end_time: string | null;
}

const policy = (r: PolicyRow): ReplicationPolicy => ({
  id: r.id, name: r.name, description: r.description, srcRegistryId: r.src_registry_id, destRegistryId: r.dest_registry_id,
  destNamespace: r.dest_namespace, destNamespaceReplaceCount: r.dest_namespace_replace_count,
  trigger: JSON.parse(r.trigger_json) as ReplicationPolicy['trigger'], filters: JSON.parse(r.filters) as ReplicationPolicy['filters'],
  replicateDeletion: r.replicate_deletion === 1, override: r.override === 1, enabled: r.enabled === 1, speed: r.speed,
  copyByChunk: r.copy_by_chunk === 1, singleActiveReplication: r.single_active === 1, creator: r.creator, createdAt: r.created_at, updatedAt: r.updated_at,
});

const execution = (r: ExecutionRow): ReplicationExecution => ({
  id: r.id, policyId: r.policy_id, status: r.status, statusText: r.status_text, trigger: r.trigger_type, planned: r.planned === 1,
  event: r.event === null ? null : JSON.parse(r.event) as unknown, startTime: r.start_time, endTime: r.end_time,
  total: r.total, failed: r.failed, succeed: r.succeed, inProgress: r.in_progress, stopped: r.stopped,
});

const task = (r: TaskRow): ReplicationTask => ({
  id: r.id, executionId: r.execution_id, policyId: r.policy_id, operation: r.operation, resourceType: r.resource_type, srcResource: r.src_resource,
  dstResource: r.dst_resource, payload: JSON.parse(r.payload) as unknown, status: r.status, statusMessage: r.status_message, attempts: r.attempts,
  bytes: r.bytes, totalBytes: r.total_bytes, log: r.log, createdAt: r.created_at, updatedAt: r.updated_at, startTime: r.start_time, endTime: r.end_time,
});

const EXECUTION = `SELECT e.*,
    (SELECT COUNT(*) FROM replication_tasks t WHERE t.execution_id = e.id) AS total,
    (SELECT COUNT(*) FROM replication_tasks t WHERE t.execution_id = e.id AND t.status = 'Failed') AS failed,
    (SELECT COUNT(*) FROM replication_tasks t WHERE t.execution_id = e.id AND t.status = 'Succeed') AS succeed,
    (SELECT COUNT(*) FROM replication_tasks t WHERE t.execution_id = e.id AND t.status IN ('Pending', 'InProgress')) AS in_progress,
    (SELECT COUNT(*) FROM replication_tasks t WHERE t.execution_id = e.id AND t.status = 'Stopped') AS stopped
  FROM replication_executions e`;

const TASK = 'SELECT t.*, e.policy_id FROM replication_tasks t JOIN replication_executions e ON e.id = t.execution_id';

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
      getExecution: db.prepare(`${EXECUTION} WHERE e.id = ?`),
      unplanned: db.prepare(`${EXECUTION} WHERE e.status = 'InProgress' AND e.planned = 0 ORDER BY e.id`),
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
      getTask: db.prepare(`${TASK} WHERE t.id = ?`),
    };
  }

  async createPolicy(p: NewReplicationPolicy): Promise<ReplicationPolicy> {
    const at = this.iso();
    const id = unique(`replication policy ${p.name}`, () => this.s.insertPolicy.run(...this.policyValues(p), p.creator, at, at)).lastInsertRowid;
    return policy(this.s.getPolicy.get(id) as PolicyRow);
  }

  private policyValues(p: Omit<NewReplicationPolicy, 'creator'>): unknown[] {
    return [p.name, p.description, p.srcRegistryId, p.destRegistryId, p.destNamespace, p.destNamespaceReplaceCount, JSON.stringify(p.trigger),
      JSON.stringify(p.filters), p.replicateDeletion ? 1 : 0, p.override ? 1 : 0, p.enabled ? 1 : 0, p.speed, p.copyByChunk ? 1 : 0,
      p.singleActiveReplication ? 1 : 0];
  }

  async getPolicy(id: number): Promise<ReplicationPolicy | null> {
    const r = this.s.getPolicy.get(id) as PolicyRow | undefined;
    return r ? policy(r) : null;
  }

  async listPolicies(): Promise<ReplicationPolicy[]> {
    return (this.s.listPolicies.all() as PolicyRow[]).map(policy);
  }

  async updatePolicy(id: number, patch: ReplicationPolicyPatch): Promise<ReplicationPolicy | null> {
    const cur = await this.getPolicy(id);
    if (!cur) return null;
    const n = { ...cur, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as ReplicationPolicy;
    unique(`replication policy ${n.name}`, () => this.s.updatePolicy.run(...this.policyValues(n), this.iso(), id));
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
      return execution(this.s.getExecution.get(id) as ExecutionRow);
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
    const r = this.s.getExecution.get(id) as ExecutionRow | undefined;
    return r ? execution(r) : null;
  }

  async listExecutions(q: ReplicationExecutionQuery, page: { offset: number; limit: number }): Promise<{ items: ReplicationExecution[]; total: number }> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.policyId !== undefined) { where.push('e.policy_id = ?'); args.push(q.policyId); }
    if (q.status !== undefined) { where.push('e.status = ?'); args.push(q.status); }
    if (q.trigger !== undefined) { where.push('e.trigger_type = ?'); args.push(q.trigger); }
    const w = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const items = (this.db.prepare(`${EXECUTION}${w} ORDER BY e.id DESC LIMIT ? OFFSET ?`).all(...args, page.limit, page.offset) as ExecutionRow[]).map(execution);
    const total = this.db.prepare(`SELECT COUNT(*) FROM replication_executions e${w}`).pluck().get(...args) as number;
    return { items, total };
  }

  async listUnplannedExecutions(): Promise<ReplicationExecution[]> {
    return (this.s.unplanned.all() as ExecutionRow[]).map(execution);
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
      return ids.map((id) => task(this.s.getTask.get(id) as TaskRow));
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
      const e = execution(this.s.getExecution.get(executionId) as ExecutionRow);
      if (e.status !== 'InProgress' || !e.planned || e.inProgress > 0) return;
      const status = e.failed > 0 ? 'Failed' : e.stopped > 0 ? 'Stopped' : 'Succeed';
      this.s.end.run(status, e.failed > 0 ? `${e.failed} of ${e.total} task(s) failed` : '', at, executionId);
    }).immediate();
  }

  async getTask(id: number): Promise<ReplicationTask | null> {
    const r = this.s.getTask.get(id) as TaskRow | undefined;
    return r ? task(r) : null;
  }

  async listTasks(executionId: number, q: ReplicationTaskQuery, page: { offset: number; limit: number }): Promise<{ items: ReplicationTask[]; total: number }> {
    const where = ['t.execution_id = ?'];
    const args: unknown[] = [executionId];
    if (q.status !== undefined) { where.push('t.status = ?'); args.push(q.status); }
    if (q.resourceType !== undefined) { where.push('t.resource_type = ?'); args.push(q.resourceType); }
    const w = ` WHERE ${where.join(' AND ')}`;
    const items = (this.db.prepare(`${TASK}${w} ORDER BY t.id LIMIT ? OFFSET ?`).all(...args, page.limit, page.offset) as TaskRow[]).map(task);
    const total = this.db.prepare(`SELECT COUNT(*) FROM replication_tasks t${w}`).pluck().get(...args) as number;
    return { items, total };
  }
}
