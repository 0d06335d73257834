// Harbor's `docker-registry` adapter (src/pkg/reg/adapter/native): any registry that speaks the
// distribution API. Repositories come from its catalog, tags from tags/list; nothing needs creating
// before a push; /v2/ requests take the endpoint's user and password through the token dance.
import type { Adapter, AdapterFactory, AdapterInfo, RegistryAuth } from '../adapter.js';
import { registryBase, UpstreamClient, type UpstreamEndpoint } from '../../upstream.js';

/** How long an adapter's own requests (ping, listings) may wait for an answer. */
export const ADAPTER_TIMEOUT_MS = 30_000;

export class DockerRegistryAdapter implements Adapter {
  readonly info: AdapterInfo = {
    type: 'docker-registry',
    description: 'A registry that speaks the OCI distribution API (the Docker Registry, distribution/distribution, zot ...)',
    supported_resource_filters: [{ type: 'name', style: 'input' }, { type: 'tag', style: 'input' }],
    supported_triggers: ['manual', 'scheduled'],
    supported_copy_by_chunk: true,
  };

  private upstream: UpstreamClient | undefined;

  constructor(protected readonly endpoint: UpstreamEndpoint) {}

  /** Made at first use: an adapter built only for its `info` holds no connection pool. */
  protected get client(): UpstreamClient {
    this.upstream ??= new UpstreamClient(this.endpoint, ADAPTER_TIMEOUT_MS);
    return this.upstream;
  }

  async healthCheck(): Promise<void> {
    await this.client.ping();
  }

  v2Base(): string {
    return registryBase(this.endpoint);
  }

  async auth(): Promise<RegistryAuth> {
    const { username, password } = this.endpoint;
    return username && password ? { kind: 'basic', username, password } : { kind: 'anonymous' };
  }

  async listRepositories(): Promise<string[]> {
    return this.client.catalog();
  }

  async listTags(repository: string): Promise<string[]> {
    return this.client.tags(repository);
  }

  async prepareForPush(_repositories: string[]): Promise<void> {}

  async close(): Promise<void> {
    await this.upstream?.close();
  }
}

export const dockerRegistryAdapter: AdapterFactory = (endpoint) => new DockerRegistryAdapter(endpoint);
