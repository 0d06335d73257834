// Harbor tags "gc" and "purge": a system job with a schedule, a history, a log and a stop, on the
// scheduler (services/scheduler.ts). Both APIs are the same shape (GCHistory / ExecHistory):
//   GET {base} (history, paged), GET {base}/{id}, PUT {base}/{id} (stop), GET {base}/{id}/log,
//   GET|POST|PUT {base}/schedule (ScheduleObj type Manual runs now, None removes the schedule).
// System administrators only (a system robot with the resource's permission), as Harbor.
import { HarborError } from '../../core/errors.js';
import type { ExecutionRecord } from '../../storage/meta/index.js';
import type { Scheduler } from '../../services/scheduler.js';
import { sendEmpty, sendJson } from '../context.js';
import { linkHeader, pageParams } from './paging.js';
import { idParam, readObject, type ApiContext, type ApiRouter } from './router.js';

export interface SystemJob {
  /** e.g. /system/gc */
  base: string;
  /** The path parameter of an execution id, as Harbor's swagger names it. */
  idName: string;
  kind: string;
  /** Harbor's RBAC resource (garbage-collection, purge-audit). */
  resource: string;
  /** Validates a schedule's `parameters`, filling in defaults; BAD_REQUEST on a bad value. */
  parameters(raw: Record<string, unknown>): Record<string, unknown>;
}

async function require(c: ApiContext, job: SystemJob, action: string): Promise<Scheduler> {
  if (!(await c.svc.access.canSystem(c.principal, job.resource, action))) {
    if (c.principal.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    throw new HarborError('FORBIDDEN', `${job.resource} is for system administrators`);
  }
  return c.svc.scheduler;
}

/** GCHistory / ExecHistory. */
function history(e: ExecutionRecord): Record<string, unknown> {
  return {
    id: e.id, job_name: e.kind, job_kind: e.trigger, job_parameters: JSON.stringify(e.parameters), job_status: e.status,
    deleted: false, creation_time: e.createdAt, update_time: e.updatedAt,
  };
}

async function execution(c: ApiContext, job: SystemJob): Promise<ExecutionRecord> {
  const e = await (await require(c, job, 'read')).execution(job.kind, idParam(c, job.idName));
  if (!e) throw new HarborError('NOT_FOUND', `${job.kind} execution ${c.params[job.idName]} not found`);
  return e;
}

/** A Schedule body → (type, cron, parameters). */
export function scheduleBody(job: Pick<SystemJob, 'parameters'>, body: Record<string, unknown>): { type: string; cron: string | undefined; parameters: Record<string, unknown> } {
  const s = body.schedule;
  if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new HarborError('BAD_REQUEST', 'schedule is required: {"schedule":{"type":"Manual"}}');
  const { type, cron } = s as Record<string, unknown>;
  if (typeof type !== 'string') throw new HarborError('BAD_REQUEST', 'schedule.type must be a string');
  if (cron !== undefined && cron !== null && typeof cron !== 'string') throw new HarborError('BAD_REQUEST', 'schedule.cron must be a string');
  const p = body.parameters ?? {};
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new HarborError('BAD_REQUEST', 'parameters must be an object');
  // Removing a schedule needs no parameters.
  return { type, cron: (cron as string | null | undefined) || undefined, parameters: type === 'None' ? {} : job.parameters(p as Record<string, unknown>) };
}

async function setSchedule(c: ApiContext, job: SystemJob, created: number): Promise<void> {
  const scheduler = await require(c, job, created === 201 ? 'create' : 'update');
  const s = scheduleBody(job, await readObject(c.http));
  if (s.type === 'Manual') {
    const e = await scheduler.trigger(job.kind, 'MANUAL', s.parameters);
    sendEmpty(c.http, created, { Location: `/api/v2.0${job.base}/${e.id}` });
    return;
  }
  await scheduler.setSchedule(job.kind, s.type, s.cron, s.parameters);
  sendEmpty(c.http, created);
}

export function systemJobRoutes(r: ApiRouter, job: SystemJob): void {
  r.add('GET', job.base, async (c) => {
    const scheduler = await require(c, job, 'list');
    const p = pageParams(c.http);
    const { items, total } = await scheduler.history(job.kind, { offset: (p.page - 1) * p.pageSize, limit: p.pageSize });
    const headers: Record<string, string> = { 'X-Total-Count': String(total) };
    const link = linkHeader(c.http, p, total);
    if (link) headers.Link = link;
    sendJson(c.http, 200, items.map(history), headers);
  });
  r.add('GET', `${job.base}/schedule`, async (c) => {
    const s = await (await require(c, job, 'read')).getSchedule(job.kind);
    // Harbor answers an empty object when there is no schedule.
    sendJson(c.http, 200, s ? {
      id: 1, job_name: job.kind, job_kind: 'SCHEDULE', job_parameters: JSON.stringify(s.parameters), deleted: false,
      schedule: { type: s.type, cron: s.cron, ...(s.nextScheduledTime ? { next_scheduled_time: s.nextScheduledTime } : {}) },
      creation_time: s.createdAt, update_time: s.updatedAt,
    } : {});
  });
  r.add('POST', `${job.base}/schedule`, (c) => setSchedule(c, job, 201));
  r.add('PUT', `${job.base}/schedule`, (c) => setSchedule(c, job, 200));
  r.add('GET', `${job.base}/{${job.idName}}`, async (c) => sendJson(c.http, 200, history(await execution(c, job))));
  r.add('PUT', `${job.base}/{${job.idName}}`, async (c) => {
    const scheduler = await require(c, job, 'stop');
    await scheduler.stop(job.kind, idParam(c, job.idName));
    sendEmpty(c.http, 200);
  });
  r.add('GET', `${job.base}/{${job.idName}}/log`, async (c) => {
    const e = await execution(c, job);
    const body = Buffer.from((await c.svc.scheduler.executionLog(job.kind, e.id)) ?? '');
    c.http.res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
    c.http.res.end(body);
  });
}
