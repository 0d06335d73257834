// What garbage collection asks of the metadata (services/gc.ts holds the algorithm and its proof).
import type { BlobRecord } from './content.js';

/** A manifest GC may delete with delete_untagged: untagged, not an accessory, no index's child. */
export interface UntaggedManifest { id: number; repository: string; digest: string }

/** What a GC would delete, as a dry run finds it (simulate). */
export interface GcPlan { artifacts: UntaggedManifest[]; blobs: BlobRecord[] }

/**
 * A blob is referenced while a manifest in any repository references it or an unreleased link holds
 * it (an upload or mount not yet used by a manifest: the project pays for it and may push the
 * manifest later). Every other blob row, and every released link, is garbage.
 */
export interface GcStore {
  /** Untagged top-level manifests (no tag, no subject in its repository, no index of its repository references it) with id > afterId, in id order. */
  untaggedManifests(afterId: number, limit: number): Promise<UntaggedManifest[]>;
  /**
   * Deletes each manifest with its accessories, only if it is still untagged and top-level (checked
   * in the same transaction, one for the whole list); which were deleted.
   */
  deleteUntagged(items: { repository: string; digest: string }[]): Promise<boolean[]>;
  /** Unreferenced blobs with digest > after, in digest order. */
  unreferencedBlobs(after: string, limit: number): Promise<BlobRecord[]>;
  /** In one transaction: re-checks the blob is unreferenced, then removes its released links and its row. Its size, or null when it was referenced or absent. */
  deleteBlobIfUnreferenced(digest: string): Promise<number | null>;
  /** Is there a blob row for this digest? */
  hasBlob(digest: string): Promise<boolean>;
  /**
   * A dry run: in a transaction that is rolled back, deletes the untagged manifests (when asked) and
   * the unreferenced blob rows exactly as a real run's steps would, and reports what went.
   */
  simulate(deleteUntagged: boolean): Promise<GcPlan>;
}
