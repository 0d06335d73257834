// Garbage collection's queries, as sqlite/gc.ts; deletes through the content store's own manifest
// deletion (which locks the projects whose usage it recounts).
import type { BlobRecord, GcPlan, GcStore, UntaggedManifest } from '../index.js';
import { type Clock, type Conn, PgStore } from './common.js';
import type { PgContentStore } from './content.js';
import type pg from 'pg';

const UNREFERENCED = `NOT EXISTS (SELECT 1 FROM manifest_refs r WHERE r.digest = b.digest AND r.kind = 'blob')
  AND NOT EXISTS (SELECT 1 FROM repository_blobs l WHERE l.digest = b.digest AND NOT l.released)`;

const UNTAGGED = `SELECT m.id, r.name AS repository, m.digest FROM manifests m JOIN repositories r ON r.id = m.repository_id
  WHERE m.id > ?
    AND NOT EXISTS (SELECT 1 FROM repository_tags t WHERE t.manifest_id = m.id)
    AND (m.subject IS NULL OR NOT EXISTS (SELECT 1 FROM manifests s WHERE s.repository_id = m.repository_id AND s.digest = m.subject))
    AND NOT EXISTS (SELECT 1 FROM manifest_refs x JOIN manifests o ON o.id = x.manifest_id
      WHERE o.repository_id = m.repository_id AND x.kind = 'manifest' AND x.digest = m.digest)
  ORDER BY m.id LIMIT ?`;

const BATCH = 500;

export class PgGcStore extends PgStore implements GcStore {
  constructor(pool: pg.Pool, now: Clock, private readonly content: PgContentStore) {
    super(pool, now);
  }

  async untaggedManifests(afterId: number, limit: number): Promise<UntaggedManifest[]> {
    return this.db.all<UntaggedManifest>(UNTAGGED, afterId, limit);
  }

  async deleteUntagged(items: { repository: string; digest: string }[]): Promise<boolean[]> {
    return this.content.deleteManifests(items, true);
  }

  async unreferencedBlobs(after: string, limit: number): Promise<BlobRecord[]> {
    return (await this.db.all<{ digest: string; size: number; media_type: string | null }>(
      `SELECT b.digest, b.size, b.media_type FROM blobs b WHERE b.digest > ? AND ${UNREFERENCED} ORDER BY b.digest LIMIT ?`, after, limit))
      .map((r) => ({ digest: r.digest, size: r.size, mediaType: r.media_type }));
  }

  async deleteBlobIfUnreferenced(digest: string): Promise<number | null> {
    return this.tx((c) => this.deleteBlob(c, digest));
  }

  /** The blob row locked, re-checked and removed with its released links; its size, or null. */
  private async deleteBlob(c: Conn, digest: string): Promise<number | null> {
    // The lock makes a concurrent link of the same digest (which upserts the row) wait, then see it gone or kept.
    const size = await c.value<number>(`SELECT b.size FROM blobs b WHERE b.digest = ? AND ${UNREFERENCED} FOR UPDATE`, digest);
    if (size === undefined) return null;
    await c.run('DELETE FROM repository_blobs WHERE digest = ?', digest);
    await c.run('DELETE FROM blobs WHERE digest = ?', digest);
    return size;
  }

  async hasBlob(digest: string): Promise<boolean> {
    return Boolean(await this.db.value('SELECT 1 FROM blobs WHERE digest = ?', digest));
  }

  /**
   * A dry run: a real run's steps, really done in one transaction that is rolled back. It holds
   * the locks of what it deletes (and of the projects concerned) until the end: writers of those
   * rows wait for it (a dry run is an admin's rare request).
   */
  async simulate(deleteUntagged: boolean): Promise<GcPlan> {
    const plan: GcPlan = { artifacts: [], blobs: [] };
    const rollback = new Error('rollback');
    try {
      await this.tx(async (c) => {
        for (let changed = deleteUntagged; changed;) {
          changed = false;
          for (let after = 0, batch = await c.all<UntaggedManifest>(UNTAGGED, after, BATCH); batch.length; batch = await c.all<UntaggedManifest>(UNTAGGED, after, BATCH)) {
            const deleted = await this.content.deleteManifestsIn(c, batch, true);
            batch.forEach((m, i) => {
              if (deleted[i]) plan.artifacts.push(m);
            });
            changed ||= deleted.includes(true);
            after = batch[batch.length - 1].id;
          }
        }
        for (let after = ''; ;) {
          const batch = await c.all<{ digest: string; size: number }>(`SELECT b.digest, b.size FROM blobs b WHERE b.digest > ? AND ${UNREFERENCED}
            ORDER BY b.digest LIMIT ?`, after, BATCH);
          if (batch.length === 0) break;
          for (const b of batch) {
            if (await this.deleteBlob(c, b.digest) !== null) plan.blobs.push({ digest: b.digest, size: b.size });
            after = b.digest;
          }
        }
        throw rollback;
      });
    } catch (e) {
      if (e !== rollback) throw e;
    }
    return plan;
  }
}
