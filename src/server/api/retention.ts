// Harbor tag "Retention": /retentions/metadatas, /retentions[/{id}] (policy CRUD), and a policy's
// executions (POST with dry_run, list, PATCH stop), their tasks and each task's log (text/plain).
import { HarborError } from '../../core/errors.js';
import type { RetentionExecutionRecord, RetentionTaskRecord } from '../../storage/meta/index.js';
import { RETENTION_METADATA } from '../../services/retention.js';
import { sendEmpty, sendJson } from '../context.js';
import { pageParams, sendPage } from './paging.js';
import { idParam, optBoolean, readObject, type ApiRouter } from './router.js';

const executionResp = (e: RetentionExecutionRecord) => ({
  id: e.id, policy_id: e.policyId, start_time: e.startTime, end_time: e.endTime ?? '', status: e.status, trigger: e.trigger, dry_run: e.dryRun,
});

const taskResp = (t: RetentionTaskRecord) => ({
  id: t.id, execution_id: t.executionId, repository: t.repository, job_id: '', status: t.status, status_code: t.statusCode, status_revision: 0,
  start_time: t.startTime, end_time: t.endTime ?? '', total: t.total, retained: t.retained,
});

export function retentionRoutes(r: ApiRouter): void {
  r.add('GET', '/retentions/metadatas', async (c) => {
    if (c.principal.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    sendJson(c.http, 200, RETENTION_METADATA);
  });

  r.add('POST', '/retentions', async (c) => {
    const id = await c.svc.retention.create(c.principal, await readObject(c.http));
    sendEmpty(c.http, 201, { Location: `/api/v2.0/retentions/${id}` });
  });

  r.add('GET', '/retentions/{id}', async (c) => {
    sendJson(c.http, 200, await c.svc.retention.get(c.principal, idParam(c, 'id')));
  });

  r.add('PUT', '/retentions/{id}', async (c) => {
    await c.svc.retention.update(c.principal, idParam(c, 'id'), await readObject(c.http));
    sendEmpty(c.http, 200);
  });

  r.add('DELETE', '/retentions/{id}', async (c) => {
    await c.svc.retention.delete(c.principal, idParam(c, 'id'));
    sendEmpty(c.http, 200);
  });

  r.add('POST', '/retentions/{id}/executions', async (c) => {
    const id = idParam(c, 'id');
    const b = await readObject(c.http, { optional: true });
    const eid = await c.svc.retention.trigger(c.principal, id, optBoolean(b, 'dry_run') ?? false);
    sendEmpty(c.http, 201, { Location: `/api/v2.0/retentions/${id}/executions/${eid}` });
  });

  r.add('GET', '/retentions/{id}/executions', async (c) => {
    pageParams(c.http);
    sendPage(c.http, await c.svc.retention.listExecutions(c.principal, idParam(c, 'id')), executionResp);
  });

  r.add('PATCH', '/retentions/{id}/executions/{eid}', async (c) => {
    const b = await readObject(c.http);
    if (b.action !== 'stop') throw new HarborError('BAD_REQUEST', "action should be 'stop'");
    await c.svc.retention.stop(c.principal, idParam(c, 'id'), idParam(c, 'eid'));
    sendEmpty(c.http, 200);
  });

  r.add('GET', '/retentions/{id}/executions/{eid}/tasks', async (c) => {
    pageParams(c.http);
    sendPage(c.http, await c.svc.retention.listTasks(c.principal, idParam(c, 'id'), idParam(c, 'eid')), taskResp);
  });

  r.add('GET', '/retentions/{id}/executions/{eid}/tasks/{tid}', async (c) => {
    const log = Buffer.from(await c.svc.retention.taskLog(c.principal, idParam(c, 'id'), idParam(c, 'eid'), idParam(c, 'tid')));
    c.http.res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': log.length });
    c.http.res.end(log);
  });
}
