// /ping and /systeminfo (anonymous, to check that a server is a Harbor before logging in), /health
// and /statistics (swagger tags health and statistic).
import type { HarborClient } from './http.js';
import type { HealthStatus, Statistics, SystemInfo } from './types.js';

export async function ping(c: HarborClient): Promise<string> {
  const r = await c.request<string>('GET', '/ping', { headers: { accept: 'text/plain, application/json' } });
  return typeof r.data === 'string' ? r.data : JSON.stringify(r.data);
}

export async function systemInfo(c: HarborClient): Promise<SystemInfo> {
  return (await c.request<SystemInfo>('GET', '/systeminfo')).data;
}

export async function health(c: HarborClient): Promise<HealthStatus> {
  return (await c.request<HealthStatus>('GET', '/health')).data;
}

export async function statistics(c: HarborClient): Promise<Statistics> {
  return (await c.request<Statistics>('GET', '/statistics')).data;
}
