// Content on the registry's push and pull path: repositories, blob links, manifests, tags and
// referrers. A push (links, tag, referrers, quota usage) is one transaction in the backend.
import type { Page, QuotaShortfall } from './common.js';

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
  /**
   * A manifest a proxy-cache project took from its upstream: stored before the blobs and child
   * manifests it references, which arrive as clients pull them.
   */
  partial?: boolean;
}

export interface StoredManifest { digest: string; mediaType: string; size: number; content: Buffer }

export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export type LinkResult = { ok: true } | { ok: false; quota: QuotaShortfall };

/** A copy's outcome: refused by the quota, or a manifest or blob of the source that is not stored here. */
export type CopyResult = { ok: true } | { ok: false; quota: QuotaShortfall; missing?: undefined } | { ok: false; missing: string; quota?: undefined };

export type PutManifestResult =
  | { ok: true; created: boolean }
  | { ok: false; missingBlobs: string[]; missingManifests: string[]; quota?: undefined }
  | { ok: false; quota: QuotaShortfall; missingBlobs?: undefined; missingManifests?: undefined };

/**
 * Told of each tag a write is about to move to another manifest or remove, inside the write's
 * transaction: throwing refuses the whole write, so a check (immutable tags) and the change cannot
 * interleave with another write.
 */
export type TagGuard = (tag: string, change: 'move' | 'delete') => void;

/**
 * Repositories, blob links, manifests, tags and referrers. A write that changes what a project
 * stores checks its quota and updates its usage (Project.storageUsed) in the same transaction.
 */
export interface ContentStore {
  getRepository(name: string): Promise<Repository | null>;
  listRepositories(page: Page): Promise<string[]>;
  /** Removes a repository with its manifests, tags and blob links (blob bytes stay until GC); usage falls at once. */
  deleteRepository(name: string, guard?: TagGuard): Promise<boolean>;
  /**
   * Records a committed blob and links it into a repository (creating the repository), in one
   * transaction with the project's quota check and usage update; refused when the link would take
   * the project's usage over its storage limit (a blob the project already has adds nothing).
   */
  linkBlob(repository: string, projectId: number, blob: BlobRecord): Promise<LinkResult>;
  /** The linked blob's size when `repository` has it, else null: the access check for blob reads. */
  getBlobLink(repository: string, digest: string): Promise<BlobRecord | null>;
  unlinkBlob(repository: string, digest: string): Promise<boolean>;
  /** In one transaction: checks every reference is present and the quota, stores the manifest, moves the tag. */
  putManifest(repository: string, projectId: number, m: ManifestRecord, tag: string | null, guard?: TagGuard): Promise<PutManifestResult>;
  /** By tag or by digest. */
  getManifest(repository: string, reference: string): Promise<StoredManifest | null>;
  /**
   * A value that differs once any change has been committed to the database since it was read, by
   * this process or another one, or null when the backend cannot tell that cheaply (PostgreSQL). A
   * cache of what was read stays exact by keeping an entry only while the value is unchanged. It is
   * read after the call (at the latest when the event loop's turn has run its I/O callbacks), so
   * never earlier than the request that asked for it arrived.
   */
  changeToken(): Promise<string | null>;
  /**
   * Removes a manifest and every tag on it, with its accessories (manifests of the repository whose
   * subject it is, and theirs: SBOMs, signatures; every accessory kind is a hard reference in
   * Harbor, pkg/accessory/model), and releases
   * the blobs it referenced that no other manifest of the repository references: they stop
   * counting toward the project's usage at once (Harbor drops their project association the same
   * way), while the link stays so the same manifest may be pushed again. False when it was not there.
   */
  deleteManifest(repository: string, digest: string, guard?: TagGuard): Promise<boolean>;
  /** Points a new tag at a manifest; 'exists' when the tag is taken, 'unknown' when the manifest is not there. */
  addTag(repository: string, digest: string, tag: string): Promise<'ok' | 'exists' | 'unknown'>;
  deleteTag(repository: string, tag: string, guard?: TagGuard): Promise<boolean>;
  /** Tags in lexical order, or null for an unknown repository. */
  listTags(repository: string, page: Page): Promise<string[] | null>;
  listReferrers(repository: string, subject: string, artifactType?: string): Promise<ReferrerDescriptor[]>;
  /**
   * Harbor's artifact copy: puts `source`'s manifests `digests` into `target` in this order (a child
   * before its index, a subject before its accessories), linking the blobs they reference and
   * charging the target project's quota, and points `tags.tags` at `tags.digest` (asking `guard` before
   * moving an existing tag); all or nothing.
   */
  copyManifests(source: string, target: string, projectId: number, digests: string[], tags: { digest: string; tags: string[] }, guard?: TagGuard): Promise<CopyResult>;
}
