// Registry endpoints (table registries) and the proxy cache's view of its tags. Beyond its own
// table: projectsUsingRegistry reads projects; the revalidation time is a column of repository_tags,
// and listCachedTags reads repositories, manifests, manifest_refs, repository_blobs and blobs.
import type Database from 'better-sqlite3';
import type { CachedTag, NewRegistryEndpoint, RegistryEndpoint, RegistryEndpointPatch, RegistryStore } from '../index.js';
import { type Clock, SqliteStore, unique } from './common.js';

export class SqliteRegistryStore extends SqliteStore implements RegistryStore {
  private readonly s;

  constructor(db: Database.Database, now: Clock) {
    super(db, now);
    this.s = {
      insertRegistry: db.prepare(`INSERT INTO registries (name, type, url, description, insecure, ca_certificate, credential_type, access_key,
        access_secret_enc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      getRegistryById: db.prepare(`${REGISTRY_COLS} WHERE id = ?`),
      getRegistryByName: db.prepare(`${REGISTRY_COLS} WHERE name = ?`),
      listRegistries: db.prepare(`${REGISTRY_COLS} ORDER BY id`),
      updateRegistry: db.prepare(`UPDATE registries SET name = ?, type = ?, url = ?, description = ?, insecure = ?, ca_certificate = ?,
        credential_type = ?, access_key = ?, access_secret_enc = ?, status = ?, updated_at = ? WHERE id = ?`),
      deleteRegistry: db.prepare('DELETE FROM registries WHERE id = ?'),
      projectsUsingRegistry: db.prepare('SELECT name FROM projects WHERE registry_id = ? ORDER BY name').pluck(),
      tagRevalidation: db.prepare(`SELECT t.revalidated_at FROM repository_tags t JOIN repositories r ON r.id = t.repository_id
        WHERE r.name = ? AND t.name = ?`).pluck(),
      markRevalidated: db.prepare(`UPDATE repository_tags SET revalidated_at = ?
        WHERE repository_id = (SELECT id FROM repositories WHERE name = ?) AND name = ?`),
      cachedTags: db.prepare(`SELECT r.name AS repository, t.name AS tag, m.digest, m.media_type, t.pushed_at, t.revalidated_at,
        m.size + coalesce((SELECT sum(b.size) FROM manifest_refs x JOIN repository_blobs l ON l.repository_id = r.id AND l.digest = x.digest
          JOIN blobs b ON b.digest = x.digest WHERE x.manifest_id = m.id AND x.kind = 'blob'), 0) AS cached_size
        FROM repository_tags t JOIN repositories r ON r.id = t.repository_id JOIN manifests m ON m.id = t.manifest_id
        WHERE r.project_id = ? ORDER BY r.name, t.name`),
    };
  }

  async createRegistry(r: NewRegistryEndpoint): Promise<RegistryEndpoint> {
    const t = this.iso();
    const id = unique(`a registry named ${JSON.stringify(r.name)}`, () => this.s.insertRegistry.run(r.name, r.type, r.url, r.description, r.insecure ? 1 : 0,
      r.caCertificate, r.credentialType, r.accessKey, r.accessSecretEnc, t, t)).lastInsertRowid;
    return toRegistry(this.s.getRegistryById.get(id))!;
  }

  async getRegistryById(id: number): Promise<RegistryEndpoint | null> {
    return toRegistry(this.s.getRegistryById.get(id));
  }

  async getRegistryByName(name: string): Promise<RegistryEndpoint | null> {
    return toRegistry(this.s.getRegistryByName.get(name));
  }

  async listRegistries(): Promise<RegistryEndpoint[]> {
    return (this.s.listRegistries.all() as unknown[]).map((r) => toRegistry(r)!);
  }

  async updateRegistry(id: number, patch: RegistryEndpointPatch): Promise<RegistryEndpoint | null> {
    // Read and write in one transaction: null is a value here (a cleared credential), so coalesce() will not do.
    return unique(`a registry named ${JSON.stringify(patch.name ?? '')}`, this.db.transaction(() => {
      const cur = toRegistry(this.s.getRegistryById.get(id));
      if (!cur) return null;
      const n = { ...cur, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as RegistryEndpoint;
      this.s.updateRegistry.run(n.name, n.type, n.url, n.description, n.insecure ? 1 : 0, n.caCertificate, n.credentialType, n.accessKey,
        n.accessSecretEnc, n.status, this.iso(), id);
      return toRegistry(this.s.getRegistryById.get(id));
    }));
  }

  async deleteRegistry(id: number): Promise<boolean> {
    return this.s.deleteRegistry.run(id).changes > 0;
  }

  async projectsUsingRegistry(id: number): Promise<string[]> {
    return this.s.projectsUsingRegistry.all(id) as string[];
  }

  async getTagRevalidation(repository: string, tag: string): Promise<string | null> {
    return (this.s.tagRevalidation.get(repository, tag) as string | null | undefined) ?? null;
  }

  async markTagRevalidated(repository: string, tag: string): Promise<void> {
    this.s.markRevalidated.run(this.iso(), repository, tag);
  }

  async listCachedTags(projectId: number): Promise<CachedTag[]> {
    return (this.s.cachedTags.all(projectId) as { repository: string; tag: string; digest: string; media_type: string; pushed_at: string;
      revalidated_at: string | null; cached_size: number }[]).map((r) => ({
      repository: r.repository, tag: r.tag, digest: r.digest, mediaType: r.media_type, cachedSize: r.cached_size, pushedAt: r.pushed_at,
      revalidatedAt: r.revalidated_at,
    }));
  }
}

const REGISTRY_COLS = `SELECT id, name, type, url, description, insecure, ca_certificate, credential_type, access_key, access_secret_enc,
  status, created_at, updated_at FROM registries`;

function toRegistry(r: unknown): RegistryEndpoint | null {
  if (!r) return null;
  const x = r as { id: number; name: string; type: string; url: string; description: string; insecure: number; ca_certificate: string | null;
    credential_type: string | null; access_key: string | null; access_secret_enc: string | null; status: string; created_at: string; updated_at: string };
  return {
    id: x.id, name: x.name, type: x.type, url: x.url, description: x.description, insecure: x.insecure === 1, caCertificate: x.ca_certificate,
    credentialType: x.credential_type, accessKey: x.access_key, accessSecretEnc: x.access_secret_enc, status: x.status,
    createdAt: x.created_at, updatedAt: x.updated_at,
  };
}
