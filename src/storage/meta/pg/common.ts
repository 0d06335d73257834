// What the PostgreSQL stores share: one pg.Pool, the clock, a transaction helper and small
// helpers. Statements are written with `?` placeholders, as the SQLite stores' are, and numbered
// ($1, $2, ...) once per statement text. bigint and numeric come back as JS numbers (sizes and ids
// stay far below 2^53), so every store returns exactly what its SQLite sibling does.
import pg from 'pg';
import { HarborError } from '../../../core/errors.js';
import type { Page } from '../index.js';

export type Clock = () => Date;

const MAX_PAGE = 100_000;

/** bigint (20) and numeric (1700: sum() of a bigint) as numbers; everything else as pg parses it. */
const types = {
  getTypeParser(oid: number, format?: string): (v: string) => unknown {
    if (oid === 20 || oid === 1700) return Number;
    return pg.types.getTypeParser(oid, format as 'text') as (v: string) => unknown;
  },
};

export function createPool(url: string): pg.Pool {
  // Errors of idle clients (the server restarting) surface on the next query; unhandled, they would end the process.
  const pool = new pg.Pool({ connectionString: url, types, max: 10, application_name: 'harborctl' });
  pool.on('error', () => undefined);
  return pool;
}

const numbered = new Map<string, string>();

/** `?` → `$n`, outside quoted text; cached per statement text (dynamic statements are few and small). */
export function numberParams(sql: string): string {
  let out = numbered.get(sql);
  if (out !== undefined) return out;
  let n = 0;
  out = sql.replace(/'(?:[^']|'')*'|"[^"]*"|\?/g, (m) => (m === '?' ? `$${++n}` : m));
  if (numbered.size < 2000) numbered.set(sql, out);
  return out;
}

type Row = Record<string, unknown>;

/** The statements of one store method: on the pool (each its own transaction) or on a transaction's client. */
export class Conn {
  constructor(private readonly on: pg.Pool | pg.PoolClient) {}

  async query(sql: string, params: unknown[]): Promise<pg.QueryResult<Row>> {
    return this.on.query<Row>(numberParams(sql), params);
  }

  async all<T>(sql: string, ...params: unknown[]): Promise<T[]> {
    return (await this.query(sql, params)).rows as T[];
  }

  async get<T>(sql: string, ...params: unknown[]): Promise<T | undefined> {
    return (await this.query(sql, params)).rows[0] as T | undefined;
  }

  /** The first column of the first row, undefined when there is no row. */
  async value<T>(sql: string, ...params: unknown[]): Promise<T | undefined> {
    const r = await this.on.query<unknown[]>({ text: numberParams(sql), values: params, rowMode: 'array' });
    return r.rows[0]?.[0] as T | undefined;
  }

  /** The first column of every row. */
  async column<T>(sql: string, ...params: unknown[]): Promise<T[]> {
    const r = await this.on.query<unknown[]>({ text: numberParams(sql), values: params, rowMode: 'array' });
    return r.rows.map((x) => x[0] as T);
  }

  /** How many rows the statement changed. */
  async run(sql: string, ...params: unknown[]): Promise<number> {
    return (await this.query(sql, params)).rowCount ?? 0;
  }
}

/** Serialization failure and deadlock: the transaction did nothing and may simply run again. */
const TRANSIENT = new Set(['40001', '40P01']);
const ATTEMPTS = 5;

/**
 * Runs `fn` in one transaction on one client: COMMIT when it returns, ROLLBACK when it throws.
 * A transaction PostgreSQL aborted as a deadlock victim or a serialization failure is run again
 * (it changed nothing); `fn` must have no effect outside the database.
 */
export async function transaction<T>(pool: pg.Pool, fn: (c: Conn) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: unknown;
    try {
      await client.query('BEGIN');
      const out = await fn(new Conn(client));
      await client.query('COMMIT');
      return out;
    } catch (e) {
      await client.query('ROLLBACK').catch((r: unknown) => { broken = r; });
      if (attempt < ATTEMPTS && TRANSIENT.has((e as { code?: string }).code ?? '')) continue;
      throw e;
    } finally {
      client.release(broken instanceof Error ? broken : undefined);
    }
  }
}

/** Each store holds the pool; a public method is one statement or one transaction. */
export abstract class PgStore {
  protected readonly db: Conn;

  constructor(protected readonly pool: pg.Pool, protected readonly now: Clock) {
    this.db = new Conn(pool);
  }

  protected iso(): string {
    return this.now().toISOString();
  }

  protected tx<T>(fn: (c: Conn) => Promise<T>): Promise<T> {
    return transaction(this.pool, fn);
  }
}

export const isUniqueViolation = (e: unknown): boolean => (e as { code?: unknown }).code === '23505';

/**
 * Runs a write whose name must be unique: two requests may both pass the services' check, and the
 * loser's unique violation is the same CONFLICT as SQLite's (sqlite/common.ts), never a 500.
 */
export async function unique<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (isUniqueViolation(e)) throw new HarborError('CONFLICT', `${what.slice(0, 300)} already exists`);
    throw e;
  }
}

export function limit(page: Page): number {
  return page.n === undefined ? MAX_PAGE : Math.min(page.n, MAX_PAGE);
}

/** A project's usage counted from scratch (bind the project id twice): each distinct blob or manifest once. */
export const RECOUNT = `SELECT coalesce(sum(size), 0) FROM (
        SELECT l.digest, b.size FROM repository_blobs l JOIN repositories r ON r.id = l.repository_id
          JOIN blobs b ON b.digest = l.digest WHERE r.project_id = ? AND NOT l.released
        UNION
        SELECT m.digest, m.size FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE r.project_id = ?) AS used`;
