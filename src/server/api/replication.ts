// Harbor tag "replication": /replication/policies (CRUD), /replication/executions (start, list with
// policy_id/status/trigger, get, PUT stop), an execution's tasks (status/resource_type filters) and a
// task's log (text/plain); and from tag "registry", /replication/adapters and /replication/adapterinfos.
// System administrators only (services/replication/service.ts). Beyond Harbor's fields, a task shows
// its bytes (`bytes`, `total_bytes`), attempts (`run_count`) and `status_message`.
import { HarborError } from '../../core/errors.js';
import type { RegistryEndpoint, ReplicationExecution, ReplicationPolicy, ReplicationTask } from '../../storage/meta/index.js';
import { adapterInfos, adapterTypes } from '../../services/replication/adapters/index.js';
import { requireSysadmin } from '../../services/users.js';
import { sendEmpty, sendJson, type RequestContext } from '../context.js';
import { filterByQuery, linkHeader, pageParams, parseQuery, sortBy, type Fields } from './paging.js';
import { idParam, readObject, type ApiContext, type ApiRouter } from './router.js';
import { registryResp } from './views.js';

/** Harbor's zero time, for an execution or task that has not ended. */
const ZERO_TIME = '0001-01-01T00:00:00.000Z';

const POLICY_FIELDS: Fields<ReplicationPolicy> = {
  id: (p) => p.id, name: (p) => p.name, enabled: (p) => p.enabled, creation_time: (p) => p.createdAt, update_time: (p) => p.updatedAt,
  src_registry_id: (p) => p.srcRegistryId ?? 0, dest_registry_id: (p) => p.destRegistryId ?? 0,
};

/** This registry, as Harbor shows its own ("Local", id 0) in a policy. */
function localRegistry(ctx: RequestContext): Record<string, unknown> {
  const scheme = (ctx.req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  return {
    id: 0, name: 'Local', type: 'harbor', url: `${scheme}://${ctx.req.headers.host ?? 'localhost'}`, description: '', insecure: false, status: 'healthy',
    credential: { type: 'secret', access_key: '', access_secret: '*****' },
  };
}

async function policyResp(c: ApiContext, p: ReplicationPolicy): Promise<Record<string, unknown>> {
  const reg = async (id: number | null): Promise<Record<string, unknown> | null> => {
    if (id === null) return localRegistry(c.http);
    const r: RegistryEndpoint | null = await c.svc.stores.registries.getRegistryById(id);
    return r ? registryResp(r) : { id, name: '', type: '', url: '' };
  };
  return {
    id: p.id, name: p.name, description: p.description, src_registry: await reg(p.srcRegistryId), dest_registry: await reg(p.destRegistryId),
    dest_namespace: p.destNamespace, dest_namespace_replace_count: p.destNamespaceReplaceCount,
    trigger: { type: p.trigger.type, trigger_settings: { cron: p.trigger.cron } }, filters: p.filters,
    replicate_deletion: p.replicateDeletion, deletion: p.replicateDeletion, override: p.override, enabled: p.enabled,
    creation_time: p.createdAt, update_time: p.updatedAt, speed: p.speed, copy_by_chunk: p.copyByChunk,
    single_active_replication: p.singleActiveReplication, creator: p.creator,
  };
}

function executionResp(e: ReplicationExecution): Record<string, unknown> {
  return {
    id: e.id, policy_id: e.policyId, status: e.status, trigger: e.trigger, start_time: e.startTime, end_time: e.endTime ?? ZERO_TIME,
    status_text: e.statusText, total: e.total, failed: e.failed, succeed: e.succeed, in_progress: e.inProgress, stopped: e.stopped,
  };
}

function taskResp(t: ReplicationTask): Record<string, unknown> {
  return {
    id: t.id, execution_id: t.executionId, status: t.status, job_id: String(t.id), operation: t.operation, resource_type: t.resourceType,
    src_resource: t.srcResource, dst_resource: t.dstResource, start_time: t.startTime ?? ZERO_TIME, end_time: t.endTime ?? ZERO_TIME,
    status_message: t.statusMessage, run_count: t.attempts, bytes: t.bytes, total_bytes: t.totalBytes,
  };
}

/** An optional integer query parameter, else BAD_REQUEST. */
function intQuery(c: ApiContext, name: string): number | undefined {
  const v = c.http.query.get(name);
  if (v === null || v === '') return undefined;
  if (!/^[0-9]{1,15}$/.test(v)) throw new HarborError('BAD_REQUEST', `${name} must be an integer`);
  return Number(v);
}

function strQuery(c: ApiContext, name: string): string | undefined {
  const v = c.http.query.get(name);
  return v === null || v === '' ? undefined : v.slice(0, 64);
}

function sendTotal(c: ApiContext, items: unknown[], total: number, pp: { page: number; pageSize: number }): void {
  const headers: Record<string, string> = { 'X-Total-Count': String(total) };
  const link = linkHeader(c.http, pp, total);
  if (link) headers.Link = link;
  sendJson(c.http, 200, items, headers);
}

export function replicationRoutes(r: ApiRouter): void {
  r.add('GET', '/replication/policies', async (c) => {
    pageParams(c.http);
    const q = parseQuery(c.http.query.get('q'));
    const name = c.http.query.get('name'); // deprecated by Harbor in favour of q=name=~...
    if (name && !q.has('name')) q.set('name', { kind: 'fuzzy', value: name });
    const items = sortBy(filterByQuery(await c.svc.replication.listPolicies(c.principal), q, POLICY_FIELDS), c.http.query.get('sort'), POLICY_FIELDS);
    const p = pageParams(c.http);
    const page = items.slice((p.page - 1) * p.pageSize, p.page * p.pageSize);
    const out = [];
    for (const x of page) out.push(await policyResp(c, x));
    sendTotal(c, out, items.length, p);
  });

  r.add('POST', '/replication/policies', async (c) => {
    const p = await c.svc.replication.createPolicy(c.principal, await readObject(c.http));
    sendEmpty(c.http, 201, { Location: `/api/v2.0/replication/policies/${p.id}` });
  });

  r.add('GET', '/replication/policies/{id}', async (c) => {
    sendJson(c.http, 200, await policyResp(c, await c.svc.replication.getPolicy(c.principal, idParam(c, 'id'))));
  });

  r.add('PUT', '/replication/policies/{id}', async (c) => {
    const id = idParam(c, 'id');
    await c.svc.replication.updatePolicy(c.principal, id, await readObject(c.http));
    sendEmpty(c.http, 200);
  });

  r.add('DELETE', '/replication/policies/{id}', async (c) => {
    await c.svc.replication.deletePolicy(c.principal, idParam(c, 'id'));
    sendEmpty(c.http, 200);
  });

  r.add('GET', '/replication/executions', async (c) => {
    const pp = pageParams(c.http);
    const { items, total } = await c.svc.replication.listExecutions(c.principal, {
      policyId: intQuery(c, 'policy_id'), status: strQuery(c, 'status'), trigger: strQuery(c, 'trigger'),
    }, { offset: (pp.page - 1) * pp.pageSize, limit: pp.pageSize });
    sendTotal(c, items.map(executionResp), total, pp);
  });

  r.add('POST', '/replication/executions', async (c) => {
    const b = await readObject(c.http);
    const policyId = b.policy_id;
    if (typeof policyId !== 'number' || !Number.isSafeInteger(policyId) || policyId < 1) throw new HarborError('BAD_REQUEST', 'policy_id must be a positive integer');
    const id = await c.svc.replication.startByHand(c.principal, policyId);
    sendEmpty(c.http, 201, { Location: `/api/v2.0/replication/executions/${id}` });
  });

  r.add('GET', '/replication/executions/{id}', async (c) => {
    sendJson(c.http, 200, executionResp(await c.svc.replication.getExecution(c.principal, idParam(c, 'id'))));
  });

  r.add('PUT', '/replication/executions/{id}', async (c) => {
    await c.svc.replication.stop(c.principal, idParam(c, 'id'));
    sendEmpty(c.http, 200);
  });

  r.add('GET', '/replication/executions/{id}/tasks', async (c) => {
    const pp = pageParams(c.http);
    const { items, total } = await c.svc.replication.listTasks(c.principal, idParam(c, 'id'), {
      status: strQuery(c, 'status'), resourceType: strQuery(c, 'resource_type'),
    }, { offset: (pp.page - 1) * pp.pageSize, limit: pp.pageSize });
    sendTotal(c, items.map(taskResp), total, pp);
  });

  r.add('GET', '/replication/executions/{id}/tasks/{task_id}/log', async (c) => {
    const t = await c.svc.replication.task(c.principal, idParam(c, 'id'), idParam(c, 'task_id'));
    const body = Buffer.from(t.log);
    c.http.res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
    c.http.res.end(body);
  });

  r.add('GET', '/replication/adapters', async (c) => {
    requireSysadmin(c.principal);
    sendJson(c.http, 200, adapterTypes());
  });

  r.add('GET', '/replication/adapterinfos', async (c) => {
    requireSysadmin(c.principal);
    const infos = adapterInfos();
    sendJson(c.http, 200, Object.fromEntries(Object.keys(infos).map((t) => [t, {
      endpoint_pattern: { endpoint_type: 'EndpointPatternTypeFreeInput', endpoints: [] },
      credential_pattern: { access_key_type: 'AccessKeyTypeFreeInput', access_key_data: '', access_secret_type: 'AccessSecretTypeFreeInput', access_secret_data: '' },
    }])));
  });
}
