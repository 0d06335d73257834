// What the SQLite stores share: one better-sqlite3 Database, the clock, and small helpers.
import type Database from 'better-sqlite3';
import { HarborError } from '../../../core/errors.js';
import type { Page } from '../index.js';

export type Clock = () => Date;

const MAX_PAGE = 100_000;

/** Each store prepares its statements once on the shared database; each public method is one statement or one transaction. */
export abstract class SqliteStore {
  constructor(protected readonly db: Database.Database, protected readonly now: Clock) {}

  protected iso(): string {
    return this.now().toISOString();
  }
}

/**
 * Runs a write whose name must be unique. The services check first for a clear message, but two
 * requests may both pass that check (an await lies between it and the insert): the loser's UNIQUE
 * violation is the same CONFLICT, never a 500.
 */
export function unique<T>(what: string, write: () => T): T {
  try {
    return write();
  } catch (e) {
    if ((e as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new HarborError('CONFLICT', `${what.slice(0, 300)} already exists`);
    throw e;
  }
}

export function limit(page: Page): number {
  return page.n === undefined ? MAX_PAGE : Math.min(page.n, MAX_PAGE);
}

/** A project's usage counted from scratch (bind the project id twice): each distinct blob or manifest once. */
export const RECOUNT = `SELECT coalesce(sum(size), 0) FROM (
        SELECT l.digest, b.size FROM repository_blobs l JOIN repositories r ON r.id = l.repository_id
          JOIN blobs b ON b.digest = l.digest WHERE r.project_id = ? AND l.released = 0
        UNION
        SELECT m.digest, m.size FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE r.project_id = ?)`;
