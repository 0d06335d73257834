// Shared secrets (table secrets: one row per name, never updated). Portable SQL.
import type Database from 'better-sqlite3';
import type { SecretStore } from '../index.js';
import { type Clock, SqliteStore } from './common.js';

export class SqliteSecretStore extends SqliteStore implements SecretStore {
  private readonly s;

  constructor(db: Database.Database, now: Clock) {
    super(db, now);
    this.s = {
      insert: db.prepare('INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING'),
      get: db.prepare('SELECT value FROM secrets WHERE name = ?').pluck(),
    };
  }

  async getOrCreateSecret(name: string, value: string): Promise<string> {
    this.s.insert.run(name, value, this.iso());
    return this.s.get.get(name) as string;
  }

  async getSecret(name: string): Promise<string | null> {
    return (this.s.get.get(name) as string | undefined) ?? null;
  }
}
