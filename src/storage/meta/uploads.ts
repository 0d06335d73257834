// Blob upload sessions (the bytes are in the blob store's upload area).

/**
 * `size`: the bytes accepted so far (what a status request reports and where the next chunk must
 * start); null for a session created before the database kept it, whose blob store knows.
 * `claimedAt`: when a writer last claimed or renewed it (null: nobody is writing it).
 */
export interface UploadSession { id: string; repository: string; createdAt: number; updatedAt: number; size?: number | null; claimedAt?: number | null }

/**
 * Upload sessions, by id; times are Unix milliseconds. A request writes an upload's bytes only as
 * its single writer: `claimUpload` is a compare-and-set on the row (the session's size must be the
 * chunk's start and no other writer may hold it), so two replicas never append at once.
 */
export interface UploadStore {
  /** A new session, with size 0. */
  createUpload(s: UploadSession): Promise<void>;
  getUpload(id: string): Promise<UploadSession | null>;
  touchUpload(id: string, at: number): Promise<void>;
  deleteUpload(id: string): Promise<void>;
  listUploadsBefore(updatedBefore: number): Promise<UploadSession[]>;
  /**
   * Makes `writer` the session's only writer when its size is `offset` (or unknown) and nobody
   * writes it, or its writer's claim was last renewed before `staleBefore` (a replica that died).
   * False when another request won.
   */
  claimUpload(id: string, offset: number, writer: string, at: number, staleBefore: number): Promise<boolean>;
  /** Keeps `writer`'s claim alive; false when it no longer holds it. */
  renewClaim(id: string, writer: string, at: number): Promise<boolean>;
  /** Ends `writer`'s claim, setting the size to `size` (null: unchanged); false when it no longer held it. */
  releaseUpload(id: string, writer: string, size: number | null, at: number): Promise<boolean>;
}

/** The statements both backends run (`?` placeholders; the PostgreSQL one numbers them). */
export const UPLOAD_SQL = {
  columns: 'id, repository, created_at, updated_at, size, claimed_at',
  claim: 'UPDATE uploads SET writer = ?, claimed_at = ?, updated_at = ? WHERE id = ? AND (size = ? OR size IS NULL) AND (writer IS NULL OR claimed_at < ?)',
  renew: 'UPDATE uploads SET claimed_at = ?, updated_at = ? WHERE id = ? AND writer = ?',
  release: 'UPDATE uploads SET writer = NULL, claimed_at = NULL, size = COALESCE(?, size), updated_at = ? WHERE id = ? AND writer = ?',
};

export type UploadRow = { id: string; repository: string; created_at: number; updated_at: number; size: number | null; claimed_at: number | null };

export const toUpload = (x: UploadRow): UploadSession => ({
  id: x.id, repository: x.repository, createdAt: x.created_at, updatedAt: x.updated_at, size: x.size, claimedAt: x.claimed_at,
});
