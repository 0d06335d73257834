// Harbor tag "webhook": /projects/{p}/webhook/policies (CRUD), a policy's executions, their tasks and
// a task's log, and /projects/{p}/webhook/events (the supported types). Each queued delivery is one
// execution with one task, as in Harbor (services/webhooks.ts); our extension
// POST .../policies/{id}/test queues a sample event to the policy's targets.
import { HarborError } from '../../core/errors.js';
import { sendEmpty, sendJson } from '../context.js';
import type { WebhookDelivery, WebhookPolicy } from '../../storage/meta/index.js';
import { SECRET_MASK } from '../../services/registries.js';
import { payload, WEBHOOK_EVENT_TYPES } from '../../services/webhooks.js';
import { filterByQuery, linkHeader, pageParams, parseQuery, sendPage, sortBy, type Fields, type PageParams } from './paging.js';
import { projectParam } from './project.js';
import { idParam, readObject, type ApiContext, type ApiRouter } from './router.js';

const BASE = '/projects/{project_name_or_id}/webhook';
const POLICY = `${BASE}/policies/{webhook_policy_id}`;
/** Harbor's zero time, for an execution or task that has not ended. */
const ZERO_TIME = '0001-01-01T00:00:00.000Z';
const MAX_STATUSES = 10;

const POLICY_FIELDS: Fields<WebhookPolicy> = {
  id: (p) => p.id, name: (p) => p.name, enabled: (p) => p.enabled, creation_time: (p) => p.createdAt, update_time: (p) => p.updatedAt,
};

export function webhookPolicyResp(p: WebhookPolicy): Record<string, unknown> {
  return {
    id: p.id, name: p.name, description: p.description, project_id: p.projectId, enabled: p.enabled, event_types: p.eventTypes,
    targets: p.targets.map((t) => ({
      type: t.type, address: t.address, auth_header: t.authHeader ? SECRET_MASK : '', skip_cert_verify: t.skipCertVerify, payload_format: t.payloadFormat,
    })),
    creator: p.creator, creation_time: p.createdAt, update_time: p.updatedAt,
  };
}

/** Swagger's ExtraAttrs holds objects only: what the delivery was is one object under `webhook`. */
const attrs = (d: WebhookDelivery): Record<string, unknown> => ({ webhook: { event_type: d.eventType, address: d.target.address,
  notify_type: d.target.type, payload_format: d.target.payloadFormat } });

function executionResp(d: WebhookDelivery): Record<string, unknown> {
  const count = (s: WebhookDelivery['status']): number => (d.status === s ? 1 : 0);
  return {
    id: d.id, vendor_type: 'WEBHOOK', vendor_id: d.policyId, status: d.status, status_message: d.statusMessage, trigger: 'EVENT',
    metrics: { task_count: 1, success_task_count: count('Success'), error_task_count: count('Error'), pending_task_count: count('Pending'),
      running_task_count: count('Running'), scheduled_task_count: 0, stopped_task_count: 0 },
    extra_attrs: attrs(d), start_time: d.createdAt, end_time: d.endTime ?? ZERO_TIME,
  };
}

function taskResp(d: WebhookDelivery): Record<string, unknown> {
  return {
    id: d.id, execution_id: d.id, status: d.status, status_message: d.statusMessage, run_count: d.attempts, extra_attrs: attrs(d),
    creation_time: d.createdAt, update_time: d.updatedAt, start_time: d.startTime ?? ZERO_TIME, end_time: d.endTime ?? ZERO_TIME,
  };
}

/** One page the store counted: X-Total-Count and Link as Harbor sends them. */
function sendCounted(c: ApiContext, pp: PageParams, total: number, body: unknown[]): void {
  const headers: Record<string, string> = { 'X-Total-Count': String(total) };
  const link = linkHeader(c.http, pp, total);
  if (link) headers.Link = link;
  sendJson(c.http, 200, body, headers);
}

async function delivery(c: ApiContext, param: string): Promise<WebhookDelivery> {
  return c.svc.webhooks.getDelivery(c.principal, await projectParam(c), idParam(c, 'webhook_policy_id'), idParam(c, param));
}

export function webhookRoutes(r: ApiRouter): void {
  r.add('GET', `${BASE}/policies`, async (c) => {
    pageParams(c.http);
    const items = await c.svc.webhooks.listPolicies(c.principal, await projectParam(c));
    const q = parseQuery(c.http.query.get('q'));
    sendPage(c.http, sortBy(filterByQuery(items, q, POLICY_FIELDS), c.http.query.get('sort'), POLICY_FIELDS), webhookPolicyResp);
  });

  r.add('POST', `${BASE}/policies`, async (c) => {
    const p = await projectParam(c);
    const policy = await c.svc.webhooks.createPolicy(c.principal, p, await readObject(c.http));
    const path = (c.http.req.url ?? '').split('?')[0].replace(/\/$/, '');
    sendEmpty(c.http, 201, { Location: `${path}/${policy.id}` });
  });

  r.add('GET', POLICY, async (c) => {
    sendJson(c.http, 200, webhookPolicyResp(await c.svc.webhooks.getPolicy(c.principal, await projectParam(c), idParam(c, 'webhook_policy_id'))));
  });

  r.add('PUT', POLICY, async (c) => {
    const p = await projectParam(c);
    await c.svc.webhooks.updatePolicy(c.principal, p, idParam(c, 'webhook_policy_id'), await readObject(c.http));
    sendEmpty(c.http, 200);
  });

  r.add('DELETE', POLICY, async (c) => {
    await c.svc.webhooks.deletePolicy(c.principal, await projectParam(c), idParam(c, 'webhook_policy_id'));
    sendEmpty(c.http, 200);
  });

  r.add('GET', `${POLICY}/executions`, async (c) => {
    const pp = pageParams(c.http);
    const p = await projectParam(c);
    const { items, total } = await c.svc.webhooks.listDeliveries(c.principal, p, idParam(c, 'webhook_policy_id'),
      { offset: (pp.page - 1) * pp.pageSize, limit: pp.pageSize });
    sendCounted(c, pp, total, items.map(executionResp));
  });

  r.add('GET', `${POLICY}/executions/{execution_id}/tasks`, async (c) => {
    pageParams(c.http);
    sendPage(c.http, [await delivery(c, 'execution_id')], taskResp);
  });

  r.add('GET', `${POLICY}/executions/{execution_id}/tasks/{task_id}/log`, async (c) => {
    const d = await delivery(c, 'execution_id');
    if (idParam(c, 'task_id') !== d.id) throw new HarborError('NOT_FOUND', 'webhook task not found');
    const body = Buffer.from(d.log);
    c.http.res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
    c.http.res.end(body);
  });

  r.add('GET', `${BASE}/events`, async (c) => {
    await c.svc.webhooks.listPolicies(c.principal, await projectParam(c)); // the same permission as the list
    sendJson(c.http, 200, {
      event_type: WEBHOOK_EVENT_TYPES, notify_type: ['http', 'slack'],
      payload_formats: [{ notify_type: 'http', formats: ['Default', 'CloudEvents'] }, { notify_type: 'slack', formats: ['Default'] }],
    });
  });

  // Harbor's deprecated LastTrigger: one row per policy and event type.
  r.add('GET', `${BASE}/lasttrigger`, async (c) => {
    const rows = await c.svc.webhooks.lastTriggers(c.principal, await projectParam(c));
    sendJson(c.http, 200, rows.map((t) => ({ policy_name: t.policy.name, event_type: t.eventType, enabled: t.policy.enabled,
      creation_time: t.policy.createdAt, ...(t.at ? { last_trigger_time: t.at } : {}) })));
  });

  // Harbor's deprecated ListWebhookJobs: a policy's executions (one task each) in the old job shape.
  r.add('GET', `${BASE}/jobs`, async (c) => {
    const raw = c.http.query.get('policy_id');
    // go-swagger checks the parameter before the handler runs: 422, whoever asks.
    if (raw === null || !/^[0-9]{1,15}$/.test(raw)) throw new HarborError('UNPROCESSABLE_ENTITY', 'policy_id in query is required and must be an integer');
    const pp = pageParams(c.http);
    parseQuery(c.http.query.get('q'));
    // An array in csv form (status=Success,Error); an unknown status matches nothing, as in Harbor.
    const statuses = [...new Set(c.http.query.getAll('status').flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean))];
    if (statuses.length > MAX_STATUSES) throw new HarborError('BAD_REQUEST', `at most ${MAX_STATUSES} status values`);
    const p = await projectParam(c);
    const { items, total } = await c.svc.webhooks.listDeliveries(c.principal, p, Number(raw), { offset: (pp.page - 1) * pp.pageSize, limit: pp.pageSize }, statuses);
    sendCounted(c, pp, total, items.map((d) => ({ id: d.id, policy_id: d.policyId, event_type: d.eventType, notify_type: d.target.type,
      status: d.status, job_detail: payload(d).body, creation_time: d.createdAt, update_time: d.updatedAt })));
  });

  r.addExtension('POST', `${POLICY}/test`, async (c) => {
    const p = await projectParam(c);
    const host = String(c.http.req.headers.host ?? 'localhost');
    const ids = await c.svc.webhooks.test(c.principal, p, idParam(c, 'webhook_policy_id'), host);
    sendJson(c.http, 201, { execution_ids: ids });
  });
}
