// Upload sessions (table uploads).
import type Database from 'better-sqlite3';
import type { UploadSession, UploadStore } from '../index.js';
import { type Clock, SqliteStore } from './common.js';

export class SqliteUploadStore extends SqliteStore implements UploadStore {
  private readonly s;

  constructor(db: Database.Database, now: Clock) {
    super(db, now);
    this.s = {
      createUpload: db.prepare('INSERT INTO uploads (id, repository, created_at, updated_at) VALUES (?, ?, ?, ?)'),
      getUpload: db.prepare('SELECT id, repository, created_at, updated_at FROM uploads WHERE id = ?'),
      touchUpload: db.prepare('UPDATE uploads SET updated_at = ? WHERE id = ?'),
      deleteUpload: db.prepare('DELETE FROM uploads WHERE id = ?'),
      uploadsBefore: db.prepare('SELECT id, repository, created_at, updated_at FROM uploads WHERE updated_at < ? ORDER BY updated_at'),
    };
  }

  async createUpload(s: UploadSession): Promise<void> {
    this.s.createUpload.run(s.id, s.repository, s.createdAt, s.updatedAt);
  }

  async getUpload(id: string): Promise<UploadSession | null> {
    return toUpload(this.s.getUpload.get(id));
  }

  async touchUpload(id: string, at: number): Promise<void> {
    this.s.touchUpload.run(at, id);
  }

  async deleteUpload(id: string): Promise<void> {
    this.s.deleteUpload.run(id);
  }

  async listUploadsBefore(updatedBefore: number): Promise<UploadSession[]> {
    return (this.s.uploadsBefore.all(updatedBefore) as unknown[]).map((r) => toUpload(r)!);
  }
}

function toUpload(r: unknown): UploadSession | null {
  if (!r) return null;
  const x = r as { id: string; repository: string; created_at: number; updated_at: number };
  return { id: x.id, repository: x.repository, createdAt: x.created_at, updatedAt: x.updated_at };
}
