// Leased named locks (table locks). Portable SQL: INSERT ... ON CONFLICT ... DO UPDATE ... WHERE
// reads the same in PostgreSQL, where the row lock of the conflicting row serializes two racers.
import type Database from 'better-sqlite3';
import type { LockRecord, LockStore } from '../index.js';
import { type Clock, SqliteStore } from './common.js';

export class SqliteLockStore extends SqliteStore implements LockStore {
  private readonly s;

  constructor(db: Database.Database, now: Clock) {
    super(db, now);
    this.s = {
      acquire: db.prepare(`INSERT INTO locks (name, owner, lease_until) VALUES (?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
        WHERE locks.lease_until <= ? OR locks.owner = excluded.owner`),
      renew: db.prepare('UPDATE locks SET lease_until = ? WHERE name = ? AND owner = ?'),
      release: db.prepare('DELETE FROM locks WHERE name = ? AND owner = ?'),
      get: db.prepare('SELECT name, owner, lease_until FROM locks WHERE name = ?'),
      purge: db.prepare('DELETE FROM locks WHERE lease_until <= ?'),
    };
  }

  async acquireLock(name: string, owner: string, now: number, until: number): Promise<boolean> {
    return this.s.acquire.run(name, owner, until, now).changes === 1;
  }

  async renewLock(name: string, owner: string, until: number): Promise<boolean> {
    return this.s.renew.run(until, name, owner).changes === 1;
  }

  async releaseLock(name: string, owner: string): Promise<boolean> {
    return this.s.release.run(name, owner).changes === 1;
  }

  async getLock(name: string): Promise<LockRecord | null> {
    const r = this.s.get.get(name) as { name: string; owner: string; lease_until: number } | undefined;
    return r ? { name: r.name, owner: r.owner, until: r.lease_until } : null;
  }

  async purgeExpiredLocks(now: number): Promise<number> {
    return this.s.purge.run(now).changes;
  }
}
