// /ping and /systeminfo: anonymous, used to check that a server is a Harbor before logging in.
import type { HarborClient } from './http.js';
import type { SystemInfo } from './types.js';

export async function ping(c: HarborClient): Promise<string> {
  const r = await c.request<string>('GET', '/ping', { headers: { accept: 'text/plain, application/json' } });
  return typeof r.data === 'string' ? r.data : JSON.stringify(r.data);
}

export async function systemInfo(c: HarborClient): Promise<SystemInfo> {
  return (await c.request<SystemInfo>('GET', '/systeminfo')).data;
}
