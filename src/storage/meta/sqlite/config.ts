// System configuration (table configurations: one row per item that was ever set).
import type Database from 'better-sqlite3';
import type { ConfigStore } from '../index.js';
import { type Clock, SqliteStore } from './common.js';

export class SqliteConfigStore extends SqliteStore implements ConfigStore {
  private readonly s;

  constructor(db: Database.Database, now: Clock) {
    super(db, now);
    this.s = {
      all: db.prepare('SELECT name, value FROM configurations ORDER BY name'),
      put: db.prepare(`INSERT INTO configurations (name, value, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`),
    };
  }

  async getConfig(): Promise<Record<string, string>> {
    // A null-prototype map: an item named __proto__ is a plain key, never the prototype.
    const out = Object.create(null) as Record<string, string>;
    for (const r of this.s.all.all() as { name: string; value: string }[]) out[r.name] = r.value;
    return out;
  }

  async putConfig(items: Record<string, string>): Promise<void> {
    this.db.transaction(() => {
      const t = this.iso();
      for (const [k, v] of Object.entries(items)) this.s.put.run(k, v, t);
    })();
  }
}
