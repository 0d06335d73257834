// Registry endpoints (table registries) and the proxy cache's view of its tags, as sqlite/registries.ts.
import type { CachedTag, NewRegistryEndpoint, RegistryEndpoint, RegistryEndpointPatch, RegistryStore } from '../index.js';
import { PgStore, unique } from './common.js';

const REGISTRY_COLS = `SELECT id, name, type, url, description, insecure, ca_certificate, credential_type, access_key, access_secret_enc,
  status, created_at, updated_at FROM registries`;

type Row = { id: number; name: string; type: string; url: string; description: string; insecure: boolean; ca_certificate: string | null;
  credential_type: string | null; access_key: string | null; access_secret_enc: string | null; status: string; created_at: string; updated_at: string };

function toRegistry(x: Row | undefined): RegistryEndpoint | null {
  if (!x) return null;
  return {
    id: x.id, name: x.name, type: x.type, url: x.url, description: x.description, insecure: x.insecure, caCertificate: x.ca_certificate,
    credentialType: x.credential_type, accessKey: x.access_key, accessSecretEnc: x.access_secret_enc, status: x.status,
    createdAt: x.created_at, updatedAt: x.updated_at,
  };
}

export class PgRegistryStore extends PgStore implements RegistryStore {
  async createRegistry(r: NewRegistryEndpoint): Promise<RegistryEndpoint> {
    const t = this.iso();
    return toRegistry(await unique(`a registry named ${JSON.stringify(r.name)}`, () => this.db.get<Row>(`INSERT INTO registries (name, type, url, description,
      insecure, ca_certificate, credential_type, access_key, access_secret_enc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    r.name, r.type, r.url, r.description, r.insecure, r.caCertificate, r.credentialType, r.accessKey, r.accessSecretEnc, t, t)))!;
  }

  async getRegistryById(id: number): Promise<RegistryEndpoint | null> {
    return toRegistry(await this.db.get<Row>(`${REGISTRY_COLS} WHERE id = ?`, id));
  }

  async getRegistryByName(name: string): Promise<RegistryEndpoint | null> {
    return toRegistry(await this.db.get<Row>(`${REGISTRY_COLS} WHERE name = ?`, name));
  }

  async listRegistries(): Promise<RegistryEndpoint[]> {
    return (await this.db.all<Row>(`${REGISTRY_COLS} ORDER BY id`)).map((r) => toRegistry(r)!);
  }

  async updateRegistry(id: number, patch: RegistryEndpointPatch): Promise<RegistryEndpoint | null> {
    // Read (locked) and write in one transaction: null is a value here (a cleared credential), so coalesce() will not do.
    return unique(`a registry named ${JSON.stringify(patch.name ?? '')}`, () => this.tx(async (c) => {
      const cur = toRegistry(await c.get<Row>(`${REGISTRY_COLS} WHERE id = ? FOR UPDATE`, id));
      if (!cur) return null;
      const n = { ...cur, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as RegistryEndpoint;
      return toRegistry(await c.get<Row>(`UPDATE registries SET name = ?, type = ?, url = ?, description = ?, insecure = ?, ca_certificate = ?,
        credential_type = ?, access_key = ?, access_secret_enc = ?, status = ?, updated_at = ? WHERE id = ? RETURNING *`, n.name, n.type, n.url, n.description,
      n.insecure, n.caCertificate, n.credentialType, n.accessKey, n.accessSecretEnc, n.status, this.iso(), id));
    }));
  }

  async deleteRegistry(id: number): Promise<boolean> {
    return await this.db.run('DELETE FROM registries WHERE id = ?', id) > 0;
  }

  async projectsUsingRegistry(id: number): Promise<string[]> {
    return this.db.column<string>('SELECT name FROM projects WHERE registry_id = ? ORDER BY name', id);
  }

  async getTagRevalidation(repository: string, tag: string): Promise<string | null> {
    return (await this.db.value<string | null>(`SELECT t.revalidated_at FROM repository_tags t JOIN repositories r ON r.id = t.repository_id
        WHERE r.name = ? AND t.name = ?`, repository, tag)) ?? null;
  }

  async markTagRevalidated(repository: string, tag: string): Promise<void> {
    await this.db.run(`UPDATE repository_tags SET revalidated_at = ?
        WHERE repository_id = (SELECT id FROM repositories WHERE name = ?) AND name = ?`, this.iso(), repository, tag);
  }

  async listCachedTags(projectId: number): Promise<CachedTag[]> {
    return (await this.db.all<{ repository: string; tag: string; digest: string; media_type: string; pushed_at: string; revalidated_at: string | null; cached_size: number }>(
      `SELECT r.name AS repository, t.name AS tag, m.digest, m.media_type, t.pushed_at, t.revalidated_at,
        m.size + coalesce((SELECT sum(b.size) FROM manifest_refs x JOIN repository_blobs l ON l.repository_id = r.id AND l.digest = x.digest
          JOIN blobs b ON b.digest = x.digest WHERE x.manifest_id = m.id AND x.kind = 'blob'), 0) AS cached_size
        FROM repository_tags t JOIN repositories r ON r.id = t.repository_id JOIN manifests m ON m.id = t.manifest_id
        WHERE r.project_id = ? ORDER BY r.name, t.name`, projectId)).map((r) => ({
      repository: r.repository, tag: r.tag, digest: r.digest, mediaType: r.media_type, cachedSize: r.cached_size, pushedAt: r.pushed_at,
      revalidatedAt: r.revalidated_at,
    }));
  }
}
