// SQLite metadata store (better-sqlite3, WAL). Statements are prepared once; each public method is
// one statement or one transaction. better-sqlite3 is synchronous, which is what makes a manifest
// GET one indexed lookup with no await in between.
import Database from 'better-sqlite3';
import type {
  BlobRecord, ManifestRecord, MetadataStore, Page, Project, PutManifestResult, ReferrerDescriptor,
  Repository, StoredManifest, UploadSession,
} from '../types.js';
import { MIGRATIONS } from './migrations.js';

type Clock = () => Date;
const MAX_PAGE = 100_000;

export function migrate(db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`database schema version ${current} is newer than this harborctl (${MIGRATIONS.length}); upgrade harborctl`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return MIGRATIONS.length;
}

function limit(page: Page): number {
  return page.n === undefined ? MAX_PAGE : Math.min(page.n, MAX_PAGE);
}

export class SqliteMetadataStore implements MetadataStore {
  readonly db: Database.Database;
  private readonly now: Clock;
  private readonly s;

  constructor(path: string, opts: { clock?: Clock } = {}) {
    this.now = opts.clock ?? (() => new Date());
    this.db = new Database(path);
    try {
      // The version check comes first: a database from a newer harborctl is left exactly as it is.
      this.db.pragma('busy_timeout = 5000');
      this.db.pragma('foreign_keys = ON');
      migrate(this.db);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
    } catch (e) {
      this.db.close();
      throw e;
    }
    const db = this.db;
    this.s = {
      getProject: db.prepare('SELECT id, name, public, created_at, updated_at FROM projects WHERE name = ?'),
      insertProject: db.prepare('INSERT INTO projects (name, public, created_at, updated_at) VALUES (?, ?, ?, ?)'),
      getRepo: db.prepare('SELECT id, name, project_id FROM repositories WHERE name = ?'),
      insertRepo: db.prepare('INSERT INTO repositories (project_id, name, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING'),
      touchRepo: db.prepare('UPDATE repositories SET updated_at = ? WHERE id = ?'),
      listRepos: db.prepare(`SELECT r.name FROM repositories r WHERE r.name > ?
        AND EXISTS (SELECT 1 FROM manifests m WHERE m.repository_id = r.id) ORDER BY r.name LIMIT ?`),
      upsertBlob: db.prepare(`INSERT INTO blobs (digest, size, media_type, created_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (digest) DO UPDATE SET media_type = coalesce(blobs.media_type, excluded.media_type)`),
      link: db.prepare('INSERT INTO repository_blobs (repository_id, digest, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      getLink: db.prepare(`SELECT b.digest, b.size, b.media_type FROM repository_blobs l JOIN repositories r ON r.id = l.repository_id
        JOIN blobs b ON b.digest = l.digest WHERE r.name = ? AND l.digest = ?`),
      hasLink: db.prepare('SELECT 1 FROM repository_blobs WHERE repository_id = ? AND digest = ?').pluck(),
      unlink: db.prepare('DELETE FROM repository_blobs WHERE repository_id = (SELECT id FROM repositories WHERE name = ?) AND digest = ?'),
      manifestId: db.prepare('SELECT id FROM manifests WHERE repository_id = ? AND digest = ?').pluck(),
      insertManifest: db.prepare(`INSERT INTO manifests (repository_id, digest, media_type, artifact_type, size, content, subject, annotations, pushed_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertRef: db.prepare('INSERT INTO manifest_refs (manifest_id, digest, kind) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      upsertTag: db.prepare(`INSERT INTO tags (repository_id, name, manifest_id, pushed_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (repository_id, name) DO UPDATE SET manifest_id = excluded.manifest_id, pushed_at = excluded.pushed_at`),
      manifestByDigest: db.prepare(`SELECT m.digest, m.media_type, m.size, m.content FROM manifests m
        JOIN repositories r ON r.id = m.repository_id WHERE r.name = ? AND m.digest = ?`),
      manifestByTag: db.prepare(`SELECT m.digest, m.media_type, m.size, m.content FROM tags t
        JOIN repositories r ON r.id = t.repository_id JOIN manifests m ON m.id = t.manifest_id WHERE r.name = ? AND t.name = ?`),
      deleteManifest: db.prepare('DELETE FROM manifests WHERE repository_id = (SELECT id FROM repositories WHERE name = ?) AND digest = ?'),
      deleteTag: db.prepare('DELETE FROM tags WHERE repository_id = (SELECT id FROM repositories WHERE name = ?) AND name = ?'),
      listTags: db.prepare('SELECT name FROM tags WHERE repository_id = ? AND name > ? ORDER BY name LIMIT ?').pluck(),
      referrers: db.prepare(`SELECT m.media_type, m.digest, m.size, m.artifact_type, m.annotations FROM manifests m
        JOIN repositories r ON r.id = m.repository_id WHERE r.name = ? AND m.subject = ? ORDER BY m.id`),
      createUpload: db.prepare('INSERT INTO uploads (id, repository, created_at, updated_at) VALUES (?, ?, ?, ?)'),
      getUpload: db.prepare('SELECT id, repository, created_at, updated_at FROM uploads WHERE id = ?'),
      touchUpload: db.prepare('UPDATE uploads SET updated_at = ? WHERE id = ?'),
      deleteUpload: db.prepare('DELETE FROM uploads WHERE id = ?'),
      uploadsBefore: db.prepare('SELECT id, repository, created_at, updated_at FROM uploads WHERE updated_at < ? ORDER BY updated_at'),
    };
  }

  private iso(): string {
    return this.now().toISOString();
  }

  async getProject(name: string): Promise<Project | null> {
    return toProject(this.s.getProject.get(name));
  }

  async createProject(p: { name: string; public: boolean }): Promise<Project> {
    const t = this.iso();
    this.s.insertProject.run(p.name, p.public ? 1 : 0, t, t);
    return toProject(this.s.getProject.get(p.name))!;
  }

  async getRepository(name: string): Promise<Repository | null> {
    const r = this.s.getRepo.get(name) as { id: number; name: string; project_id: number } | undefined;
    return r ? { id: r.id, name: r.name, projectId: r.project_id } : null;
  }

  async listRepositories(page: Page): Promise<string[]> {
    return this.s.listRepos.pluck().all(page.last ?? '', limit(page)) as string[];
  }

  private ensureRepo(name: string, projectId: number): number {
    const t = this.iso();
    this.s.insertRepo.run(projectId, name, t, t);
    return (this.s.getRepo.get(name) as { id: number }).id;
  }

  async linkBlob(repository: string, projectId: number, blob: BlobRecord): Promise<void> {
    this.db.transaction(() => {
      const t = this.iso();
      const repoId = this.ensureRepo(repository, projectId);
      this.s.upsertBlob.run(blob.digest, blob.size, blob.mediaType ?? null, t);
      this.s.link.run(repoId, blob.digest, t);
    })();
  }

  async getBlobLink(repository: string, digest: string): Promise<BlobRecord | null> {
    const r = this.s.getLink.get(repository, digest) as { digest: string; size: number; media_type: string | null } | undefined;
    return r ? { digest: r.digest, size: r.size, mediaType: r.media_type } : null;
  }

  async unlinkBlob(repository: string, digest: string): Promise<boolean> {
    return this.s.unlink.run(repository, digest).changes > 0;
  }

  async putManifest(repository: string, projectId: number, m: ManifestRecord, tag: string | null): Promise<PutManifestResult> {
    return this.db.transaction((): PutManifestResult => {
      const t = this.iso();
      // Check references before creating the repository: a refused push writes nothing.
      const existing = (this.s.getRepo.get(repository) as { id: number } | undefined)?.id;
      const missingBlobs = m.blobRefs.filter((d) => existing === undefined || !this.s.hasLink.get(existing, d));
      const missingManifests = m.manifestRefs.filter((d) => existing === undefined || !this.s.manifestId.get(existing, d));
      if (missingBlobs.length || missingManifests.length) return { ok: false, missingBlobs, missingManifests };
      const repoId = existing ?? this.ensureRepo(repository, projectId);
      let id = this.s.manifestId.get(repoId, m.digest) as number | undefined;
      const created = id === undefined;
      if (id === undefined) {
        id = Number(this.s.insertManifest.run(repoId, m.digest, m.mediaType, m.artifactType, m.size, m.content, m.subject,
          m.annotations ? JSON.stringify(m.annotations) : null, t).lastInsertRowid);
        for (const d of m.blobRefs) this.s.insertRef.run(id, d, 'blob');
        for (const d of m.manifestRefs) this.s.insertRef.run(id, d, 'manifest');
      }
      if (tag !== null) this.s.upsertTag.run(repoId, tag, id, t);
      this.s.touchRepo.run(t, repoId);
      return { ok: true, created };
    })();
  }

  async getManifest(repository: string, reference: string): Promise<StoredManifest | null> {
    const stmt = reference.includes(':') ? this.s.manifestByDigest : this.s.manifestByTag;
    const r = stmt.get(repository, reference) as { digest: string; media_type: string; size: number; content: Buffer } | undefined;
    return r ? { digest: r.digest, mediaType: r.media_type, size: r.size, content: r.content } : null;
  }

  async deleteManifest(repository: string, digest: string): Promise<boolean> {
    return this.s.deleteManifest.run(repository, digest).changes > 0;
  }

  async deleteTag(repository: string, tag: string): Promise<boolean> {
    return this.s.deleteTag.run(repository, tag).changes > 0;
  }

  async listTags(repository: string, page: Page): Promise<string[] | null> {
    const r = this.s.getRepo.get(repository) as { id: number } | undefined;
    if (!r) return null;
    return this.s.listTags.all(r.id, page.last ?? '', limit(page)) as string[];
  }

  async listReferrers(repository: string, subject: string, artifactType?: string): Promise<ReferrerDescriptor[]> {
    const rows = this.s.referrers.all(repository, subject) as
      { media_type: string; digest: string; size: number; artifact_type: string | null; annotations: string | null }[];
    const out: ReferrerDescriptor[] = [];
    for (const r of rows) {
      if (artifactType !== undefined && r.artifact_type !== artifactType) continue;
      const d: ReferrerDescriptor = { mediaType: r.media_type, digest: r.digest, size: r.size };
      if (r.artifact_type) d.artifactType = r.artifact_type;
      if (r.annotations) d.annotations = JSON.parse(r.annotations) as Record<string, string>;
      out.push(d);
    }
    return out;
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

  async close(): Promise<void> {
    if (this.db.open) {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    }
  }
}

function toProject(r: unknown): Project | null {
  if (!r) return null;
  const x = r as { id: number; name: string; public: number; created_at: string; updated_at: string };
  return { id: x.id, name: x.name, public: x.public === 1, createdAt: x.created_at, updatedAt: x.updated_at };
}

function toUpload(r: unknown): UploadSession | null {
  if (!r) return null;
  const x = r as { id: string; repository: string; created_at: number; updated_at: number };
  return { id: x.id, repository: x.repository, createdAt: x.created_at, updatedAt: x.updated_at };
}
