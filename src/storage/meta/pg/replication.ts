// Replication policies, executions and tasks, as sqlite/replication.ts. Several replicas share the
// task queue: a claim locks the due rows it takes (FOR UPDATE SKIP LOCKED), and an execution's
// status is settled under its row lock, so two workers ending its last tasks at once settle it once.
import type {
  NewReplicationPolicy, NewReplicationTask, ReplicationAttempt, ReplicationExecution, ReplicationExecutionQuery, ReplicationPolicy,
  ReplicationPolicyPatch, ReplicationStore, ReplicationTask, ReplicationTaskQuery, ReplicationTriggerType,
} from '../index.js';
import {
  REPLICATION_EXECUTION_SQL, REPLICATION_TASK_SQL, replicationExecutionOf, replicationFilter, replicationPolicyOf, replicationPolicyValues,
  replicationTaskOf, type ReplicationExecutionRow, type ReplicationPolicyRow, type ReplicationTaskRow,
} from '../replication.js';
import { type Conn, PgStore, unique } from './common.js';

const END = "UPDATE replication_executions SET status = ?, status_text = ?, end_time = ? WHERE id = ? AND status = 'InProgress'";

export class PgReplicationStore extends PgStore implements ReplicationStore {
  async createPolicy(p: NewReplicationPolicy): Promise<ReplicationPolicy> {
    const at = this.iso();
    return replicationPolicyOf((await unique(`replication policy ${p.name}`, () => this.db.get<ReplicationPolicyRow>(`INSERT INTO replication_policies (name, description,
      src_registry_id, dest_registry_id, dest_namespace, dest_namespace_replace_count, trigger_json, filters, replicate_deletion, override, enabled,
      speed, copy_by_chunk, single_active, creator, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    ...replicationPolicyValues(p), p.creator, at, at)))!);
  }

  async getPolicy(id: number): Promise<ReplicationPolicy | null> {
    const r = await this.db.get<ReplicationPolicyRow>('SELECT * FROM replication_policies WHERE id = ?', id);
    return r ? replicationPolicyOf(r) : null;
  }

  async listPolicies(): Promise<ReplicationPolicy[]> {
    return (await this.db.all<ReplicationPolicyRow>('SELECT * FROM replication_policies ORDER BY id')).map(replicationPolicyOf);
  }

  async updatePolicy(id: number, patch: ReplicationPolicyPatch): Promise<ReplicationPolicy | null> {
    return unique(`replication policy ${patch.name ?? ''}`, () => this.tx(async (c) => {
      const r = await c.get<ReplicationPolicyRow>('SELECT * FROM replication_policies WHERE id = ? FOR UPDATE', id);
      if (!r) return null;
      const n = { ...replicationPolicyOf(r), ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as ReplicationPolicy;
      return replicationPolicyOf((await c.get<ReplicationPolicyRow>(`UPDATE replication_policies SET name = ?, description = ?, src_registry_id = ?, dest_registry_id = ?,
        dest_namespace = ?, dest_namespace_replace_count = ?, trigger_json = ?, filters = ?, replicate_deletion = ?, override = ?, enabled = ?,
        speed = ?, copy_by_chunk = ?, single_active = ?, updated_at = ? WHERE id = ? RETURNING *`, ...replicationPolicyValues(n), this.iso(), id))!);
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
      return replicationExecutionOf((await c.get<ReplicationExecutionRow>(`${REPLICATION_EXECUTION_SQL} WHERE e.id = ?`, id))!);
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
    const r = await this.db.get<ReplicationExecutionRow>(`${REPLICATION_EXECUTION_SQL} WHERE e.id = ?`, id);
    return r ? replicationExecutionOf(r) : null;
  }

  async listExecutions(q: ReplicationExecutionQuery, page: { offset: number; limit: number }): Promise<{ items: ReplicationExecution[]; total: number }> {
    const { where: w, args } = replicationFilter(q);
    const items = (await this.db.all<ReplicationExecutionRow>(`${REPLICATION_EXECUTION_SQL}${w} ORDER BY e.id DESC LIMIT ? OFFSET ?`, ...args, page.limit, page.offset)).map(replicationExecutionOf);
    const total = (await this.db.value<number>(`SELECT COUNT(*) FROM replication_executions e${w}`, ...args))!;
    return { items, total };
  }

  async listUnplannedExecutions(): Promise<ReplicationExecution[]> {
    return (await this.db.all<ReplicationExecutionRow>(`${REPLICATION_EXECUTION_SQL} WHERE e.status = 'InProgress' AND NOT e.planned ORDER BY e.id`)).map(replicationExecutionOf);
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
      return (await c.all<ReplicationTaskRow>(`${REPLICATION_TASK_SQL} WHERE t.id = ANY(?) ORDER BY t.id`, ids)).map(replicationTaskOf);
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
      const e = replicationExecutionOf((await c.get<ReplicationExecutionRow>(`${REPLICATION_EXECUTION_SQL} WHERE e.id = ?`, executionId))!);
      if (e.status !== 'InProgress' || !e.planned || e.inProgress > 0) return;
      const status = e.failed > 0 ? 'Failed' : e.stopped > 0 ? 'Stopped' : 'Succeed';
      await c.run(END, status, e.failed > 0 ? `${e.failed} of ${e.total} task(s) failed` : '', at, executionId);
    });
  }

  async getTask(id: number): Promise<ReplicationTask | null> {
    const r = await this.db.get<ReplicationTaskRow>(`${REPLICATION_TASK_SQL} WHERE t.id = ?`, id);
    return r ? replicationTaskOf(r) : null;
  }

  async listTasks(executionId: number, q: ReplicationTaskQuery, page: { offset: number; limit: number }): Promise<{ items: ReplicationTask[]; total: number }> {
    const { where: w, args } = replicationFilter({ ...q, executionId });
    const items = (await this.db.all<ReplicationTaskRow>(`${REPLICATION_TASK_SQL}${w} ORDER BY t.id LIMIT ? OFFSET ?`, ...args, page.limit, page.offset)).map(replicationTaskOf);
    const total = (await this.db.value<number>(`SELECT COUNT(*) FROM replication_tasks t${w}`, ...args))!;
    return { items, total };
  }
}
