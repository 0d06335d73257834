// `harborctl migrate`'s blob half: every committed blob of one store into another, through the
// stores' own interface (so any pair of backends works), streamed: a blob goes chunk by chunk from
// the source's read stream into an upload on the target, hashed on the way, and is committed under
// its digest only when the hash matches. A blob the target already has with the same size is
// skipped: that is what makes a rerun after an interruption finish the job (content-addressed: a
// digest names its bytes; blobIntact re-hashes them all afterwards).
import { createHash, randomUUID } from 'node:crypto';
import { HarborError } from '../../core/errors.js';
import type { BlobStore } from './types.js';

export interface BlobSource { digest: string; size: number }

/** Every blob of `store` with its size, in listing order. */
export async function listBlobs(store: BlobStore): Promise<BlobSource[]> {
  const out: BlobSource[] = [];
  for await (const digest of store.list()) {
    const size = await store.stat(digest);
    if (size !== null) out.push({ digest, size });
  }
  return out;
}

/** The hash of a digest's algorithm ("sha256:..." → sha256). */
function hasherFor(digest: string): ReturnType<typeof createHash> {
  return createHash(digest.slice(0, digest.indexOf(':')));
}

/** Copies one blob unless `to` has it with the same size; true when it was copied. `onBytes` hears each chunk. */
export async function copyBlob(from: BlobStore, to: BlobStore, blob: BlobSource, onBytes?: (n: number) => void): Promise<boolean> {
  if ((await to.stat(blob.digest)) === blob.size) return false;
  const id = randomUUID();
  await to.createUpload(id);
  try {
    const hash = hasherFor(blob.digest);
    const source = await from.read(blob.digest);
    async function* hashed(): AsyncIterable<Uint8Array> {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        hash.update(chunk);
        onBytes?.(chunk.length);
        yield chunk;
      }
    }
    await to.append(id, hashed(), 0, blob.size);
    const got = `${blob.digest.slice(0, blob.digest.indexOf(':'))}:${hash.digest('hex')}`;
    if (got !== blob.digest) throw new HarborError('DIGEST_INVALID', `the source's blob ${blob.digest} hashes to ${got}: the source store is damaged`);
    await to.commit(id, blob.digest);
    return true;
  } catch (e) {
    await to.cancelUpload(id).catch(() => undefined);
    throw e;
  }
}

/** Reads a blob of `store` whole (streamed) and says whether it has `size` bytes hashing to its digest. */
export async function blobIntact(store: BlobStore, blob: BlobSource, onBytes?: (n: number) => void): Promise<boolean> {
  if ((await store.stat(blob.digest)) !== blob.size) return false;
  const hash = hasherFor(blob.digest);
  let size = 0;
  for await (const chunk of (await store.read(blob.digest)) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
    onBytes?.(chunk.length);
  }
  return size === blob.size && `${blob.digest.slice(0, blob.digest.indexOf(':'))}:${hash.digest('hex')}` === blob.digest;
}
