// What the replication engine asks of a remote registry, one implementation per Harbor adapter type
// (src/pkg/reg/adapter/* in Harbor): what it supports (/replication/adapterinfos), whether it is
// healthy, which repositories and tags it has (the registry's catalog, or the vendor's own API when
// the catalog is closed, as on Docker Hub and ACR), preparing namespaces before a push, and how
// /v2/ requests are authorized (the Docker token dance with the endpoint's credential by default;
// temporary or exchanged credentials on the clouds). The bytes themselves always move through the
// registry's /v2/ API (services/upstream.ts), streamed.
import type { UpstreamEndpoint } from '../upstream.js';

/** Harbor's AdapterInfo (swagger `RegistryInfo`): what /replication/adapterinfos answers per type. */
export interface AdapterInfo {
  type: string;
  description: string;
  supported_resource_filters: { type: 'name' | 'tag' | 'label' | 'resource'; style: 'input' | 'radio' | 'list'; values?: string[] }[];
  supported_triggers: ('manual' | 'scheduled' | 'event_based')[];
  supported_copy_by_chunk?: boolean;
}

/**
 * How a /v2/ request to this registry is authorized. `basic` is the Docker token dance (or Basic)
 * with that user name and password, which may be temporary (ACR EE's GetAuthorizationToken);
 * `bearer` gives the Authorization header for a set of scopes directly (ACR's /oauth2/token).
 */
export type RegistryAuth =
  | { kind: 'anonymous' }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token(scopes: string[]): Promise<string> };
// (`token` may answer the bare token or the whole `Bearer …` value; UpstreamClient takes either.)

export interface Adapter {
  readonly info: AdapterInfo;
  /** Throws (UpstreamError) when the registry cannot be reached or refuses the credential. */
  healthCheck(): Promise<void>;
  /** The base URL of the registry's /v2/ API (Docker Hub's is not its web address). */
  v2Base(): string;
  /** The authorization for /v2/ requests; asked again when a request is refused with 401. */
  auth(): Promise<RegistryAuth>;
  /** Every repository (full name, `namespace/name`) the credential can see, for pull-based policies. */
  listRepositories(): Promise<string[]>;
  listTags(repository: string): Promise<string[]>;
  /** Creates what a push into these repositories needs first (Harbor projects, ACR EE namespaces). */
  prepareForPush(repositories: string[]): Promise<void>;
  /**
   * Optional: a repository's artifacts with their tags and labels, where the registry's own API says
   * (Harbor's artifact list). Without it a pull-based policy lists tags, and cannot filter by label.
   */
  listArtifacts?(repository: string): Promise<RemoteArtifact[]>;
  /** Optional: deletes one tag and leaves its artifact (Harbor's API); false when it was not there. Without it, a replicated tag deletion fails. */
  deleteTag?(repository: string, tag: string): Promise<boolean>;
  /** Frees what the adapter holds (connections); optional. */
  close?(): Promise<void>;
}

/** An artifact as an adapter's listArtifacts() sees it; `type` is Harbor's (IMAGE, SBOM, ...). */
export interface RemoteArtifact { digest: string; tags: string[]; labels: string[]; type: string }

/**
 * `credentialType`: Harbor's credential type of the endpoint (`basic`, `oauth`); azure-acr reads an
 * `oauth` credential's secret as an Azure AD access token to exchange, as ACR's /oauth2/exchange does.
 */
export type AdapterFactory = (endpoint: UpstreamEndpoint & { id?: number; name?: string; credentialType?: string | null }) => Adapter;
