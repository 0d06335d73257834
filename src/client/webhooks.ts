// /projects/{p}/webhook/... (swagger tag "webhook"): a project's webhook policies and their
// executions, tasks and task logs. A policy is named by its id or its name. `testWebhookPolicy` is
// harborctl's own endpoint (Harbor has no test call): against a Harbor it answers NOT_FOUND.
import { HarborError } from '../core/errors.js';
import { seg, type HarborClient, type ListResult, type PageOptions } from './http.js';
import { notFound } from './projects.js';

/** swagger definitions.WebhookTargetObject. */
export interface WebhookTarget { type?: string; address: string; auth_header?: string; skip_cert_verify?: boolean; payload_format?: string }

/** swagger definitions.WebhookPolicy. */
export interface WebhookPolicy {
  id: number; name: string; description?: string; project_id?: number; enabled?: boolean; event_types: string[];
  targets: WebhookTarget[]; creator?: string; creation_time?: string; update_time?: string;
}

/** swagger definitions.Execution (the fields we show). */
export interface WebhookExecution {
  id: number; vendor_id?: number; status: string; status_message?: string; trigger?: string; start_time?: string; end_time?: string;
  extra_attrs?: Record<string, unknown>;
}

/** swagger definitions.Task. */
export interface WebhookTask { id: number; execution_id: number; status: string; status_message?: string; run_count?: number; start_time?: string; end_time?: string }

const base = (project: string): string => `/projects/${seg(project)}/webhook/policies`;
const rn = { 'X-Is-Resource-Name': 'true' };

export function listWebhookPolicies(c: HarborClient, project: string, page?: PageOptions): Promise<ListResult<WebhookPolicy>> {
  return c.list<WebhookPolicy>(base(project), {}, page, rn);
}

/** By id (digits) or by name. */
export async function findWebhookPolicy(c: HarborClient, project: string, ref: string): Promise<WebhookPolicy> {
  if (/^\d+$/.test(ref)) {
    try {
      return (await c.request<WebhookPolicy>('GET', `${base(project)}/${seg(ref)}`, { headers: rn })).data;
    } catch (e) {
      throw notFound(e, `webhook policy ${ref} not found in project ${project}`);
    }
  }
  const found = (await listWebhookPolicies(c, project, { pageSize: 0 })).items.find((p) => p.name === ref);
  if (!found) throw new HarborError('NOT_FOUND', `webhook policy ${ref} not found in project ${project}`);
  return found;
}

export async function createWebhookPolicy(c: HarborClient, project: string, p: Omit<WebhookPolicy, 'id'>): Promise<WebhookPolicy> {
  const res = await c.request('POST', base(project), { body: p, headers: rn });
  const id = /\/(\d+)$/.exec(res.headers.location ?? '')?.[1];
  return findWebhookPolicy(c, project, id ?? p.name);
}

export async function updateWebhookPolicy(c: HarborClient, project: string, id: number, p: Partial<WebhookPolicy>): Promise<void> {
  await c.request('PUT', `${base(project)}/${seg(id)}`, { body: p, headers: rn });
}

export async function deleteWebhookPolicy(c: HarborClient, project: string, id: number): Promise<void> {
  await c.request('DELETE', `${base(project)}/${seg(id)}`, { headers: rn });
}

export function listWebhookExecutions(c: HarborClient, project: string, id: number, page?: PageOptions): Promise<ListResult<WebhookExecution>> {
  return c.list<WebhookExecution>(`${base(project)}/${seg(id)}/executions`, {}, page, rn);
}

export async function listWebhookTasks(c: HarborClient, project: string, id: number, execution: number): Promise<WebhookTask[]> {
  return (await c.list<WebhookTask>(`${base(project)}/${seg(id)}/executions/${seg(execution)}/tasks`, {}, { pageSize: 0 }, rn)).items;
}

export async function webhookTaskLog(c: HarborClient, project: string, id: number, execution: number, task: number): Promise<string> {
  const r = await c.request<string>('GET', `${base(project)}/${seg(id)}/executions/${seg(execution)}/tasks/${seg(task)}/log`, { headers: rn });
  return r.data ?? '';
}

export async function testWebhookPolicy(c: HarborClient, project: string, id: number): Promise<number[]> {
  try {
    return (await c.request<{ execution_ids: number[] }>('POST', `${base(project)}/${seg(id)}/test`, { headers: rn })).data.execution_ids;
  } catch (e) {
    throw notFound(e, 'this server has no webhook test endpoint (a harborctl extension; Harbor has none)');
  }
}
