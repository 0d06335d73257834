// Scanner registrations and project bindings (tables scanner_registrations, project_scanners), as sqlite/scanners.ts.
import type { ScannerRegistration, ScannerRegistrationInput, ScannerStore } from '../index.js';
import { PgStore, unique } from './common.js';

interface Row {
  uuid: string; name: string; description: string; url: string; auth: string; access_credential: string | null; skip_cert_verify: boolean;
  use_internal_addr: boolean; disabled: boolean; is_default: boolean; created_at: string; updated_at: string;
}

function toRegistration(r: Row): ScannerRegistration {
  return {
    uuid: r.uuid, name: r.name, description: r.description, url: r.url, auth: r.auth, accessCredentialEnc: r.access_credential,
    skipCertVerify: r.skip_cert_verify, useInternalAddr: r.use_internal_addr, disabled: r.disabled, isDefault: r.is_default,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

const TAKEN = 'a registration with this name or URL';

export class PgScannerStore extends PgStore implements ScannerStore {
  async listRegistrations(): Promise<ScannerRegistration[]> {
    return (await this.db.all<Row>('SELECT * FROM scanner_registrations ORDER BY created_at, uuid')).map(toRegistration);
  }

  async getRegistration(uuid: string): Promise<ScannerRegistration | null> {
    const r = await this.db.get<Row>('SELECT * FROM scanner_registrations WHERE uuid = ?', uuid);
    return r ? toRegistration(r) : null;
  }

  async createRegistration(r: ScannerRegistrationInput): Promise<ScannerRegistration> {
    const t = this.iso();
    const row = await unique(TAKEN, () => this.db.get<Row>(`INSERT INTO scanner_registrations (uuid, name, description, url, auth, access_credential,
      skip_cert_verify, use_internal_addr, disabled, is_default, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, false, ?, ?) RETURNING *`,
    r.uuid, r.name, r.description, r.url, r.auth, r.accessCredentialEnc, r.skipCertVerify, r.useInternalAddr, r.disabled, t, t));
    return toRegistration(row!);
  }

  async updateRegistration(r: ScannerRegistrationInput): Promise<ScannerRegistration | null> {
    const row = await unique(TAKEN, () => this.db.get<Row>(`UPDATE scanner_registrations SET name = ?, description = ?, url = ?, auth = ?,
      access_credential = ?, skip_cert_verify = ?, use_internal_addr = ?, disabled = ?, updated_at = ? WHERE uuid = ? RETURNING *`,
    r.name, r.description, r.url, r.auth, r.accessCredentialEnc, r.skipCertVerify, r.useInternalAddr, r.disabled, this.iso(), r.uuid));
    return row ? toRegistration(row) : null;
  }

  async deleteRegistration(uuid: string): Promise<boolean> {
    return this.tx(async (c) => {
      await c.run('DELETE FROM project_scanners WHERE registration_uuid = ?', uuid);
      return (await c.run('DELETE FROM scanner_registrations WHERE uuid = ?', uuid)) > 0;
    });
  }

  async setDefaultRegistration(uuid: string | null): Promise<boolean> {
    return this.tx(async (c) => {
      // Every registration row locked: two replicas making two defaults at once serialise here.
      const all = await c.column<string>('SELECT uuid FROM scanner_registrations ORDER BY uuid FOR UPDATE');
      if (uuid !== null && !all.includes(uuid)) return false;
      await c.run('UPDATE scanner_registrations SET is_default = (uuid = ?)', uuid ?? '');
      return true;
    });
  }

  async getProjectScanner(projectId: number): Promise<string | null> {
    return (await this.db.value<string>('SELECT registration_uuid FROM project_scanners WHERE project_id = ?', projectId)) ?? null;
  }

  async setProjectScanner(projectId: number, uuid: string): Promise<void> {
    await this.db.run(`INSERT INTO project_scanners (project_id, registration_uuid) VALUES (?, ?)
      ON CONFLICT (project_id) DO UPDATE SET registration_uuid = excluded.registration_uuid`, projectId, uuid);
  }
}
