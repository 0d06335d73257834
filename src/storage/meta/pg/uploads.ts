// Upload sessions (table uploads), as sqlite/uploads.ts keeps them.
import type { UploadSession, UploadStore } from '../index.js';
import { toUpload, UPLOAD_SQL, type UploadRow } from '../uploads.js';
import { PgStore } from './common.js';

export class PgUploadStore extends PgStore implements UploadStore {
  async createUpload(s: UploadSession): Promise<void> {
    await this.db.run('INSERT INTO uploads (id, repository, created_at, updated_at, size) VALUES (?, ?, ?, ?, 0)', s.id, s.repository, s.createdAt, s.updatedAt);
  }

  async getUpload(id: string): Promise<UploadSession | null> {
    const r = await this.db.get<UploadRow>(`SELECT ${UPLOAD_SQL.columns} FROM uploads WHERE id = ?`, id);
    return r ? toUpload(r) : null;
  }

  async touchUpload(id: string, at: number): Promise<void> {
    await this.db.run('UPDATE uploads SET updated_at = ? WHERE id = ?', at, id);
  }

  async deleteUpload(id: string): Promise<void> {
    await this.db.run('DELETE FROM uploads WHERE id = ?', id);
  }

  async listUploadsBefore(updatedBefore: number): Promise<UploadSession[]> {
    return (await this.db.all<UploadRow>(`SELECT ${UPLOAD_SQL.columns} FROM uploads WHERE updated_at < ? ORDER BY updated_at`, updatedBefore)).map(toUpload);
  }

  async claimUpload(id: string, offset: number, writer: string, at: number, staleBefore: number): Promise<boolean> {
    return (await this.db.run(UPLOAD_SQL.claim, writer, at, at, id, offset, staleBefore)) === 1;
  }

  async renewClaim(id: string, writer: string, at: number): Promise<boolean> {
    return (await this.db.run(UPLOAD_SQL.renew, at, at, id, writer)) === 1;
  }

  async releaseUpload(id: string, writer: string, size: number | null, at: number): Promise<boolean> {
    return (await this.db.run(UPLOAD_SQL.release, size, at, id, writer)) === 1;
  }
}
