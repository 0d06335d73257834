// Harbor tags "jobservice" (/jobservice: worker pools, workers, queues, stopping jobs, job logs) and
// "schedule" (/schedules, /schedules/all/paused), read from our real background work
// (services/jobmonitor.ts), as Harbor's handler/jobservice.go and schedule.go answer them. System
// administrators (a system robot with jobservice-monitor) only, but the paused flag, which any
// signed-in user may read.
import { HarborError } from '../../core/errors.js';
import { jobType, SCHEDULER_QUEUE } from '../../services/scheduler.js';
import { sendEmpty, sendJson } from '../context.js';
import { sendPage } from './paging.js';
import { readObject, type ApiContext, type ApiRouter } from './router.js';

async function requireMonitor(c: ApiContext, action: 'list' | 'stop'): Promise<void> {
  if (await c.svc.access.canSystem(c.principal, 'jobservice-monitor', action)) return;
  throw new HarborError(c.principal.kind === 'anonymous' ? 'UNAUTHORIZED' : 'FORBIDDEN', 'the job service monitor is for system administrators');
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function jobserviceRoutes(r: ApiRouter): void {
  r.add('GET', '/jobservice/pools', async (c) => {
    await requireMonitor(c, 'list');
    sendJson(c.http, 200, c.svc.jobs.pools().map((p) => ({
      pid: p.pid, worker_pool_id: p.id, start_at: iso(p.startAt), heartbeat_at: iso(p.heartbeatAt), concurrency: p.concurrency, host: p.host,
    })));
  });

  r.add('GET', '/jobservice/pools/{pool_id}/workers', async (c) => {
    await requireMonitor(c, 'list');
    sendJson(c.http, 200, c.svc.jobs.workersOf(c.params.pool_id).map((w) => (w.jobId || w.jobName
      ? { id: w.id, pool_id: w.poolId, job_name: w.jobName ?? '', job_id: w.jobId ?? '', ...(w.startAt ? { start_at: iso(w.startAt), checkin_at: iso(w.startAt) } : {}) }
      : { id: w.id, pool_id: w.poolId })));
  });

  r.add('PUT', '/jobservice/jobs/{job_id}', async (c) => {
    await requireMonitor(c, 'stop');
    await c.svc.jobs.stopJob(c.params.job_id);
    sendEmpty(c.http, 200);
  });

  r.add('GET', '/jobservice/jobs/{job_id}/log', async (c) => {
    await requireMonitor(c, 'list');
    const body = Buffer.from(await c.svc.jobs.jobLog(c.params.job_id));
    c.http.res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
    c.http.res.end(body);
  });

  r.add('GET', '/jobservice/queues', async (c) => {
    await requireMonitor(c, 'list');
    sendJson(c.http, 200, (await c.svc.jobs.queues()).map((q) => ({ job_type: q.jobType, count: q.count, latency: q.latency, paused: q.paused })));
  });

  r.add('PUT', '/jobservice/queues/{job_type}', async (c) => {
    await requireMonitor(c, 'stop');
    const action = (await readObject(c.http)).action;
    // go-swagger checks the enum before the handler runs: 422.
    if (action !== 'stop' && action !== 'pause' && action !== 'resume') {
      throw new HarborError('UNPROCESSABLE_ENTITY', 'action_request.action in body should be one of [stop pause resume]');
    }
    await c.svc.jobs.act(c.params.job_type, action);
    sendEmpty(c.http, 200);
  });

  // Every schedule; `paused` (ours) says whether it fires now: not while the scheduler or its job type is paused.
  r.add('GET', '/schedules', async (c) => {
    await requireMonitor(c, 'list');
    const all = await c.svc.scheduler.schedules();
    const paused = await c.svc.jobs.pausedQueues();
    sendPage(c.http, all.map((s, i) => ({ s, id: i + 1 })), ({ s, id }) => {
      const type = jobType(s.kind);
      const vendorId = s.kind.length > type.length ? Number(s.kind.slice(type.length + 1)) : 0;
      return {
        id, vendor_type: type, vendor_id: Number.isSafeInteger(vendorId) ? vendorId : 0, cron: s.cron, update_time: s.updatedAt,
        paused: paused.has(SCHEDULER_QUEUE) || paused.has(type),
      };
    });
  });

  r.add('GET', '/schedules/{job_type}/paused', async (c) => {
    if (c.principal.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    if (c.params.job_type.toLowerCase() !== 'all') throw new HarborError('BAD_REQUEST', 'job_type can only be \'all\'');
    sendJson(c.http, 200, { paused: await c.svc.jobs.schedulerPaused() });
  });
}
