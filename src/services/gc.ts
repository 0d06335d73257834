// Online garbage collection (Harbor's /system/gc job), safe against every concurrent push, mount,
// proxy fetch and upload without a time window and without stopping the registry.
//
// What is garbage (storage/meta/gc.ts): with delete_untagged, untagged top-level manifests (with
// their accessories; an index's children follow in the next pass, once nothing references them);
// blob rows that no manifest references and no unreleased link holds (released links: the blob's
// last manifest in that repository was deleted); blob files with no row at all (bytes a quota
// refused, crash leftovers); upload sessions idle longer than the upload TTL, and upload bytes
// without a session. An unreleased link that no manifest uses yet (a layer pushed before its
// manifest) is not garbage: the project pays for it in its quota and may push the manifest later.
//
// The run: (1) delete untagged manifests, each in a transaction that re-checks it is still untagged
// and top-level; (2) for each unreferenced blob row (a keyset-paged scan: bounded memory), under the
// digest's barrier: a transaction re-checks it is unreferenced and deletes its released links and
// its row, then the file goes; (3) for each file in the blob store, under the barrier: if it has no
// row, it goes; (4) abandoned upload sessions go. A dry run with delete_untagged does (1) and (2)
// for real on a copy of the database (GcStore.simulate: an online backup, then batches with the
// event loop free between them), without it (2) is the list of unreferenced blobs; (3) and (4) only
// count. So it reports the same artifacts, blobs and bytes as a real run on the same state, and
// like the real run it never holds the server up for long.
//
// Why no race loses data. Let W be any writer that makes a blob X usable: an upload commit (bytes
// renamed into place, then linkBlob), a mount (source link and bytes checked, then linkBlob), a
// proxy fetch (commit, then linkBlob). Each runs entirely under the barrier of X (BlobLocks), as do
// GC's deletes of X's row-and-file (2) and file (3). So they are serialized; two cases:
//  a. W first: when W leaves the barrier, X's file exists and an unreleased link holds X. GC's
//     re-check (inside its transaction, inside the barrier) sees the link and deletes nothing.
//  b. GC first: GC deletes X's row and links and then the file, all before W starts. W then checks
//     or writes the bytes itself (a mount finds no file and answers "upload it", a commit puts the
//     file back) and creates the row and link. Either way, when W succeeds the file is there.
// A manifest push makes X referenced only in its own transaction, which requires a link of X in
// the repository (putManifest's check). Transactions are serialized: either the push commits first
// (GC's re-check then sees the reference and skips X) or GC's transaction removed every link first
// (the push is refused with MANIFEST_BLOB_UNKNOWN and writes nothing). And once a blob is referenced
// or linked unreleased, only a delete by the user (manifest, tag of an untagged artifact under
// delete_untagged, blob, repository) can make it garbage again; GC never deletes bytes a successful
// write still needs. Uploads in flight are sessions younger than the TTL and are not touched; a
// session's row is written before its bytes, so bytes without a row are never an upload in flight.
// Pulls: a pull reads only what a manifest references or a link holds, i.e. never garbage.
// With several replicas on one database the barrier is also a database lock per digest
// (BlobLocks over services/locks.ts), around the same critical sections: the proof is unchanged, and
// the scheduler runs GC on one replica at a time (the kind's lock `job:GARBAGE_COLLECTION`).
import type { BlobStore } from '../storage/blobs/types.js';
import type { MetaStores } from '../storage/meta/index.js';
import type { BlobLocks } from './blob-locks.js';
import type { RegistryService } from './registry.js';
import { JobStopped, type JobContext } from './scheduler.js';

export const GC_KIND = 'GARBAGE_COLLECTION';
const BATCH = 500;

export interface GcParams { delete_untagged: boolean; dry_run: boolean; workers: number }

/** What a run deleted (or would delete): Harbor's extra attributes of a GC execution, plus ours. */
export type GcResult = {
  purged_manifests: number;
  purged_blobs: number;
  /** Bytes of blobs and upload sessions. */
  freed_space: number;
  purged_uploads: number;
};

export class GcService {
  constructor(
    private readonly stores: Pick<MetaStores, 'gc'>,
    private readonly blobs: BlobStore,
    private readonly locks: BlobLocks,
    private readonly registry: Pick<RegistryService, 'purgeUploads'>,
  ) {}

  async run(p: GcParams, ctx: Pick<JobContext, 'signal' | 'log'>): Promise<GcResult> {
    const r: GcResult = { purged_manifests: 0, purged_blobs: 0, freed_space: 0, purged_uploads: 0 };
    const verb = p.dry_run ? 'would delete' : 'delete';
    const check = (): void => {
      if (ctx.signal.aborted) throw new JobStopped();
    };
    await ctx.log(`garbage collection started: ${JSON.stringify(p)}`);
    const freed = async (what: string, digest: string, size: number): Promise<void> => {
      r.purged_blobs++;
      r.freed_space += size;
      await ctx.log(`${verb} ${what} ${digest} (${size} bytes)`);
    };

    if (p.dry_run && !p.delete_untagged) {
      // Nothing is deleted before the blob step: the unreferenced blobs are exactly what it would delete.
      for (let after = '', batch = await this.stores.gc.unreferencedBlobs(after, BATCH); batch.length; batch = await this.stores.gc.unreferencedBlobs(after, BATCH)) {
        check();
        for (const b of batch) await freed('blob', b.digest, b.size);
        after = batch[batch.length - 1].digest;
      }
    } else if (p.dry_run) {
      const plan = await this.stores.gc.simulate(true);
      for (const a of plan.artifacts) await ctx.log(`${verb} artifact ${a.repository}@${a.digest}`);
      r.purged_manifests = plan.artifacts.length;
      for (const b of plan.blobs) await freed('blob', b.digest, b.size);
    } else {
      // Passes until one deletes nothing: an index's children become top-level once it is gone.
      for (let changed = p.delete_untagged; changed;) {
        changed = false;
        for (let after = 0, batch = await this.stores.gc.untaggedManifests(after, BATCH); batch.length; batch = await this.stores.gc.untaggedManifests(after, BATCH)) {
          check();
          // A batch per transaction: each project's usage is recounted once per batch.
          const deleted = await this.stores.gc.deleteUntagged(batch);
          for (const [i, m] of batch.entries()) {
            if (!deleted[i]) continue;
            r.purged_manifests++;
            changed = true;
            await ctx.log(`${verb} artifact ${m.repository}@${m.digest}`);
          }
          after = batch[batch.length - 1].id;
        }
      }
      for (let after = '', batch = await this.stores.gc.unreferencedBlobs(after, BATCH); batch.length; batch = await this.stores.gc.unreferencedBlobs(after, BATCH)) {
        after = batch[batch.length - 1].digest;
        await inParallel(batch, p.workers, async (b) => {
          check();
          await this.locks.hold(b.digest, async () => {
            const size = await this.stores.gc.deleteBlobIfUnreferenced(b.digest);
            if (size === null) return;
            await this.blobs.delete(b.digest);
            await freed('blob', b.digest, size);
          });
        });
      }
    }

    // Files without a row: never linked (a quota refused them) or left by a crash.
    for await (const digest of this.blobs.list()) {
      check();
      if (await this.stores.gc.hasBlob(digest)) continue;
      await this.locks.hold(digest, async () => {
        if (await this.stores.gc.hasBlob(digest)) return;
        const size = await this.blobs.stat(digest);
        if (size === null) return;
        if (!p.dry_run && !(await this.blobs.delete(digest))) return;
        await freed('unreferenced file', digest, size);
      });
    }

    check();
    const uploads = await this.registry.purgeUploads({ dryRun: p.dry_run });
    r.purged_uploads = uploads.count;
    r.freed_space += uploads.bytes;
    if (uploads.count) await ctx.log(`${verb} ${uploads.count} abandoned upload session(s) (${uploads.bytes} bytes)`);
    await ctx.log(`garbage collection done${p.dry_run ? ' (dry run)' : ''}: ${r.purged_manifests} artifact(s), ${r.purged_blobs} blob(s), ${r.purged_uploads} upload session(s), ${r.freed_space} bytes`);
    return r;
  }
}

/** Runs `fn` over `items`, at most `n` at a time. */
async function inParallel<T>(items: T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}
