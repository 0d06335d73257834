// Leased named locks (table locks), as sqlite/locks.ts: the same statements. The conflicting
// row's lock serialises two racers; the loser's WHERE sees the winner's row and changes nothing.
import type { LockRecord, LockStore } from '../index.js';
import { PgStore } from './common.js';

export class PgLockStore extends PgStore implements LockStore {
  async acquireLock(name: string, owner: string, now: number, until: number): Promise<boolean> {
    return (await this.db.run(`INSERT INTO locks (name, owner, lease_until) VALUES (?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
      WHERE locks.lease_until <= ? OR locks.owner = excluded.owner`, name, owner, until, now)) === 1;
  }

  async renewLock(name: string, owner: string, until: number): Promise<boolean> {
    return (await this.db.run('UPDATE locks SET lease_until = ? WHERE name = ? AND owner = ?', until, name, owner)) === 1;
  }

  async releaseLock(name: string, owner: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM locks WHERE name = ? AND owner = ?', name, owner)) === 1;
  }

  async getLock(name: string): Promise<LockRecord | null> {
    const r = await this.db.get<{ name: string; owner: string; lease_until: number }>('SELECT name, owner, lease_until FROM locks WHERE name = ?', name);
    return r ? { name: r.name, owner: r.owner, until: r.lease_until } : null;
  }

  async purgeExpiredLocks(now: number): Promise<number> {
    return this.db.run('DELETE FROM locks WHERE lease_until <= ?', now);
  }
}
