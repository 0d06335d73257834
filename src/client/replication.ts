// /replication/... (swagger tag "replication"): policies, executions, their tasks and task logs, and
// the adapter types. A policy is named by its id or its name; a registry in a policy by its id.
import { HarborError } from '../core/errors.js';
import { seg, type HarborClient, type ListResult, type PageOptions } from './http.js';
import { notFound } from './projects.js';
import type { Registry } from './registries.js';

/** swagger definitions.ReplicationFilter. */
export interface ReplicationFilter { type: string; value: string | string[]; decoration?: string }

/** swagger definitions.ReplicationPolicy. */
export interface ReplicationPolicy {
  id: number;
  name: string;
  description?: string;
  src_registry?: Partial<Registry> | null;
  dest_registry?: Partial<Registry> | null;
  dest_namespace?: string;
  dest_namespace_replace_count?: number;
  trigger?: { type: string; trigger_settings?: { cron?: string } };
  filters?: ReplicationFilter[];
  replicate_deletion?: boolean;
  override?: boolean;
  enabled?: boolean;
  speed?: number;
  copy_by_chunk?: boolean;
  single_active_replication?: boolean;
  creation_time?: string;
  update_time?: string;
}

/** swagger definitions.ReplicationExecution. */
export interface ReplicationExecution {
  id: number; policy_id: number; status: string; trigger?: string; start_time?: string; end_time?: string; status_text?: string;
  total?: number; failed?: number; succeed?: number; in_progress?: number; stopped?: number;
}

/** swagger definitions.ReplicationTask (bytes, total_bytes, run_count and status_message are harborctl's additions). */
export interface ReplicationTask {
  id: number; execution_id: number; status: string; operation?: string; resource_type?: string; src_resource?: string; dst_resource?: string;
  start_time?: string; end_time?: string; status_message?: string; run_count?: number; bytes?: number; total_bytes?: number;
}

/** Harbor's statuses of an execution that has ended. */
export const FINAL_EXECUTION_STATUSES = ['Succeed', 'Failed', 'Stopped'];

export function listReplicationPolicies(c: HarborClient, page?: PageOptions): Promise<ListResult<ReplicationPolicy>> {
  return c.list<ReplicationPolicy>('/replication/policies', {}, page);
}

/** By id (digits) or by name. */
export async function findReplicationPolicy(c: HarborClient, ref: string): Promise<ReplicationPolicy> {
  if (/^\d+$/.test(ref)) {
    try {
      return (await c.request<ReplicationPolicy>('GET', `/replication/policies/${seg(ref)}`)).data;
    } catch (e) {
      throw notFound(e, `replication policy ${ref} not found`);
    }
  }
  const found = (await c.list<ReplicationPolicy>('/replication/policies', { q: `name=${ref}` }, { pageSize: 0 })).items.find((p) => p.name === ref);
  if (!found) throw new HarborError('NOT_FOUND', `replication policy ${ref} not found`);
  return found;
}

export async function createReplicationPolicy(c: HarborClient, p: Omit<ReplicationPolicy, 'id'>): Promise<ReplicationPolicy> {
  const res = await c.request('POST', '/replication/policies', { body: p });
  const id = /\/(\d+)$/.exec(res.headers.location ?? '')?.[1];
  return findReplicationPolicy(c, id ?? p.name);
}

export async function updateReplicationPolicy(c: HarborClient, id: number, p: Omit<ReplicationPolicy, 'id'>): Promise<void> {
  await c.request('PUT', `/replication/policies/${seg(id)}`, { body: p });
}

export async function deleteReplicationPolicy(c: HarborClient, id: number): Promise<void> {
  await c.request('DELETE', `/replication/policies/${seg(id)}`);
}

/** Starts an execution of the policy; its id. */
export async function startReplication(c: HarborClient, policyId: number): Promise<number> {
  const r = await c.request('POST', '/replication/executions', { body: { policy_id: policyId } });
  const id = /\/(\d+)$/.exec(r.headers.location ?? '')?.[1];
  if (!id) throw new HarborError('INTERNAL_SERVER_ERROR', 'the server started a replication but did not say which (no Location header)');
  return Number(id);
}

export function listReplicationExecutions(c: HarborClient, q: { policy_id?: number; status?: string; trigger?: string }, page?: PageOptions): Promise<ListResult<ReplicationExecution>> {
  return c.list<ReplicationExecution>('/replication/executions', q, page);
}

export async function getReplicationExecution(c: HarborClient, id: number): Promise<ReplicationExecution> {
  try {
    return (await c.request<ReplicationExecution>('GET', `/replication/executions/${seg(id)}`)).data;
  } catch (e) {
    throw notFound(e, `replication execution ${id} not found`);
  }
}

export async function stopReplication(c: HarborClient, id: number): Promise<void> {
  await c.request('PUT', `/replication/executions/${seg(id)}`);
}

export function listReplicationTasks(c: HarborClient, execution: number, q: { status?: string; resource_type?: string }, page?: PageOptions): Promise<ListResult<ReplicationTask>> {
  return c.list<ReplicationTask>(`/replication/executions/${seg(execution)}/tasks`, q, page);
}

export async function replicationTaskLog(c: HarborClient, execution: number, task: number): Promise<string> {
  const r = await c.request<string>('GET', `/replication/executions/${seg(execution)}/tasks/${seg(task)}/log`);
  return r.data ?? '';
}

export async function listReplicationAdapters(c: HarborClient): Promise<string[]> {
  return (await c.request<string[]>('GET', '/replication/adapters')).data ?? [];
}
