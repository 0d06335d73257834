// /system/gc (swagger tag "gc"): run, history, log, stop and schedule of garbage collection.
import { HarborError } from '../core/errors.js';
import { seg, type HarborClient, type ListResult, type PageOptions } from './http.js';

/** swagger definitions.GCHistory. */
export interface GcHistory {
  id: number;
  job_name?: string;
  /** MANUAL or SCHEDULE */
  job_kind?: string;
  /** JSON: delete_untagged, dry_run, workers, and after a run freed_space, purged_blobs, ... */
  job_parameters?: string;
  job_status?: string;
  schedule?: { type?: string; cron?: string; next_scheduled_time?: string };
  creation_time?: string;
  update_time?: string;
}

export interface GcParameters { delete_untagged?: boolean; dry_run?: boolean; workers?: number }

/** Harbor's final job statuses (a run in any other status is still going). */
export const FINAL_STATUSES = ['Success', 'Error', 'Stopped'];

/** Starts a GC now; returns its id (from the Location header). */
export async function runGc(c: HarborClient, parameters: GcParameters): Promise<number> {
  const r = await c.request('POST', '/system/gc/schedule', { body: { schedule: { type: 'Manual' }, parameters } });
  const id = /\/(\d+)$/.exec(r.headers.location ?? '')?.[1];
  if (!id) throw new HarborError('INTERNAL_SERVER_ERROR', 'the server started a GC but did not say which (no Location header)');
  return Number(id);
}

export async function getGc(c: HarborClient, id: number): Promise<GcHistory> {
  return (await c.request<GcHistory>('GET', `/system/gc/${seg(id)}`)).data;
}

export function listGc(c: HarborClient, page?: PageOptions): Promise<ListResult<GcHistory>> {
  return c.list<GcHistory>('/system/gc', {}, page);
}

export async function gcLog(c: HarborClient, id: number): Promise<string> {
  return (await c.request<string>('GET', `/system/gc/${seg(id)}/log`, { headers: { accept: 'text/plain' } })).data ?? '';
}

export async function stopGc(c: HarborClient, id: number): Promise<void> {
  await c.request('PUT', `/system/gc/${seg(id)}`);
}

/** The schedule, or null when there is none (Harbor answers {}). */
export async function getGcSchedule(c: HarborClient): Promise<GcHistory | null> {
  const s = (await c.request<GcHistory>('GET', '/system/gc/schedule')).data;
  return s && s.schedule?.type ? s : null;
}

/** Sets the schedule (type Hourly, Daily, Weekly, Custom with a 6-field cron, or None to remove it). */
export async function setGcSchedule(c: HarborClient, type: string, cron: string | undefined, parameters: GcParameters): Promise<void> {
  await c.request('PUT', '/system/gc/schedule', { body: { schedule: { type, ...(cron ? { cron } : {}) }, parameters } });
}
