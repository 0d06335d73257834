// The metadata store: projects, repositories, blob links, manifests, tags, referrers and upload
// sessions. Every method is one atomic operation, so a backend on another database (PostgreSQL for
// several replicas) can implement it without the services knowing. One contract suite
// (test/unit/meta-store.contract.ts) runs against every backend.

export interface Project {
  id: number;
  name: string;
  public: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface Repository { id: number; name: string; projectId: number }

export interface BlobRecord { digest: string; size: number; mediaType?: string | null }

export interface ManifestRecord {
  digest: string;
  mediaType: string;
  /** artifactType as the referrers API reports it (explicit, else the config's media type). */
  artifactType: string | null;
  size: number;
  content: Buffer;
  subject: string | null;
  annotations: Record<string, string> | null;
  /** Digests of blobs (config, layers) and child manifests this manifest references. */
  blobRefs: string[];
  manifestRefs: string[];
}

export interface StoredManifest { digest: string; mediaType: string; size: number; content: Buffer }

export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface UploadSession { id: string; repository: string; createdAt: number; updatedAt: number }

export interface Page { n?: number; last?: string }

export type PutManifestResult =
  | { ok: true; created: boolean }
  | { ok: false; missingBlobs: string[]; missingManifests: string[] };

export interface MetadataStore {
  // projects
  getProject(name: string): Promise<Project | null>;
  createProject(p: { name: string; public: boolean }): Promise<Project>;

  // repositories and blob links
  getRepository(name: string): Promise<Repository | null>;
  listRepositories(page: Page): Promise<string[]>;
  /** Records a committed blob and links it into a repository (creating the repository). */
  linkBlob(repository: string, projectId: number, blob: BlobRecord): Promise<void>;
  /** The linked blob's size when `repository` has it, else null: the access check for blob reads. */
  getBlobLink(repository: string, digest: string): Promise<BlobRecord | null>;
  unlinkBlob(repository: string, digest: string): Promise<boolean>;

  // manifests and tags
  /** In one transaction: checks every reference is present, stores the manifest, moves the tag. */
  putManifest(repository: string, projectId: number, m: ManifestRecord, tag: string | null): Promise<PutManifestResult>;
  /** By tag or by digest. */
  getManifest(repository: string, reference: string): Promise<StoredManifest | null>;
  /** Removes a manifest and every tag on it; false when it was not there. */
  deleteManifest(repository: string, digest: string): Promise<boolean>;
  deleteTag(repository: string, tag: string): Promise<boolean>;
  /** Tags in lexical order, or null for an unknown repository. */
  listTags(repository: string, page: Page): Promise<string[] | null>;
  listReferrers(repository: string, subject: string, artifactType?: string): Promise<ReferrerDescriptor[]>;

  // upload sessions
  createUpload(s: UploadSession): Promise<void>;
  getUpload(id: string): Promise<UploadSession | null>;
  touchUpload(id: string, at: number): Promise<void>;
  deleteUpload(id: string): Promise<void>;
  listUploadsBefore(updatedBefore: number): Promise<UploadSession[]>;

  close(): Promise<void>;
}
