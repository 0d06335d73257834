// Garbage collection's queries (reads blobs, repository_blobs, manifests, manifest_refs,
// repository_tags; deletes through the content store's own manifest deletion).
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { openSqlite } from '../../../core/sqlite.js';
import type { BlobRecord, GcPlan, GcStore, UntaggedManifest } from '../index.js';
import { type Clock, SqliteStore } from './common.js';
import { SqliteContentStore } from './content.js';

const UNREFERENCED = `NOT EXISTS (SELECT 1 FROM manifest_refs r WHERE r.digest = b.digest AND r.kind = 'blob')
  AND NOT EXISTS (SELECT 1 FROM repository_blobs l WHERE l.digest = b.digest AND l.released = 0)`;

const BATCH = 500;

let copies = 0;

/** Lets the event loop answer what waits (requests) between two batches of a long job. */
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class SqliteGcStore extends SqliteStore implements GcStore {
  private readonly s;

  constructor(db: Database.Database, now: Clock, private readonly content: SqliteContentStore) {
    super(db, now);
    this.s = {
      untagged: db.prepare(`SELECT m.id, r.name AS repository, m.digest FROM manifests m JOIN repositories r ON r.id = m.repository_id
        WHERE m.id > ?
          AND NOT EXISTS (SELECT 1 FROM repository_tags t WHERE t.manifest_id = m.id)
          AND (m.subject IS NULL OR NOT EXISTS (SELECT 1 FROM manifests s WHERE s.repository_id = m.repository_id AND s.digest = m.subject))
          AND NOT EXISTS (SELECT 1 FROM manifest_refs x JOIN manifests o ON o.id = x.manifest_id
            WHERE o.repository_id = m.repository_id AND x.kind = 'manifest' AND x.digest = m.digest)
        ORDER BY m.id LIMIT ?`),
      unreferenced: db.prepare(`SELECT b.digest, b.size, b.media_type FROM blobs b WHERE b.digest > ? AND ${UNREFERENCED} ORDER BY b.digest LIMIT ?`),
      check: db.prepare(`SELECT b.size FROM blobs b WHERE b.digest = ? AND ${UNREFERENCED}`).pluck(),
      dropLinks: db.prepare('DELETE FROM repository_blobs WHERE digest = ?'),
      dropBlob: db.prepare('DELETE FROM blobs WHERE digest = ?'),
      hasBlob: db.prepare('SELECT 1 FROM blobs WHERE digest = ?').pluck(),
    };
  }

  async untaggedManifests(afterId: number, limit: number): Promise<UntaggedManifest[]> {
    return this.s.untagged.all(afterId, limit) as UntaggedManifest[];
  }

  async deleteUntagged(items: { repository: string; digest: string }[]): Promise<boolean[]> {
    return this.content.deleteManifests(items, true);
  }

  async unreferencedBlobs(after: string, limit: number): Promise<BlobRecord[]> {
    return (this.s.unreferenced.all(after, limit) as { digest: string; size: number; media_type: string | null }[])
      .map((r) => ({ digest: r.digest, size: r.size, mediaType: r.media_type }));
  }

  async deleteBlobIfUnreferenced(digest: string): Promise<number | null> {
    return this.deleteBlobNow(digest);
  }

  private deleteBlobNow(digest: string): number | null {
    return this.db.transaction(() => {
      const size = this.s.check.get(digest) as number | undefined;
      if (size === undefined) return null;
      this.s.dropLinks.run(digest);
      this.s.dropBlob.run(digest);
      return size;
    })();
  }

  async hasBlob(digest: string): Promise<boolean> {
    return Boolean(this.s.hasBlob.get(digest));
  }

  /**
   * A dry run: the same steps as a real run (services/gc.ts), really done, on a copy of the database.
   * SQLite's online backup copies it a few pages at a time while the server goes on, and the copy is
   * worked in batches with the event loop free between them, so a dry run holds neither the
   * database nor the server for long (one rolled-back transaction over 100,000 artifacts held both
   * for a minute). The copy, beside the database, is deleted afterwards.
   */
  async simulate(deleteUntagged: boolean): Promise<GcPlan> {
    const plan: GcPlan = { artifacts: [], blobs: [] };
    const name = this.db.memory ? join(tmpdir(), 'harborctl-gc') : this.db.name;
    const path = `${name}.gc-dry-run-${process.pid}-${++copies}`;
    try {
      await this.db.backup(path);
      const copy = openSqlite(path);
      try {
        copy.pragma('foreign_keys = ON');
        copy.pragma('journal_mode = OFF');
        copy.pragma('synchronous = OFF');
        const gc = new SqliteGcStore(copy, this.now, new SqliteContentStore(copy, this.now));
        // Passes until one deletes nothing: an index's children become top-level once it is gone.
        for (let changed = deleteUntagged; changed;) {
          changed = false;
          for (let after = 0, batch = await gc.untaggedManifests(after, BATCH); batch.length; batch = await gc.untaggedManifests(after, BATCH)) {
            const deleted = await gc.deleteUntagged(batch);
            batch.forEach((m, i) => {
              if (deleted[i]) plan.artifacts.push(m);
            });
            changed ||= deleted.includes(true);
            after = batch[batch.length - 1].id;
            await yieldToLoop();
          }
        }
        for (let after = '', batch = await gc.unreferencedBlobs(after, BATCH); batch.length; batch = await gc.unreferencedBlobs(after, BATCH)) {
          for (const b of batch) {
            if (gc.deleteBlobNow(b.digest) !== null) plan.blobs.push({ digest: b.digest, size: b.size });
            after = b.digest;
          }
          await yieldToLoop();
        }
      } finally {
        copy.close();
      }
    } finally {
      await Promise.all(['', '-wal', '-shm', '-journal'].map((x) => rm(path + x, { force: true })));
    }
    return plan;
  }
}
