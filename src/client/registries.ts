// /registries, /registries/ping and /registries/{id} (swagger tag "registry"): the upstream endpoints
// of proxy-cache projects. An endpoint is named by its id or its name. Harbor answers a ping of an
// unhealthy registry with 400; that becomes REGISTRY_UNHEALTHY here (exit 1, not a usage error).
import { HarborError } from '../core/errors.js';
import { seg, type HarborClient, type ListResult, type PageOptions } from './http.js';
import { notFound } from './projects.js';

/** swagger definitions.RegistryCredential (the secret comes back only as a mask). */
export interface RegistryCredential { type?: string; access_key?: string; access_secret?: string }

/** swagger definitions.Registry. */
export interface Registry {
  id: number;
  name: string;
  type: string;
  url: string;
  description?: string;
  insecure?: boolean;
  status?: string;
  credential?: RegistryCredential;
  ca_certificate?: string;
  creation_time?: string;
  update_time?: string;
}

/** swagger definitions.RegistryUpdate (also the flat credential fields of RegistryPing). */
export interface RegistryUpdate {
  name?: string; description?: string; url?: string; insecure?: boolean;
  credential_type?: string; access_key?: string; access_secret?: string;
}

export interface RegistryPing extends Omit<RegistryUpdate, 'name' | 'description'> { id?: number; type?: string }

export function listRegistries(c: HarborClient, page?: PageOptions): Promise<ListResult<Registry>> {
  return c.list<Registry>('/registries', {}, page);
}

export async function getRegistryById(c: HarborClient, id: number): Promise<Registry> {
  try {
    return (await c.request<Registry>('GET', `/registries/${seg(id)}`)).data;
  } catch (e) {
    throw notFound(e, `registry ${id} not found`);
  }
}

/** By id (digits) or by name. */
export async function findRegistry(c: HarborClient, ref: string): Promise<Registry> {
  if (/^\d+$/.test(ref)) return getRegistryById(c, Number(ref));
  const { items } = await listRegistries(c, { pageSize: 0 });
  const found = items.find((r) => r.name === ref);
  if (!found) throw new HarborError('NOT_FOUND', `registry ${ref} not found`);
  return found;
}

/** Creates the endpoint and returns it as the server now describes it (from the Location id). */
export async function createRegistry(c: HarborClient, req: Omit<Registry, 'id'>): Promise<Registry> {
  const res = await c.request('POST', '/registries', { body: req });
  const id = /\/registries\/(\d+)$/.exec(res.headers.location ?? '')?.[1];
  return id ? getRegistryById(c, Number(id)) : findRegistry(c, req.name);
}

export async function updateRegistry(c: HarborClient, id: number, req: RegistryUpdate): Promise<void> {
  try {
    await c.request('PUT', `/registries/${seg(id)}`, { body: req });
  } catch (e) {
    throw notFound(e, `registry ${id} not found`);
  }
}

export async function deleteRegistry(c: HarborClient, id: number): Promise<void> {
  try {
    await c.request('DELETE', `/registries/${seg(id)}`);
  } catch (e) {
    throw notFound(e, `registry ${id} not found`);
  }
}

/** Resolves when the registry is healthy; REGISTRY_UNHEALTHY with the server's reason otherwise. */
export async function pingRegistry(c: HarborClient, req: RegistryPing): Promise<void> {
  try {
    await c.request('POST', '/registries/ping', { body: req });
  } catch (e) {
    if (e instanceof HarborError && e.code === 'BAD_REQUEST' && /unhealthy/.test(e.message)) throw new HarborError('REGISTRY_UNHEALTHY', e.message);
    throw req.id === undefined ? e : notFound(e, `registry ${req.id} not found`);
  }
}
