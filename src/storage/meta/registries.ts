// Registry endpoints (Harbor's registries) and what the proxy cache keeps about its upstream tags.

/**
 * A registry endpoint (Harbor's Registry): an upstream for proxy-cache projects. `accessSecretEnc` is
 * the credential's secret as ciphertext (services/registries.ts); the store never sees the plaintext.
 */
export interface RegistryEndpoint {
  id: number;
  name: string;
  type: string;
  url: string;
  description: string;
  insecure: boolean;
  caCertificate: string | null;
  credentialType: string | null;
  accessKey: string | null;
  accessSecretEnc: string | null;
  /** healthy, unhealthy or unknown: the last ping's verdict. */
  status: string;
  createdAt: string;
  updatedAt: string;
}

export type NewRegistryEndpoint = Omit<RegistryEndpoint, 'id' | 'status' | 'createdAt' | 'updatedAt'>;

/** A change to an endpoint: fields left undefined stay; credential fields set to null are cleared. */
export interface RegistryEndpointPatch {
  name?: string;
  type?: string;
  url?: string;
  description?: string;
  insecure?: boolean;
  caCertificate?: string | null;
  credentialType?: string | null;
  accessKey?: string | null;
  accessSecretEnc?: string | null;
  status?: string;
}

/** A tag of a proxy-cache project as the cache listing shows it. */
export interface CachedTag {
  repository: string;
  tag: string;
  digest: string;
  mediaType: string;
  /** The manifest plus the blobs of it that are cached. */
  cachedSize: number;
  pushedAt: string;
  /** When the upstream last confirmed (or moved) the tag; null before the first check. */
  revalidatedAt: string | null;
}

/** Registry endpoints, and the proxy cache's tag revalidation and listing. */
export interface RegistryStore {
  /** CONFLICT when the name is taken (as every create of a named thing: projects, users, robots). */
  createRegistry(r: NewRegistryEndpoint): Promise<RegistryEndpoint>;
  getRegistryById(id: number): Promise<RegistryEndpoint | null>;
  getRegistryByName(name: string): Promise<RegistryEndpoint | null>;
  /** Every endpoint, by id; the services filter (an endpoint list is small). */
  listRegistries(): Promise<RegistryEndpoint[]>;
  updateRegistry(id: number, patch: RegistryEndpointPatch): Promise<RegistryEndpoint | null>;
  deleteRegistry(id: number): Promise<boolean>;
  /** Names of the proxy-cache projects that pull through the endpoint. */
  projectsUsingRegistry(id: number): Promise<string[]>;
  /** When the tag was last confirmed against the upstream (ISO time), null when never or no such tag. */
  getTagRevalidation(repository: string, tag: string): Promise<string | null>;
  markTagRevalidated(repository: string, tag: string): Promise<void>;
  /** Every tag of the project's repositories with what is cached of it. */
  listCachedTags(projectId: number): Promise<CachedTag[]>;
}
