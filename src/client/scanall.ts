// Scan all (swagger tag "scanAll"): /system/scanAll/schedule (run now, or on a schedule),
// /system/scanAll/stop, /scans/all/metrics.
import type { HarborClient } from './http.js';

/** swagger definitions.Stats: the latest scan-all's progress. */
export interface ScanAllStats {
  total?: number;
  completed?: number;
  metrics?: Record<string, number>;
  ongoing?: boolean;
  trigger?: string;
}

export interface ScanAllSchedule { schedule?: { type?: string; cron?: string; next_scheduled_time?: string } }

export async function runScanAll(c: HarborClient): Promise<void> {
  await c.request('POST', '/system/scanAll/schedule', { body: { schedule: { type: 'Manual' } } });
}

export async function stopScanAll(c: HarborClient): Promise<void> {
  await c.request('POST', '/system/scanAll/stop');
}

export async function scanAllMetrics(c: HarborClient): Promise<ScanAllStats> {
  return (await c.request<ScanAllStats>('GET', '/scans/all/metrics')).data ?? {};
}

/** The schedule, or null when there is none (Harbor answers {}). */
export async function getScanAllSchedule(c: HarborClient): Promise<ScanAllSchedule | null> {
  const s = (await c.request<ScanAllSchedule>('GET', '/system/scanAll/schedule')).data;
  return s && s.schedule?.type ? s : null;
}

/** Sets the schedule (Hourly, Daily, Weekly, Custom with a 6-field cron, or None to remove it). */
export async function setScanAllSchedule(c: HarborClient, type: string, cron: string | undefined): Promise<void> {
  await c.request('PUT', '/system/scanAll/schedule', { body: { schedule: { type, ...(cron ? { cron } : {}) } } });
}
