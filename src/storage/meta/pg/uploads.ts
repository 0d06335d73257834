// Upload sessions (table uploads), as sqlite/uploads.ts keeps them.
import type { UploadSession, UploadStore } from '../index.js';
import { PgStore } from './common.js';

type Row = { id: string; repository: string; created_at: number; updated_at: number };
const toUpload = (x: Row): UploadSession => ({ id: x.id, repository: x.repository, createdAt: x.created_at, updatedAt: x.updated_at });

export class PgUploadStore extends PgStore implements UploadStore {
  async createUpload(s: UploadSession): Promise<void> {
    await this.db.run('INSERT INTO uploads (id, repository, created_at, updated_at) VALUES (?, ?, ?, ?)', s.id, s.repository, s.createdAt, s.updatedAt);
  }

  async getUpload(id: string): Promise<UploadSession | null> {
    const r = await this.db.get<Row>('SELECT id, repository, created_at, updated_at FROM uploads WHERE id = ?', id);
    return r ? toUpload(r) : null;
  }

  async touchUpload(id: string, at: number): Promise<void> {
    await this.db.run('UPDATE uploads SET updated_at = ? WHERE id = ?', at, id);
  }

  async deleteUpload(id: string): Promise<void> {
    await this.db.run('DELETE FROM uploads WHERE id = ?', id);
  }

  async listUploadsBefore(updatedBefore: number): Promise<UploadSession[]> {
    return (await this.db.all<Row>('SELECT id, repository, created_at, updated_at FROM uploads WHERE updated_at < ? ORDER BY updated_at', updatedBefore)).map(toUpload);
  }
}
