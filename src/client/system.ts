// /ping and /systeminfo (anonymous, to check that a server is a Harbor before logging in), /health
// /statistics, /search and /permissions (swagger tags health, statistic, search, permissions).
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

export interface SearchResult {
  project: { name: string; project_id?: number; repo_count?: number; metadata?: { public?: string } }[];
  repository: { repository_name: string; project_name?: string; project_public?: boolean; artifact_count?: number; pull_count?: number }[];
}

export async function search(c: HarborClient, q: string): Promise<SearchResult> {
  const d = (await c.request<SearchResult>('GET', '/search', { query: { q } })).data;
  return { project: d?.project ?? [], repository: d?.repository ?? [] };
}

export interface Permissions { system?: { resource: string; action: string }[]; project?: { resource: string; action: string }[] }

export async function permissions(c: HarborClient): Promise<Permissions> {
  return (await c.request<Permissions>('GET', '/permissions')).data;
}
