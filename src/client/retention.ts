// /retentions (swagger tag "Retention"): a project's policy (found by its retention_id metadata),
// executions, tasks and task logs.
import { HarborError } from '../core/errors.js';
import { seg, type HarborClient, type ListResult, type PageOptions } from './http.js';
import type { ImmutableRule } from './immutable.js';
import { getProject } from './projects.js';

export type RetentionRule = ImmutableRule;

export interface RetentionPolicy {
  id?: number;
  algorithm: string;
  rules: RetentionRule[];
  trigger?: { kind: string; settings: { cron?: string }; references?: Record<string, unknown> };
  scope: { level: string; ref: number };
}

export interface RetentionExecution { id: number; policy_id: number; start_time: string; end_time?: string; status: string; trigger: string; dry_run: boolean }

export interface RetentionTask {
  id: number; execution_id: number; repository: string; status: string; status_code: number; start_time: string; end_time?: string; total: number; retained: number;
}

/** The project's id and its policy id (null when it has none). */
export async function projectPolicyId(c: HarborClient, project: string): Promise<{ projectId: number; policyId: number | null }> {
  const p = await getProject(c, project);
  const id = p.metadata?.retention_id;
  return { projectId: p.project_id, policyId: id && /^\d+$/.test(id) ? Number(id) : null };
}

async function requirePolicy(c: HarborClient, project: string): Promise<number> {
  const { policyId } = await projectPolicyId(c, project);
  if (policyId === null) throw new HarborError('NOT_FOUND', `project ${project} has no retention policy (harborctl retention set ${project} ...)`);
  return policyId;
}

export async function getRetention(c: HarborClient, project: string): Promise<RetentionPolicy> {
  const id = await requirePolicy(c, project);
  return (await c.request<RetentionPolicy>('GET', `/retentions/${seg(id)}`)).data;
}

/** Creates the project's policy or replaces it; the policy's id. */
export async function setRetention(c: HarborClient, project: string, policy: Omit<RetentionPolicy, 'scope'>): Promise<number> {
  const { projectId, policyId } = await projectPolicyId(c, project);
  const body = { ...policy, scope: { level: 'project', ref: projectId } };
  if (policyId !== null) {
    await c.request('PUT', `/retentions/${seg(policyId)}`, { body: { ...body, id: policyId } });
    return policyId;
  }
  const res = await c.request('POST', '/retentions', { body });
  return Number(/\/(\d+)$/.exec(res.headers.location ?? '')?.[1] ?? 0);
}

/** Starts an execution; its id. */
export async function runRetention(c: HarborClient, project: string, dryRun: boolean): Promise<{ policyId: number; executionId: number }> {
  const policyId = await requirePolicy(c, project);
  const res = await c.request('POST', `/retentions/${seg(policyId)}/executions`, { body: { dry_run: dryRun } });
  return { policyId, executionId: Number(/\/(\d+)$/.exec(res.headers.location ?? '')?.[1] ?? 0) };
}

export async function listRetentionExecutions(c: HarborClient, project: string, page?: PageOptions): Promise<ListResult<RetentionExecution>> {
  const policyId = await requirePolicy(c, project);
  return c.list<RetentionExecution>(`/retentions/${seg(policyId)}/executions`, {}, page);
}

export async function stopRetentionExecution(c: HarborClient, project: string, executionId: number): Promise<void> {
  const policyId = await requirePolicy(c, project);
  await c.request('PATCH', `/retentions/${seg(policyId)}/executions/${seg(executionId)}`, { body: { action: 'stop' } });
}

export async function listRetentionTasks(c: HarborClient, project: string, executionId: number, page?: PageOptions): Promise<ListResult<RetentionTask>> {
  const policyId = await requirePolicy(c, project);
  return c.list<RetentionTask>(`/retentions/${seg(policyId)}/executions/${seg(executionId)}/tasks`, {}, page);
}

export async function getRetentionTaskLog(c: HarborClient, project: string, executionId: number, taskId: number): Promise<string> {
  const policyId = await requirePolicy(c, project);
  const r = await c.request<unknown>('GET', `/retentions/${seg(policyId)}/executions/${seg(executionId)}/tasks/${seg(taskId)}`);
  return typeof r.data === 'string' ? r.data : JSON.stringify(r.data);
}
