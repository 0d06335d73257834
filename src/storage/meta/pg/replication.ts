// Replication policies, executions and tasks, as sqlite/replication.ts. Several replicas share the
// task queue: a claim locks the due rows it takes (FOR UPDATE SKIP LOCKED), and an execution's
// status is settled under its row lock, so two workers ending its last tasks at once settle it once.
import type {
  NewReplicationPolicy, NewReplicationTask, ReplicationAttempt, ReplicationExecution, ReplicationExecutionQuery, ReplicationPolicy,
  ReplicationPolicyPatch, ReplicationStore, ReplicationTask, ReplicationTaskQuery, ReplicationTriggerType,
} from '../index.js';
import { type Conn, PgStore, unique } from './common.js';

interface PolicyRow {
  id: number; name: string; description: string; src_registry_id: number | null; dest_registry_id: number | null; dest_namespace: string;
  dest_namespace_replace_count: number; trigger_json: string; filters: string; replicate_deletion: boolean; override: boolean; enabled: boolean;
  speed: number; copy_by_chunk: boolean; single_active: boolean; creator: string; created_at: string; updated_at: string;
}

interface ExecutionRow {
  id: number; policy_id: number; status: ReplicationExecution['status']; status_text: string; trigger_type: ReplicationTriggerType;
  planned: boolean; event: string | null; start_time: string; end_time: string | null;
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
  replicateDeletion: r.replicate_deletion, override: r.override, enabled: r.enabled, speed: r.speed,
  copyByChunk: r.copy_by_chunk, singleActiveReplication: r.single_active, creator: r.creator, createdAt: r.created_at, updatedAt: r.updated_at,
});

const execution = (r: ExecutionRow): ReplicationExecution => ({
  id: r.id, policyId: r.policy_id, status: r.status, statusText: r.status_text, trigger: r.trigger_type, planned: r.planned,
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
const END = "UPDATE replication_executions SET status = ?, status_text = ?, end_time = ? WHERE id = ? AND status = 'InProgress'";

export class PgReplicationStore extends PgStore implements ReplicationStore {
  private values(p: Omit<NewReplicationPolicy, 'creator'>): unknown[] {
    return [p.name, p.description, p.srcRegistryId, p.destRegistryId, p.destNamespace, p.destNamespaceReplaceCount, JSON.stringify(p.trigger),
      JSON.stringify(p.filters), p.replicateDeletion, p.override, p.enabled, p.speed, p.copyByChunk, p.singleActiveReplication];
  }

  async createPolicy(p: NewReplicationPolicy): Promise<ReplicationPolicy> {
    const at = this.iso();
    return policy((await unique(`replication policy ${p.name}`, () => this.db.get<PolicyRow>(`INSERT INTO replication_policies (name, description,
      src_registry_id, dest_registry_id, dest_namespace, dest_namespace_replace_count, trigger_json, filters, replicate_deletion, override, enabled,
      speed, copy_by_chunk, single_active, creator, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    ...this.values(p), p.creator, at, at)))!);
  }

  async getPolicy(id: number): Promise<ReplicationPolicy | null> {
    const r = await this.db.get<PolicyRow>('SELECT * FROM replication_policies WHERE id = ?', id);
    return r ? policy(r) : null;
  }

  async listPolicies(): Promise<ReplicationPolicy[]> {
    return (await this.db.all<PolicyRow>('SELECT * FROM replication_policies ORDER BY id')).map(policy);
  }

  async updatePolicy(id: number, patch: ReplicationPolicyPatch): Promise<ReplicationPolicy | null> {
    return unique(`replication policy ${patch.name ?? ''}`, () => this.tx(async (c) => {
      const r = await c.get<PolicyRow>('SELECT * FROM replication_policies WHERE id = ? FOR UPDATE', id);
      if (!r) return null;
      const n = { ...policy(r), ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as ReplicationPolicy;
      return policy((await c.get<PolicyRow>(`UPDATE replication_policies SET name = ?, description = ?, src_registry_id = ?, dest_registry_id = ?,
        dest_namespace = ?, dest_namespace_replace_count = ?, trigger_json = ?, filters = ?, replicate_deletion = ?, override = ?, enabled = ?,
        speed = ?, copy_by_chunk = ?, single_active = ?, updated_at = ? WHERE id = ? RETURNING *`, ...this.values(n), this.iso(), id))!);
    }));
  }

  async deletePolicy(id: number): Promise<boolean | 'running'> {
    return this.tx(async (c) => {
      if (!(await c.get('SELECT id FROM replication_policies WHERE id = ? FOR UPDATE', id))) return false;
      if (await this.running(c, id)) return 'running';
      return await c.run('DELETE FROM replication_policies WHERE id = ?', id) > 0;
    });
  }

  private async running(c: Conn, policyId: number): Promise<boolean> {
    return ((await c.value<number>("SELECT COUNT(*) FROM replication_executions WHERE policy_id = ? AND status = 'InProgress'", policyId)) ?? 0) > 0;
  }

  async createExecution(policyId: number, trigger: ReplicationTriggerType, event: unknown, singleActive: boolean): Promise<ReplicationExecution | null> {
    return this.tx(async (c) => {
      // The policy's row lock orders two starts of one single-active policy.
      await c.get('SELECT id FROM replication_policies WHERE id = ? FOR UPDATE', policyId);
      if (singleActive && await this.running(c, policyId)) return null;
      const id = await c.value<number>(`INSERT INTO replication_executions (policy_id, status, trigger_type, event, start_time)
        VALUES (?, 'InProgress', ?, ?, ?) RETURNING id`, policyId, trigger, event === null || event === undefined ? null : JSON.stringify(event), this.iso());
      return execution((await c.get<ExecutionRow>(`${EXECUTION} WHERE e.id = ?`, id))!);
    });
  }

  async planExecution(executionId: number, tasks: NewReplicationTask[], emptyText: string): Promise<boolean> {
    return this.tx(async (c) => {
      if (await c.run("UPDATE replication_executions SET planned = TRUE WHERE id = ? AND status = 'InProgress'", executionId) === 0) return false;
      const at = this.iso();
      if (tasks.length) {
        await c.run(`INSERT INTO replication_tasks (execution_id, operation, resource_type, src_resource, dst_resource, payload, status,
            next_attempt_at, created_at, updated_at)
          SELECT ?, o, r, s, d, p, 'Pending', ?, ?, ? FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS x(o, r, s, d, p, n)
          ORDER BY n`, executionId, at, at, at, tasks.map((t) => t.operation), tasks.map((t) => t.resourceType), tasks.map((t) => t.srcResource),
        tasks.map((t) => t.dstResource), tasks.map((t) => JSON.stringify(t.payload)));
      } else {
        await c.run(END, 'Succeed', emptyText, at, executionId);
      }
      return true;
    });
  }

  async failExecution(executionId: number, statusText: string): Promise<void> {
    await this.db.run(END, 'Failed', statusText.slice(0, 2000), this.iso(), executionId);
  }

  async getExecution(id: number): Promise<ReplicationExecution | null> {
    const r = await this.db.get<ExecutionRow>(`${EXECUTION} WHERE e.id = ?`, id);
    return r ? execution(r) : null;
  }

  async listExecutions(q: ReplicationExecutionQuery, page: { offset: number; limit: number }): Promise<{ items: ReplicationExecution[]; total: number }> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.policyId !== undefined) { where.push('e.policy_id = ?'); args.push(q.policyId); }
    if (q.status !== undefined) { where.push('e.status = ?'); args.push(q.status); }
    if (q.trigger !== undefined) { where.push('e.trigger_type = ?'); args.push(q.trigger); }
    const w = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const items = (await this.db.all<ExecutionRow>(`${EXECUTION}${w} ORDER BY e.id DESC LIMIT ? OFFSET ?`, ...args, page.limit, page.offset)).map(execution);
    const total = (await this.db.value<number>(`SELECT COUNT(*) FROM replication_executions e${w}`, ...args))!;
    return { items, total };
  }

  async listUnplannedExecutions(): Promise<ReplicationExecution[]> {
    return (await this.db.all<ExecutionRow>(`${EXECUTION} WHERE e.status = 'InProgress' AND NOT e.planned ORDER BY e.id`)).map(execution);
  }

  async stopExecution(id: number): Promise<number[] | null> {
    return this.tx(async (c) => {
      if (!(await c.get('SELECT id FROM replication_executions WHERE id = ? FOR UPDATE', id))) return null;
      const running = await c.column<number>("SELECT id FROM replication_tasks WHERE execution_id = ? AND status = 'InProgress' ORDER BY id", id);
      const at = this.iso();
      await c.run(`UPDATE replication_tasks SET status = 'Stopped', lease_until = NULL, updated_at = ?, end_time = ?, status_message = 'stopped',
        log = log || ? WHERE execution_id = ? AND status IN ('Pending', 'InProgress')`, at, at, `${at} stopped by request\n`, id);
      await c.run(END, 'Stopped', 'stopped', at, id);
      return running;
    });
  }

  async claimTasks(now: string, leaseUntil: string, limit: number): Promise<ReplicationTask[]> {
    return this.tx(async (c) => {
      const ids = await c.column<number>(`SELECT id FROM replication_tasks
        WHERE (status = 'Pending' AND next_attempt_at <= ?) OR (status = 'InProgress' AND lease_until <= ?)
        ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`, now, now, limit);
      if (ids.length === 0) return [];
      const at = this.iso();
      await c.run(`UPDATE replication_tasks SET status = 'InProgress', lease_until = ?, attempts = attempts + 1, updated_at = ?,
        start_time = coalesce(start_time, ?) WHERE id = ANY(?)`, leaseUntil, at, at, ids);
      return (await c.all<TaskRow>(`${TASK} WHERE t.id = ANY(?) ORDER BY t.id`, ids)).map(task);
    });
  }

  async progressTask(id: number, p: { bytes: number; totalBytes: number; leaseUntil: string; log: string }): Promise<boolean> {
    return this.tx(async (c) => {
      if (await c.run(`UPDATE replication_tasks SET bytes = ?, total_bytes = ?, lease_until = ?, log = log || ?, updated_at = ?
        WHERE id = ? AND status = 'InProgress'`, p.bytes, p.totalBytes, p.leaseUntil, p.log, this.iso(), id) > 0) return true;
      if (p.log) await c.run('UPDATE replication_tasks SET log = log || ? WHERE id = ?', p.log, id);
      return false;
    });
  }

  async finishTask(id: number, a: ReplicationAttempt): Promise<void> {
    await this.tx(async (c) => {
      const executionId = await c.value<number>('SELECT execution_id FROM replication_tasks WHERE id = ?', id);
      if (executionId === undefined) return;
      await c.get('SELECT id FROM replication_executions WHERE id = ? FOR UPDATE', executionId);
      const at = this.iso();
      const changed = await c.run(`UPDATE replication_tasks SET status = ?, next_attempt_at = coalesce(?, next_attempt_at), lease_until = NULL,
        log = log || ?, status_message = ?, updated_at = ?, end_time = ? WHERE id = ? AND status = 'InProgress'`,
      a.status, a.nextAttemptAt ?? null, `${a.logLine}\n`, a.statusMessage.slice(0, 2000), at, a.status === 'Pending' ? null : at, id);
      if (changed === 0) {
        await c.run('UPDATE replication_tasks SET log = log || ? WHERE id = ?', `${a.logLine}\n`, id);
        return;
      }
      const e = execution((await c.get<ExecutionRow>(`${EXECUTION} WHERE e.id = ?`, executionId))!);
      if (e.status !== 'InProgress' || !e.planned || e.inProgress > 0) return;
      const status = e.failed > 0 ? 'Failed' : e.stopped > 0 ? 'Stopped' : 'Succeed';
      await c.run(END, status, e.failed > 0 ? `${e.failed} of ${e.total} task(s) failed` : '', at, executionId);
    });
  }

  async getTask(id: number): Promise<ReplicationTask | null> {
    const r = await this.db.get<TaskRow>(`${TASK} WHERE t.id = ?`, id);
    return r ? task(r) : null;
  }

  async listTasks(executionId: number, q: ReplicationTaskQuery, page: { offset: number; limit: number }): Promise<{ items: ReplicationTask[]; total: number }> {
    const where = ['t.execution_id = ?'];
    const args: unknown[] = [executionId];
    if (q.status !== undefined) { where.push('t.status = ?'); args.push(q.status); }
    if (q.resourceType !== undefined) { where.push('t.resource_type = ?'); args.push(q.resourceType); }
    const w = ` WHERE ${where.join(' AND ')}`;
    const items = (await this.db.all<TaskRow>(`${TASK}${w} ORDER BY t.id LIMIT ? OFFSET ?`, ...args, page.limit, page.offset)).map(task);
    const total = (await this.db.value<number>(`SELECT COUNT(*) FROM replication_tasks t${w}`, ...args))!;
    return { items, total };
  }
}
