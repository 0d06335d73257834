// The adapter registry: registry type → factory (Harbor's adapter.RegisterFactory, without init()
// side effects). /replication/adapters lists these types; a policy may only name a registry of one.
import { HarborError } from '../../../core/errors.js';
import type { Adapter, AdapterFactory, AdapterInfo } from '../adapter.js';
import type { UpstreamEndpoint } from '../../upstream.js';
import { aliAcrAdapter } from './ali-acr.js';
import { azureAcrAdapter } from './azure-acr.js';
import { dockerHubAdapter } from './docker-hub.js';
import { dockerRegistryAdapter } from './docker-registry.js';
import { harborAdapter } from './harbor.js';

const FACTORIES: Record<string, AdapterFactory> = {
  'docker-registry': dockerRegistryAdapter,
  harbor: harborAdapter,
  'docker-hub': dockerHubAdapter,
  'azure-acr': azureAcrAdapter,
  'ali-acr': aliAcrAdapter,
};

/** The registry types replication has an adapter for, sorted. */
export function adapterTypes(): string[] {
  return Object.keys(FACTORIES).sort();
}

export function hasAdapter(type: string): boolean {
  return Object.hasOwn(FACTORIES, type);
}

/** The adapter for an endpoint; BAD_REQUEST when its type has none. */
export function createAdapter(endpoint: UpstreamEndpoint & { id?: number; name?: string; credentialType?: string | null }): Adapter {
  if (!hasAdapter(endpoint.type)) {
    throw new HarborError('BAD_REQUEST', `replication does not support registries of type ${JSON.stringify(endpoint.type.slice(0, 64))}; supported: ${adapterTypes().join(', ')}`);
  }
  return FACTORIES[endpoint.type](endpoint);
}

/** What each type's adapter declares (/replication/adapterinfos, /registries/{id}/info). */
export function adapterInfos(): Record<string, AdapterInfo> {
  const none = { type: '', url: 'http://localhost', insecure: false, ca: null, username: null, password: null };
  return Object.fromEntries(adapterTypes().map((t) => [t, FACTORIES[t]({ ...none, type: t }).info]));
}
