// The one request allowed to write an upload's bytes, across every replica. A PATCH (or a PUT that
// carries the last chunk, or a commit) first claims the session in the database: a compare-and-set
// that wins only when the session's accepted size is the chunk's start and no other request is
// writing it. The loser is refused like any chunk at a stale offset (416), before it reads its body,
// so two replicas never append to the same upload at once and the blob store's bytes always match
// the size the database accepted. The claim is renewed while the bytes stream; one not renewed for
// CLAIM_TTL_MS belonged to a replica that died and may be taken over.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { HarborError } from '../core/errors.js';
import { staleChunk } from '../storage/blobs/types.js';
import type { UploadStore } from '../storage/meta/index.js';

export const CLAIM_TTL_MS = 60_000;
const CLAIM_RENEW_MS = 20_000;

export class UploadWriter {
  private lost = false;
  private body: Readable | undefined;
  private readonly timer: NodeJS.Timeout;

  private constructor(private readonly store: UploadStore, readonly id: string, private readonly token: string, private readonly now: () => number) {
    this.timer = setInterval(() => {
      store.renewClaim(id, token, now()).then((held) => {
        if (held) return;
        this.lost = true;
        this.body?.destroy(tookOver());
      }, () => undefined);
    }, CLAIM_RENEW_MS);
    this.timer.unref();
  }

  /** Claims upload `id` (whose accepted size is `size`) for a write starting at `start`; RANGE_INVALID when another request has it or the start is stale. */
  static async claim(store: UploadStore, id: string, size: number, start: number, now: () => number): Promise<UploadWriter> {
    const token = randomUUID();
    const t = now();
    if (!(await store.claimUpload(id, start, token, t, t - CLAIM_TTL_MS))) throw staleChunk(start, size, start === size ? ' (another request is writing it)' : '');
    return new UploadWriter(store, id, token, now);
  }

  /**
   * The request body, destroyed with BLOB_UPLOAD_INVALID once the claim is lost (this process stalled
   * past the TTL and another took over). The stream itself, not a wrapper: the blob store reads a
   * request's chunks as they come (storage/blobs/fs), which an async generator in between would undo.
   */
  guard(body: AsyncIterable<Uint8Array>): Readable {
    const r = body instanceof Readable ? body : Readable.from(body);
    if (this.lost) r.destroy(tookOver());
    this.body = r;
    return r;
  }

  /** Ends the claim, recording the new accepted size (null: unchanged); false when it had been taken over. */
  async release(size: number | null): Promise<boolean> {
    clearInterval(this.timer);
    this.body = undefined;
    return this.store.releaseUpload(this.id, this.token, size, this.now());
  }

  /** Ends the claim of a session that is gone (committed or cancelled): nothing to write back. */
  done(): void {
    clearInterval(this.timer);
    this.body = undefined;
  }
}

/** What a writer whose claim another request took over is told. */
export const tookOver = (): HarborError => new HarborError('BLOB_UPLOAD_INVALID', 'another request took the upload over');
