// `harborctl migrate`'s metadata half: a copy of a SQLite database into a PostgreSQL one, table by
// table. The only code that knows both backends' schemas, and only through what they share: the
// PostgreSQL schema names its tables and columns as SQLite's final schema does (pg/migrations.ts),
// so the list of tables, their columns and types, and the foreign keys that order them are read
// from the target's catalog rather than written down here a second time.
//
// The whole copy is ONE PostgreSQL transaction: an interrupted run leaves the target as it was (its
// schema, no rows), and the next run simply starts the metadata over. Ids are copied as they are;
// identity sequences are then moved past the highest id, so the next insert gets a new one.
// `locks` is not copied: its rows are leases of live processes, not data.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import type pg from 'pg';
import { HarborError } from '../../core/errors.js';
import { redactDbUrl, type DbConfig } from './db-url.js';

/** Rows of live processes (leased locks): never copied, never compared. */
const NOT_COPIED = new Set(['locks', 'schema_migrations']);
/** A batch is flushed at this many parameters (PostgreSQL allows 65535) or bytes of values. */
const MAX_PARAMS = 30_000;
const MAX_BATCH_BYTES = 8 * 1024 * 1024;

export interface TableInfo {
  name: string;
  columns: { name: string; type: string; identity: boolean }[];
}

export interface TableCount { table: string; source: number; target: number }

/**
 * Orders tables so that every table comes after the tables its foreign keys point at (ties by
 * name, so the order is stable). A cycle (none in our schema) is an error, not a silent guess.
 */
export function fkOrder(tables: string[], references: { child: string; parent: string }[]): string[] {
  const parents = new Map(tables.map((t) => [t, new Set<string>()]));
  for (const { child, parent } of references) {
    if (child !== parent && parents.has(child) && parents.has(parent)) parents.get(child)!.add(parent);
  }
  const done = new Set<string>();
  const out: string[] = [];
  while (out.length < tables.length) {
    const ready = [...parents].filter(([t, ps]) => !done.has(t) && [...ps].every((p) => done.has(p))).map(([t]) => t).sort();
    if (ready.length === 0) throw new Error(`foreign keys form a cycle among ${tables.filter((t) => !done.has(t)).join(', ')}`);
    for (const t of ready) { done.add(t); out.push(t); }
  }
  return out;
}

/** A copy from a SQLite file into a PostgreSQL database, opened by openMetaCopy(). */
export class MetaCopy {
  private constructor(private readonly src: Database.Database, private readonly pool: pg.Pool, readonly tables: TableInfo[]) {}

  /**
   * Opens both ends: the source with its migrations applied (as `serve` would on start), the target
   * created or migrated to the same version. Throws when the source does not exist or a serve
   * holds it, or when the two schemas do not have the same tables.
   */
  static async open(from: DbConfig, to: DbConfig): Promise<MetaCopy> {
    if (from.kind !== 'sqlite') throw new HarborError('USAGE', '--from-db: the source database is a SQLite file (sqlite:PATH)');
    if (to.kind !== 'postgres') throw new HarborError('USAGE', '--to-db: the target database is PostgreSQL (postgres://...); to move a SQLite file, copy it');
    if (!existsSync(from.path)) throw new HarborError('USAGE', `--from-db: no database at ${from.path}`);
    const { openSqliteStores } = await import('./sqlite/index.js');
    const { createPool } = await import('./pg/common.js');
    const { migrate } = await import('./pg/migrations.js');
    const sqlite = openSqliteStores(from.path);
    const src = sqlite.db;
    const pool = createPool(to.url);
    try {
      assertNotServed(src);
      try {
        await migrate(pool);
      } catch (e) {
        // One line naming the database without its password; pg's messages never hold it.
        const why = (e as Error).message || (e as { code?: string }).code || 'connection failed';
        throw new HarborError('UNREACHABLE', `cannot open the database ${redactDbUrl(to)}: ${why}`);
      }
      const tables = await readTables(pool);
      const names = new Set(tables.map((t) => t.name));
      const srcTables = (src.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[])
        .filter((t) => !NOT_COPIED.has(t));
      const missing = srcTables.filter((t) => !names.has(t));
      if (missing.length) throw new Error(`the PostgreSQL schema has no table ${missing.join(', ')}: this harborctl's two backends disagree`);
      for (const t of tables) {
        const cols = new Set((src.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(t.name) as string[]));
        const absent = t.columns.filter((c) => !cols.has(c.name)).map((c) => c.name);
        if (absent.length) throw new Error(`table ${t.name}: SQLite has no column ${absent.join(', ')}: this harborctl's two backends disagree`);
      }
      return new MetaCopy(src, pool, tables);
    } catch (e) {
      await pool.end();
      src.close();
      throw e;
    }
  }

  /** Rows per table, source and target. */
  async counts(): Promise<TableCount[]> {
    const out: TableCount[] = [];
    for (const t of this.tables) {
      const source = this.src.prepare(`SELECT count(*) FROM "${t.name}"`).pluck().get() as number;
      const target = Number((await this.pool.query(`SELECT count(*) AS n FROM "${t.name}"`)).rows[0].n);
      out.push({ table: t.name, source, target });
    }
    return out;
  }

  /** Tables of the target that hold rows (a target with none is empty). */
  async nonEmptyTargetTables(): Promise<string[]> {
    const out: string[] = [];
    for (const t of this.tables) {
      if ((await this.pool.query(`SELECT 1 FROM "${t.name}" LIMIT 1`)).rowCount) out.push(t.name);
    }
    return out;
  }

  /**
   * Copies every table in one transaction; with `replace`, the target's rows go first (in the same
   * transaction). `onTable` hears each table's row count once it is copied.
   */
  async copy(opts: { replace: boolean; onTable?: (table: string, rows: number) => void }): Promise<void> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      try {
        if (opts.replace) await c.query(`TRUNCATE ${this.tables.map((t) => `"${t.name}"`).join(', ')} RESTART IDENTITY CASCADE`);
        for (const t of this.tables) {
          const rows = await this.copyTable(c, t);
          opts.onTable?.(t.name, rows);
        }
        for (const t of this.tables) {
          for (const col of t.columns.filter((x) => x.identity)) {
            // The next id is one past the highest copied (1 for an empty table).
            await c.query(`SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max("${col.name}") FROM "${t.name}"), 0) + 1, false)`, [t.name, col.name]);
          }
        }
        // A transaction PostgreSQL had aborted answers COMMIT with ROLLBACK, not an error.
        if ((await c.query('COMMIT')).command !== 'COMMIT') throw new Error('the target database rolled the copy back');
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    } finally {
      c.release();
    }
  }

  private async copyTable(c: pg.PoolClient, t: TableInfo): Promise<number> {
    const cols = t.columns;
    const list = cols.map((x) => `"${x.name}"`).join(', ');
    const perBatch = Math.max(1, Math.floor(MAX_PARAMS / cols.length));
    let batch: unknown[][] = [];
    let bytes = 0;
    let rows = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      let n = 0;
      const values = batch.map((r) => `(${r.map(() => `$${++n}`).join(', ')})`).join(', ');
      await c.query(`INSERT INTO "${t.name}" (${list}) VALUES ${values}`, batch.flat());
      rows += batch.length;
      batch = [];
      bytes = 0;
    };
    // rowid order where there is one: the copy reads as the table was written.
    const stmt = this.src.prepare(`SELECT ${list} FROM "${t.name}"`).raw(true);
    for (const raw of stmt.iterate() as IterableIterator<unknown[]>) {
      const row = raw.map((v, i) => toPg(v, cols[i].type));
      for (const v of row) bytes += Buffer.isBuffer(v) ? v.length : typeof v === 'string' ? v.length : 8;
      batch.push(row);
      if (batch.length >= perBatch || bytes >= MAX_BATCH_BYTES) await flush();
    }
    await flush();
    return rows;
  }

  async close(): Promise<void> {
    await this.pool.end();
    if (this.src.open) this.src.close();
  }
}

/** SQLite's 0/1 flags become booleans; everything else (text, numbers, blobs, null) goes as it is. */
function toPg(v: unknown, type: string): unknown {
  if (type === 'boolean' && typeof v === 'number') return v !== 0;
  return v;
}

/**
 * A running `serve` holds a `replica:<id>` lock in its database for as long as it lives (renewing
 * the lease): a live lease means the source is in use, and a copy of it would miss what it writes.
 */
function assertNotServed(src: Database.Database): void {
  const until = src.prepare("SELECT max(lease_until) FROM locks WHERE name LIKE 'replica:%' AND lease_until > ?").pluck().get(Date.now()) as number | null;
  if (until !== null) {
    throw new HarborError('SOURCE_IN_USE', `the source database is in use by a running harborctl serve (its lease runs until ${new Date(until).toISOString()}): stop it first`);
  }
}

async function readTables(pool: pg.Pool): Promise<TableInfo[]> {
  const cols = (await pool.query<{ table_name: string; column_name: string; data_type: string; is_identity: string }>(
    `SELECT table_name, column_name, data_type, is_identity FROM information_schema.columns
     WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`)).rows;
  const byTable = new Map<string, TableInfo>();
  for (const c of cols) {
    if (NOT_COPIED.has(c.table_name)) continue;
    let t = byTable.get(c.table_name);
    if (!t) byTable.set(c.table_name, t = { name: c.table_name, columns: [] });
    t.columns.push({ name: c.column_name, type: c.data_type, identity: c.is_identity === 'YES' });
  }
  const refs = (await pool.query<{ child: string; parent: string }>(
    `SELECT cl.relname AS child, pa.relname AS parent FROM pg_constraint k
     JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_class pa ON pa.oid = k.confrelid
     WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace`)).rows;
  return fkOrder([...byTable.keys()], refs).map((n) => byTable.get(n)!);
}
