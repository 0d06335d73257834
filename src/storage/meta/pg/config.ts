// System configuration (table configurations), as sqlite/config.ts.
import type { ConfigStore } from '../index.js';
import { PgStore } from './common.js';

export class PgConfigStore extends PgStore implements ConfigStore {
  async getConfig(): Promise<Record<string, string>> {
    // A null-prototype map: an item named __proto__ is a plain key, never the prototype.
    const out = Object.create(null) as Record<string, string>;
    for (const r of await this.db.all<{ name: string; value: string }>('SELECT name, value FROM configurations ORDER BY name')) out[r.name] = r.value;
    return out;
  }

  async putConfig(items: Record<string, string>): Promise<void> {
    const entries = Object.entries(items);
    if (entries.length === 0) return;
    await this.db.run(`INSERT INTO configurations (name, value, updated_at) SELECT n, v, ? FROM unnest(?::text[], ?::text[]) AS x(n, v)
      ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, this.iso(), entries.map((e) => e[0]), entries.map((e) => e[1]));
  }
}
