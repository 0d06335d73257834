// Shared secrets (table secrets), as sqlite/secrets.ts.
import type { SecretStore } from '../index.js';
import { PgStore } from './common.js';

export class PgSecretStore extends PgStore implements SecretStore {
  async getOrCreateSecret(name: string, value: string): Promise<string> {
    await this.db.run('INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING', name, value, this.iso());
    return (await this.db.value<string>('SELECT value FROM secrets WHERE name = ?', name))!;
  }

  async getSecret(name: string): Promise<string | null> {
    return (await this.db.value<string>('SELECT value FROM secrets WHERE name = ?', name)) ?? null;
  }
}
