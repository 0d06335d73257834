// The blob store: content-addressed bytes, and the upload sessions that become them.
// Content becomes visible only when an upload is committed under its verified digest.
import type { Readable, Writable } from 'node:stream';
import { HarborError } from '../../core/errors.js';

export interface ByteRange { start: number; end: number } // inclusive, as HTTP Range

/** A chunk that does not start where the upload ends (416), with the upload's Range as the client needs it. */
export function staleChunk(offset: number, size: number, why = ''): HarborError {
  return new HarborError('RANGE_INVALID', `chunk starts at ${offset} but the upload has ${size} bytes${why}`, {
    headers: { Range: `0-${Math.max(size - 1, 0)}` },
  });
}

/**
 * A blob stream that can also write itself to a sink through a few reused buffers, instead of a new
 * buffer per chunk: a 256 MiB download then allocates 1 MiB, not 256 MiB that the GC must collect.
 * Consumers that can use it call `sendTo` instead of reading the stream (never both); it ends the
 * sink after the last byte, as `pipeline` does.
 */
export interface SendableBlob extends Readable {
  sendTo(sink: Writable): Promise<void>;
}

export function isSendable(s: Readable): s is SendableBlob {
  return typeof (s as Partial<SendableBlob>).sendTo === 'function';
}

export interface BlobStore {
  /** Size of a committed blob, or null. */
  stat(digest: string): Promise<number | null>;
  /** A stream of a committed blob (or one inclusive range of it), possibly sendable. Throws BLOB_UNKNOWN. */
  read(digest: string, range?: ByteRange): Promise<Readable>;
  /** Removes a committed blob; false when it was not there. */
  delete(digest: string): Promise<boolean>;
  /**
   * A URL a client may GET the committed blob from directly, for a limited time (an S3 presigned
   * URL when the store is configured to redirect), or null to stream it through the registry.
   */
  redirectUrl?(digest: string): Promise<string | null>;
  /** Every committed digest (for garbage collection and consistency checks). */
  list(): AsyncIterable<string>;

  /** Starts an empty upload. */
  createUpload(id: string): Promise<void>;
  /** Bytes of the chunks appended so far (not of one still arriving), or null for an unknown upload. */
  uploadSize(id: string): Promise<number | null>;
  /**
   * Appends `source` at `offset` (which must equal the current size). `length`, when known, is the
   * exact count the request promised. On any failure the upload is left exactly as it was.
   * Returns the new size.
   */
  append(id: string, source: AsyncIterable<Uint8Array>, offset: number, length?: number): Promise<number>;
  /** Verifies the upload's content against `digest` and moves it into place. Returns the size. */
  commit(id: string, digest: string): Promise<number>;
  /** Drops the upload's bytes past `size`: a chunk whose writer died before the database accepted it. */
  truncateUpload(id: string, size: number): Promise<void>;
  /** Forgets an upload and its bytes. */
  cancelUpload(id: string): Promise<void>;
  /** Ids of every upload that has bytes on disk (to sweep leftovers of sessions that no longer exist). */
  listUploads(): Promise<string[]>;
}
