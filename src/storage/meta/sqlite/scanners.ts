// Scanner registrations and project bindings (tables scanner_registrations, project_scanners).
import type Database from 'better-sqlite3';
import type { ScannerRegistration, ScannerRegistrationInput, ScannerStore } from '../index.js';
import { type Clock, SqliteStore, unique } from './common.js';

interface Row {
  uuid: string; name: string; description: string; url: string; auth: string; access_credential: string | null; skip_cert_verify: number;
  use_internal_addr: number; disabled: number; is_default: number; created_at: string; updated_at: string;
}

function toRegistration(r: Row): ScannerRegistration {
  return {
    uuid: r.uuid, name: r.name, description: r.description, url: r.url, auth: r.auth, accessCredentialEnc: r.access_credential,
    skipCertVerify: r.skip_cert_verify === 1, useInternalAddr: r.use_internal_addr === 1, disabled: r.disabled === 1, isDefault: r.is_default === 1,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export class SqliteScannerStore extends SqliteStore implements ScannerStore {
  private readonly s;

  constructor(db: Database.Database, now: Clock) {
    super(db, now);
    this.s = {
      list: db.prepare('SELECT * FROM scanner_registrations ORDER BY created_at, uuid'),
      get: db.prepare('SELECT * FROM scanner_registrations WHERE uuid = ?'),
      insert: db.prepare(`INSERT INTO scanner_registrations (uuid, name, description, url, auth, access_credential, skip_cert_verify, use_internal_addr,
        disabled, is_default, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`),
      update: db.prepare(`UPDATE scanner_registrations SET name = ?, description = ?, url = ?, auth = ?, access_credential = ?, skip_cert_verify = ?,
        use_internal_addr = ?, disabled = ?, updated_at = ? WHERE uuid = ?`),
      delete: db.prepare('DELETE FROM scanner_registrations WHERE uuid = ?'),
      unbind: db.prepare('DELETE FROM project_scanners WHERE registration_uuid = ?'),
      clearDefault: db.prepare('UPDATE scanner_registrations SET is_default = 0 WHERE is_default = 1'),
      setDefault: db.prepare('UPDATE scanner_registrations SET is_default = 1 WHERE uuid = ?'),
      getBinding: db.prepare('SELECT registration_uuid FROM project_scanners WHERE project_id = ?').pluck(),
      bind: db.prepare(`INSERT INTO project_scanners (project_id, registration_uuid) VALUES (?, ?)
        ON CONFLICT (project_id) DO UPDATE SET registration_uuid = excluded.registration_uuid`),
    };
  }

  async listRegistrations(): Promise<ScannerRegistration[]> {
    return (this.s.list.all() as Row[]).map(toRegistration);
  }

  async getRegistration(uuid: string): Promise<ScannerRegistration | null> {
    const r = this.s.get.get(uuid) as Row | undefined;
    return r ? toRegistration(r) : null;
  }

  async createRegistration(r: ScannerRegistrationInput): Promise<ScannerRegistration> {
    const t = this.iso();
    unique('a registration with this name or URL', () => this.s.insert.run(r.uuid, r.name, r.description, r.url, r.auth, r.accessCredentialEnc,
      Number(r.skipCertVerify), Number(r.useInternalAddr), Number(r.disabled), t, t));
    return toRegistration(this.s.get.get(r.uuid) as Row);
  }

  async updateRegistration(r: ScannerRegistrationInput): Promise<ScannerRegistration | null> {
    const n = unique('a registration with this name or URL', () => this.s.update.run(r.name, r.description, r.url, r.auth, r.accessCredentialEnc,
      Number(r.skipCertVerify), Number(r.useInternalAddr), Number(r.disabled), this.iso(), r.uuid)).changes;
    return n ? this.getRegistration(r.uuid) : null;
  }

  async deleteRegistration(uuid: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.s.unbind.run(uuid);
      return this.s.delete.run(uuid).changes > 0;
    })();
  }

  async setDefaultRegistration(uuid: string | null): Promise<boolean> {
    return this.db.transaction(() => {
      if (uuid !== null && !this.s.get.get(uuid)) return false;
      this.s.clearDefault.run();
      if (uuid !== null) this.s.setDefault.run(uuid);
      return true;
    })();
  }

  async getProjectScanner(projectId: number): Promise<string | null> {
    return (this.s.getBinding.get(projectId) as string | undefined) ?? null;
  }

  async setProjectScanner(projectId: number, uuid: string): Promise<void> {
    this.s.bind.run(projectId, uuid);
  }
}
