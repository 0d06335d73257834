// Upload sessions (table uploads).
import type Database from 'better-sqlite3';
import type { UploadSession, UploadStore } from '../index.js';
import { toUpload, UPLOAD_SQL, type UploadRow } from '../uploads.js';
import { type Clock, SqliteStore } from './common.js';

export class SqliteUploadStore extends SqliteStore implements UploadStore {
  private readonly s;

  constructor(db: Database.Database, now: Clock) {
    super(db, now);
    this.s = {
      createUpload: db.prepare('INSERT INTO uploads (id, repository, created_at, updated_at, size) VALUES (?, ?, ?, ?, 0)'),
      getUpload: db.prepare(`SELECT ${UPLOAD_SQL.columns} FROM uploads WHERE id = ?`),
      touchUpload: db.prepare('UPDATE uploads SET updated_at = ? WHERE id = ?'),
      deleteUpload: db.prepare('DELETE FROM uploads WHERE id = ?'),
      uploadsBefore: db.prepare(`SELECT ${UPLOAD_SQL.columns} FROM uploads WHERE updated_at < ? ORDER BY updated_at`),
      claim: db.prepare(UPLOAD_SQL.claim),
      renew: db.prepare(UPLOAD_SQL.renew),
      release: db.prepare(UPLOAD_SQL.release),
    };
  }

  async createUpload(s: UploadSession): Promise<void> {
    this.s.createUpload.run(s.id, s.repository, s.createdAt, s.updatedAt);
  }

  async getUpload(id: string): Promise<UploadSession | null> {
    const r = this.s.getUpload.get(id) as UploadRow | undefined;
    return r ? toUpload(r) : null;
  }

  async touchUpload(id: string, at: number): Promise<void> {
    this.s.touchUpload.run(at, id);
  }

  async deleteUpload(id: string): Promise<void> {
    this.s.deleteUpload.run(id);
  }

  async listUploadsBefore(updatedBefore: number): Promise<UploadSession[]> {
    return (this.s.uploadsBefore.all(updatedBefore) as UploadRow[]).map(toUpload);
  }

  async claimUpload(id: string, offset: number, writer: string, at: number, staleBefore: number): Promise<boolean> {
    return this.s.claim.run(writer, at, at, id, offset, staleBefore).changes === 1;
  }

  async renewClaim(id: string, writer: string, at: number): Promise<boolean> {
    return this.s.renew.run(at, at, id, writer).changes === 1;
  }

  async releaseUpload(id: string, writer: string, size: number | null, at: number): Promise<boolean> {
    return this.s.release.run(size, at, id, writer).changes === 1;
  }
}
