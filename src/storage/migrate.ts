// `harborctl migrate`: a single-node registry (SQLite + files) moved into the scale-out stores
// (PostgreSQL + S3, or another directory), in this order:
//   1. open both ends; refuse a source a running serve holds (meta/copy.ts), and a target that holds
//      data without `force`: metadata rows, or blobs the source does not have;
//   2. the blobs, streamed and hashed, skipping those the target already has (blobs/copy.ts);
//   3. the metadata, in one PostgreSQL transaction (replacing the target's rows under `force`);
//   4. verification: rows per table compared, every blob of the source re-read from the target and
//      re-hashed. The result says what differs; the caller fails on any difference.
// Interrupted before 3 commits, the target's database is still empty and its blobs are the source's:
// a rerun is accepted, skips the blobs already there and finishes.
import { HarborError } from '../core/errors.js';
import { blobIntact, copyBlob, listBlobs } from './blobs/copy.js';
import { openBlobStore, type StorageConfig } from './blobs/config.js';
import type { BlobStore } from './blobs/types.js';
import { MetaCopy, type TableCount } from './meta/copy.js';
import type { DbConfig } from './meta/db-url.js';

export interface MigrateOptions {
  fromDb: DbConfig;
  fromStorage: StorageConfig;
  toDb: DbConfig;
  toStorage: StorageConfig;
  force: boolean;
}

export type MigrateEvent =
  | { phase: 'blobs' | 'verify'; blobs: number; bytes: number }
  | { phase: 'bytes'; bytes: number }
  | { phase: 'blobs-done'; copied: number; skipped: number }
  | { phase: 'table'; table: string; rows: number };

export interface MigrateResult {
  blobs: { total: number; copied: number; skipped: number; bytes: number; damaged: string[] };
  tables: (TableCount & { match: boolean })[];
  /** True when every count matches and every blob re-hashed to its digest. */
  verified: boolean;
}

export async function migrateStores(o: MigrateOptions, on: (e: MigrateEvent) => void = () => undefined): Promise<MigrateResult> {
  if (o.fromStorage.kind === 'file' && o.toStorage.kind === 'file' && o.fromStorage.dir === o.toStorage.dir) {
    throw new HarborError('USAGE', '--to-storage is the source\'s own directory');
  }
  const meta = await MetaCopy.open(o.fromDb, o.toDb);
  try {
    const from = await openBlobStore(o.fromStorage);
    const to = await openBlobStore(o.toStorage);
    const blobs = await listBlobs(from);
    const total = blobs.reduce((s, b) => s + b.size, 0);
    const tablesWithRows = await meta.nonEmptyTargetTables();
    const foreign = await foreignBlobs(to, new Set(blobs.map((b) => b.digest)));
    if ((tablesWithRows.length > 0 || foreign > 0) && !o.force) {
      const what = [
        tablesWithRows.length ? `its database has rows (in ${tablesWithRows.slice(0, 3).join(', ')}${tablesWithRows.length > 3 ? ', ...' : ''})` : '',
        foreign ? `its storage has ${foreign} blob(s) the source does not` : '',
      ].filter(Boolean).join(' and ');
      throw new HarborError('TARGET_NOT_EMPTY', `the target is not empty: ${what}; pass --force to replace its metadata (blobs are kept)`);
    }

    on({ phase: 'blobs', blobs: blobs.length, bytes: total });
    let copied = 0;
    for (const b of blobs) {
      if (await copyBlob(from, to, b, (n) => on({ phase: 'bytes', bytes: n }))) copied++;
      else on({ phase: 'bytes', bytes: b.size });
    }
    on({ phase: 'blobs-done', copied, skipped: blobs.length - copied });

    await meta.copy({ replace: tablesWithRows.length > 0, onTable: (table, rows) => on({ phase: 'table', table, rows }) });

    on({ phase: 'verify', blobs: blobs.length, bytes: total });
    const damaged: string[] = [];
    for (const b of blobs) {
      if (!(await blobIntact(to, b, (n) => on({ phase: 'bytes', bytes: n })))) damaged.push(b.digest);
    }
    const tables = (await meta.counts()).map((t) => ({ ...t, match: t.source === t.target }));
    return {
      blobs: { total: blobs.length, copied, skipped: blobs.length - copied, bytes: total, damaged },
      tables,
      verified: damaged.length === 0 && tables.every((t) => t.match),
    };
  } finally {
    await meta.close();
  }
}

async function foreignBlobs(store: BlobStore, ours: Set<string>): Promise<number> {
  let n = 0;
  for await (const d of store.list()) if (!ours.has(d)) n++;
  return n;
}
