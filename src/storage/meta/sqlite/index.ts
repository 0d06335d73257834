// SQLite metadata store (better-sqlite3, WAL). Statements are prepared once; each public method is
// one statement or one transaction. better-sqlite3 is synchronous, which is what makes a manifest
// GET one indexed lookup with no await in between.
import Database from 'better-sqlite3';
import type {
  ArtifactInfo, CachedTag, BlobRecord, LinkResult, ManifestRecord, MetadataStore, NewProject, NewUser, Page, Project, ProjectMember, ProjectPatch,
  PutManifestResult, QuotaShortfall, SbomStatus, NewRegistryEndpoint, RegistryEndpoint, RegistryEndpointPatch, NewRobot, Robot, RobotPatch, RobotPermission, ReferrerDescriptor, Repository, RepositoryInfo, RoleId, StoredManifest, TagInfo, UploadSession, User, UserPatch,
} from '../types.js';
import { HarborError } from '../../../core/errors.js';
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

/**
 * Runs a write whose name must be unique. The services check first for a clear message, but two
 * requests may both pass that check (an await lies between it and the insert): the loser's UNIQUE
 * violation is the same CONFLICT, never a 500.
 */
function unique<T>(what: string, write: () => T): T {
  try {
    return write();
  } catch (e) {
    if ((e as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new HarborError('CONFLICT', `${what.slice(0, 300)} already exists`);
    throw e;
  }
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
      getProject: db.prepare(`${PROJECT_COLS} WHERE name = ?`),
      getProjectById: db.prepare(`${PROJECT_COLS} WHERE id = ?`),
      listProjects: db.prepare(`${PROJECT_COLS} ORDER BY id`),
      setProjectMeta: db.prepare(`INSERT INTO project_metadata (project_id, name, value) VALUES (?, ?, ?)
        ON CONFLICT (project_id, name) DO UPDATE SET value = excluded.value`),
      deleteProjectMeta: db.prepare('DELETE FROM project_metadata WHERE project_id = ? AND name = ?'),
      insertProject: db.prepare('INSERT INTO projects (name, public, owner_id, storage_limit, registry_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      updateProject: db.prepare(`UPDATE projects SET public = coalesce(?, public), storage_limit = coalesce(?, storage_limit),
        updated_at = ? WHERE id = ?`),
      deleteEmptyRepos: db.prepare(`DELETE FROM repositories WHERE project_id = ?
        AND NOT EXISTS (SELECT 1 FROM manifests m WHERE m.repository_id = repositories.id)`),
      deleteProject: db.prepare('DELETE FROM projects WHERE id = ?'),
      insertUser: db.prepare(`INSERT INTO users (username, email, realname, comment, password_hash, sysadmin, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      getUserById: db.prepare(`${USER_COLS} WHERE id = ?`),
      getUserByName: db.prepare(`${USER_COLS} WHERE username = ?`),
      listUsers: db.prepare(`${USER_COLS} ORDER BY id`),
      updateUser: db.prepare(`UPDATE users SET email = coalesce(?, email), realname = coalesce(?, realname), comment = coalesce(?, comment),
        password_hash = coalesce(?, password_hash), sysadmin = coalesce(?, sysadmin), updated_at = ? WHERE id = ?`),
      deleteUser: db.prepare('DELETE FROM users WHERE id = ?'),
      listMembers: db.prepare(`SELECT m.id, m.project_id, m.user_id, u.username, m.role_id FROM project_members m
        JOIN users u ON u.id = m.user_id WHERE m.project_id = ? ORDER BY m.id`),
      insertMember: db.prepare(`INSERT INTO project_members (project_id, user_id, role_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (project_id, user_id) DO NOTHING`),
      getMember: db.prepare(`SELECT m.id, m.project_id, m.user_id, u.username, m.role_id FROM project_members m
        JOIN users u ON u.id = m.user_id WHERE m.id = ?`),
      updateMember: db.prepare('UPDATE project_members SET role_id = ?, updated_at = ? WHERE project_id = ? AND id = ?'),
      deleteMember: db.prepare('DELETE FROM project_members WHERE project_id = ? AND id = ?'),
      memberRole: db.prepare('SELECT role_id FROM project_members WHERE project_id = ? AND user_id = ?').pluck(),
      projectRepos: db.prepare(`SELECT r.id, r.name, r.project_id, r.created_at, r.updated_at, r.pull_count,
        (SELECT count(*) FROM manifests m WHERE m.repository_id = r.id) AS artifact_count
        FROM repositories r WHERE r.project_id = ? AND EXISTS (SELECT 1 FROM manifests m WHERE m.repository_id = r.id) ORDER BY r.name`),
      deleteRepo: db.prepare('DELETE FROM repositories WHERE name = ?'),
      // Harbor's artifact list (pkg/artifact/dao): tagged artifacts and those no index references,
      // without accessories (a referrer whose subject is in the repository: SBOMs, signatures).
      artifacts: db.prepare(`${ARTIFACT_COLS} WHERE r.name = ?
        AND (EXISTS (SELECT 1 FROM repository_tags t WHERE t.manifest_id = m.id)
          OR NOT EXISTS (SELECT 1 FROM manifest_refs x JOIN manifests p ON p.id = x.manifest_id
            WHERE x.kind = 'manifest' AND x.digest = m.digest AND p.repository_id = m.repository_id))
        AND NOT (m.subject IS NOT NULL AND EXISTS (SELECT 1 FROM manifests s WHERE s.repository_id = m.repository_id AND s.digest = m.subject))
        ORDER BY m.pushed_at DESC, m.id DESC`),
      artifact: db.prepare(`${ARTIFACT_COLS} WHERE r.name = ? AND m.digest = ?`),
      artifactTags: db.prepare(`SELECT t.id, t.name, t.pushed_at, t.pull_time FROM repository_tags t WHERE t.manifest_id = ? ORDER BY t.name`),
      tagExists: db.prepare('SELECT 1 FROM repository_tags WHERE repository_id = ? AND name = ?').pluck(),
      insertTag: db.prepare('INSERT INTO repository_tags (repository_id, name, manifest_id, pushed_at) VALUES (?, ?, ?, ?)'),
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
      upsertTag: db.prepare(`INSERT INTO repository_tags (repository_id, name, manifest_id, pushed_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (repository_id, name) DO UPDATE SET manifest_id = excluded.manifest_id, pushed_at = excluded.pushed_at`),
      manifestByDigest: db.prepare(`SELECT m.digest, m.media_type, m.size, m.content FROM manifests m
        JOIN repositories r ON r.id = m.repository_id WHERE r.name = ? AND m.digest = ?`),
      manifestByTag: db.prepare(`SELECT m.digest, m.media_type, m.size, m.content FROM repository_tags t
        JOIN repositories r ON r.id = t.repository_id JOIN manifests m ON m.id = t.manifest_id WHERE r.name = ? AND t.name = ?`),
      deleteTag: db.prepare('DELETE FROM repository_tags WHERE repository_id = (SELECT id FROM repositories WHERE name = ?) AND name = ?'),
      listTags: db.prepare('SELECT name FROM repository_tags WHERE repository_id = ? AND name > ? ORDER BY name LIMIT ?').pluck(),
      referrers: db.prepare(`SELECT m.media_type, m.digest, m.size, m.artifact_type, m.annotations FROM manifests m
        JOIN repositories r ON r.id = m.repository_id WHERE r.name = ? AND m.subject = ? ORDER BY m.id`),
      createUpload: db.prepare('INSERT INTO uploads (id, repository, created_at, updated_at) VALUES (?, ?, ?, ?)'),
      getUpload: db.prepare('SELECT id, repository, created_at, updated_at FROM uploads WHERE id = ?'),
      touchUpload: db.prepare('UPDATE uploads SET updated_at = ? WHERE id = ?'),
      deleteUpload: db.prepare('DELETE FROM uploads WHERE id = ?'),
      // Quota usage (migration 3): is a digest already counted in the project, the recount, the counter.
      inProject: db.prepare(`SELECT 1 FROM repository_blobs l JOIN repositories r ON r.id = l.repository_id
          WHERE l.digest = ? AND r.project_id = ? AND l.released = 0
        UNION ALL SELECT 1 FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE m.digest = ? AND r.project_id = ? LIMIT 1`).pluck(),
      recount: db.prepare(`SELECT coalesce(sum(size), 0) FROM (
        SELECT l.digest, b.size FROM repository_blobs l JOIN repositories r ON r.id = l.repository_id
          JOIN blobs b ON b.digest = l.digest WHERE r.project_id = ? AND l.released = 0
        UNION
        SELECT m.digest, m.size FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE r.project_id = ?)`).pluck(),
      quotaOf: db.prepare('SELECT storage_limit, storage_used FROM projects WHERE id = ?'),
      addUsage: db.prepare('UPDATE projects SET storage_used = storage_used + ? WHERE id = ?'),
      setUsage: db.prepare('UPDATE projects SET storage_used = ? WHERE id = ?'),
      repoProject: db.prepare('SELECT id, project_id FROM repositories WHERE name = ?'),
      // Blobs a manifest referenced that no other manifest of its repository references.
      orphanedRefs: db.prepare(`SELECT x.digest FROM manifest_refs x WHERE x.manifest_id = ? AND x.kind = 'blob'
        AND NOT EXISTS (SELECT 1 FROM manifest_refs y JOIN manifests o ON o.id = y.manifest_id
          WHERE o.repository_id = ? AND o.id <> x.manifest_id AND y.digest = x.digest AND y.kind = 'blob')`).pluck(),
      unlinkById: db.prepare('DELETE FROM repository_blobs WHERE repository_id = ? AND digest = ?'),
      linkState: db.prepare('SELECT l.released, b.size FROM repository_blobs l JOIN blobs b ON b.digest = l.digest WHERE l.repository_id = ? AND l.digest = ?'),
      release: db.prepare('UPDATE repository_blobs SET released = 1 WHERE repository_id = ? AND digest = ?'),
      unrelease: db.prepare('UPDATE repository_blobs SET released = 0 WHERE repository_id = ? AND digest = ?'),
      insertRobot: db.prepare(`INSERT INTO robots (name, description, level, project_id, secret_hash, disabled, duration, expires_at, permissions,
        creator_type, creator_ref, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      getRobotById: db.prepare(`${ROBOT_COLS} WHERE id = ?`),
      getRobotByName: db.prepare(`${ROBOT_COLS} WHERE name = ?`),
      listRobots: db.prepare(`${ROBOT_COLS} ORDER BY id`),
      updateRobot: db.prepare(`UPDATE robots SET description = coalesce(?, description), disabled = coalesce(?, disabled),
        duration = coalesce(?, duration), expires_at = coalesce(?, expires_at), permissions = coalesce(?, permissions),
        secret_hash = coalesce(?, secret_hash), updated_at = ? WHERE id = ?`),
      deleteRobot: db.prepare('DELETE FROM robots WHERE id = ?'),
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
      uploadsBefore: db.prepare('SELECT id, repository, created_at, updated_at FROM uploads WHERE updated_at < ? ORDER BY updated_at'),
      // SBOM generation status (migration 7) and the accessories that go with their subject.
      hardReferrers: db.prepare('SELECT id, digest FROM manifests WHERE repository_id = ? AND subject = ?'),
      deleteManifestById: db.prepare('DELETE FROM manifests WHERE id = ?'),
      upsertSbom: db.prepare(`INSERT INTO sbom_status (manifest_id, report_id, status, start_time, end_time, sbom_digest, cyclonedx_digest, error)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (manifest_id) DO UPDATE SET report_id = excluded.report_id, status = excluded.status,
        start_time = excluded.start_time, end_time = excluded.end_time, sbom_digest = excluded.sbom_digest,
        cyclonedx_digest = excluded.cyclonedx_digest, error = excluded.error`),
      getSbom: db.prepare(`SELECT s.* FROM sbom_status s JOIN manifests m ON m.id = s.manifest_id
        JOIN repositories r ON r.id = m.repository_id WHERE r.name = ? AND m.digest = ?`),
      unfinishedSbom: db.prepare(`SELECT r.name AS repository, m.digest FROM sbom_status s JOIN manifests m ON m.id = s.manifest_id
        JOIN repositories r ON r.id = m.repository_id WHERE s.status IN ('Pending', 'Running') ORDER BY s.rowid`),
    };
  }

  private iso(): string {
    return this.now().toISOString();
  }

  private project(row: unknown): Project | null {
    return toProject(row);
  }

  async getProject(name: string): Promise<Project | null> {
    return this.project(this.s.getProject.get(name));
  }

  async getProjectById(id: number): Promise<Project | null> {
    return this.project(this.s.getProjectById.get(id));
  }

  async createProject(p: NewProject): Promise<Project> {
    return unique(`the project ${p.name}`, this.db.transaction(() => {
      const t = this.iso();
      const id = Number(this.s.insertProject.run(p.name, p.public ? 1 : 0, p.ownerId ?? null, p.storageLimit ?? -1, p.registryId ?? null, t, t).lastInsertRowid);
      for (const [k, v] of Object.entries(p.metadata ?? {})) this.s.setProjectMeta.run(id, k, v);
      return this.project(this.s.getProjectById.get(id))!;
    }));
  }

  async listProjects(): Promise<Project[]> {
    return (this.s.listProjects.all() as unknown[]).map((r) => this.project(r)!);
  }

  async updateProject(id: number, patch: ProjectPatch): Promise<Project | null> {
    return this.db.transaction(() => {
      const pub = patch.public === undefined ? null : patch.public ? 1 : 0;
      if (this.s.updateProject.run(pub, patch.storageLimit ?? null, this.iso(), id).changes === 0) return null;
      for (const [k, v] of Object.entries(patch.metadata ?? {})) {
        if (v === null) this.s.deleteProjectMeta.run(id, k);
        else this.s.setProjectMeta.run(id, k, v);
      }
      return this.project(this.s.getProjectById.get(id));
    })();
  }

  async deleteProject(id: number): Promise<boolean> {
    return this.db.transaction(() => {
      this.s.deleteEmptyRepos.run(id);
      return this.s.deleteProject.run(id).changes > 0;
    })();
  }

  // ---- users

  async createUser(u: NewUser): Promise<User> {
    const t = this.iso();
    const id = unique(`the user ${u.username}`, () => this.s.insertUser.run(u.username, u.email ?? '', u.realname ?? '', u.comment ?? '', u.passwordHash,
      u.sysadmin ? 1 : 0, t, t)).lastInsertRowid;
    return toUser(this.s.getUserById.get(id))!;
  }

  async getUserById(id: number): Promise<User | null> {
    return toUser(this.s.getUserById.get(id));
  }

  async getUserByName(username: string): Promise<User | null> {
    return toUser(this.s.getUserByName.get(username));
  }

  async listUsers(): Promise<User[]> {
    return (this.s.listUsers.all() as unknown[]).map((r) => toUser(r)!);
  }

  async updateUser(id: number, patch: UserPatch): Promise<User | null> {
    const admin = patch.sysadmin === undefined ? null : patch.sysadmin ? 1 : 0;
    const r = this.s.updateUser.run(patch.email ?? null, patch.realname ?? null, patch.comment ?? null, patch.passwordHash ?? null, admin, this.iso(), id);
    return r.changes ? toUser(this.s.getUserById.get(id)) : null;
  }

  async deleteUser(id: number): Promise<boolean> {
    return this.s.deleteUser.run(id).changes > 0;
  }

  // ---- members

  async listMembers(projectId: number): Promise<ProjectMember[]> {
    return (this.s.listMembers.all(projectId) as unknown[]).map((r) => toMember(r)!);
  }

  async addMember(projectId: number, userId: number, roleId: RoleId): Promise<ProjectMember | null> {
    const t = this.iso();
    const r = this.s.insertMember.run(projectId, userId, roleId, t, t);
    return r.changes ? toMember(this.s.getMember.get(r.lastInsertRowid)) : null;
  }

  async updateMember(projectId: number, memberId: number, roleId: RoleId): Promise<boolean> {
    return this.s.updateMember.run(roleId, this.iso(), projectId, memberId).changes > 0;
  }

  async deleteMember(projectId: number, memberId: number): Promise<boolean> {
    return this.s.deleteMember.run(projectId, memberId).changes > 0;
  }

  async getMemberRole(projectId: number, userId: number): Promise<RoleId | null> {
    return (this.s.memberRole.get(projectId, userId) as RoleId | undefined) ?? null;
  }

  async getRepository(name: string): Promise<Repository | null> {
    const r = this.s.getRepo.get(name) as { id: number; name: string; project_id: number } | undefined;
    return r ? { id: r.id, name: r.name, projectId: r.project_id } : null;
  }

  async listRepositories(page: Page): Promise<string[]> {
    return this.s.listRepos.pluck().all(page.last ?? '', limit(page)) as string[];
  }

  async listProjectRepositories(projectId: number): Promise<RepositoryInfo[]> {
    return (this.s.projectRepos.all(projectId) as { id: number; name: string; project_id: number; created_at: string; updated_at: string; artifact_count: number; pull_count: number }[])
      .map((r) => ({ id: r.id, name: r.name, projectId: r.project_id, artifactCount: r.artifact_count, pullCount: r.pull_count, createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  async deleteRepository(name: string): Promise<boolean> {
    return this.db.transaction(() => {
      const repo = this.s.repoProject.get(name) as { id: number; project_id: number } | undefined;
      if (!repo) return false;
      this.s.deleteRepo.run(name);
      this.resetUsage(repo.project_id);
      return true;
    })();
  }

  async recountUsage(projectId: number): Promise<number> {
    return this.s.recount.get(projectId, projectId) as number;
  }

  private ensureRepo(name: string, projectId: number): number {
    const t = this.iso();
    this.s.insertRepo.run(projectId, name, t, t);
    return (this.s.getRepo.get(name) as { id: number }).id;
  }

  /**
   * What storing `digest` (of `size` bytes) adds to the project's usage, or the shortfall when that
   * would pass its limit. Runs inside the caller's transaction: better-sqlite3 runs one transaction
   * at a time, so the check and the update that follows cannot interleave with another push's.
   */
  private charge(projectId: number, digest: string, size: number): { delta: number } | { quota: QuotaShortfall } {
    if (this.s.inProject.get(digest, projectId, digest, projectId)) return { delta: 0 };
    const q = this.s.quotaOf.get(projectId) as { storage_limit: number; storage_used: number } | undefined;
    if (q && q.storage_limit >= 0 && q.storage_used + size > q.storage_limit) {
      return { quota: { projectId, limit: q.storage_limit, used: q.storage_used, requested: size } };
    }
    return { delta: size };
  }

  /** Sets the project's usage to a recount: after removals, where working out the delta is the harder way. */
  private resetUsage(projectId: number): void {
    this.s.setUsage.run(this.s.recount.get(projectId, projectId) as number, projectId);
  }

  async linkBlob(repository: string, projectId: number, blob: BlobRecord): Promise<LinkResult> {
    return this.db.transaction((): LinkResult => {
      const t = this.iso();
      const existing = this.s.repoProject.get(repository) as { id: number; project_id: number } | undefined;
      const state = existing && (this.s.linkState.get(existing.id, blob.digest) as { released: number } | undefined);
      if (state && !state.released) return { ok: true };
      const c = this.charge(projectId, blob.digest, blob.size);
      if ('quota' in c) return { ok: false, quota: c.quota };
      const repoId = existing?.id ?? this.ensureRepo(repository, projectId);
      this.s.upsertBlob.run(blob.digest, blob.size, blob.mediaType ?? null, t);
      this.s.link.run(repoId, blob.digest, t);
      this.s.unrelease.run(repoId, blob.digest);
      if (c.delta) this.s.addUsage.run(c.delta, projectId);
      return { ok: true };
    })();
  }

  async getBlobLink(repository: string, digest: string): Promise<BlobRecord | null> {
    const r = this.s.getLink.get(repository, digest) as { digest: string; size: number; media_type: string | null } | undefined;
    return r ? { digest: r.digest, size: r.size, mediaType: r.media_type } : null;
  }

  async unlinkBlob(repository: string, digest: string): Promise<boolean> {
    return this.db.transaction(() => {
      const repo = this.s.repoProject.get(repository) as { id: number; project_id: number } | undefined;
      if (!repo || this.s.unlinkById.run(repo.id, digest).changes === 0) return false;
      this.resetUsage(repo.project_id);
      return true;
    })();
  }

  async putManifest(repository: string, projectId: number, m: ManifestRecord, tag: string | null): Promise<PutManifestResult> {
    return this.db.transaction((): PutManifestResult => {
      const t = this.iso();
      // Check references before creating the repository: a refused push writes nothing.
      const existing = (this.s.getRepo.get(repository) as { id: number } | undefined)?.id;
      const missingBlobs = m.partial ? [] : m.blobRefs.filter((d) => existing === undefined || !this.s.hasLink.get(existing, d));
      const missingManifests = m.partial ? [] : m.manifestRefs.filter((d) => existing === undefined || !this.s.manifestId.get(existing, d));
      if (missingBlobs.length || missingManifests.length) return { ok: false, missingBlobs, missingManifests };
      let id = existing === undefined ? undefined : (this.s.manifestId.get(existing, m.digest) as number | undefined);
      const created = id === undefined;
      if (created) {
        // What this push adds: the manifest and the released blobs it brings back into use, each
        // unless the project already counts it.
        const items = [{ digest: m.digest, size: m.size }];
        const revived: string[] = [];
        if (existing !== undefined) {
          for (const d of m.blobRefs) {
            const st = this.s.linkState.get(existing, d) as { released: number; size: number } | undefined;
            if (st?.released) {
              revived.push(d);
              items.push({ digest: d, size: st.size });
            }
          }
        }
        let delta = 0;
        for (const it of items) if (!this.s.inProject.get(it.digest, projectId, it.digest, projectId)) delta += it.size;
        const q = this.s.quotaOf.get(projectId) as { storage_limit: number; storage_used: number } | undefined;
        if (delta && q && q.storage_limit >= 0 && q.storage_used + delta > q.storage_limit) {
          return { ok: false, quota: { projectId, limit: q.storage_limit, used: q.storage_used, requested: delta } };
        }
        for (const d of revived) this.s.unrelease.run(existing!, d);
        if (delta) this.s.addUsage.run(delta, projectId);
      }
      const repoId = existing ?? this.ensureRepo(repository, projectId);
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
    return this.db.transaction(() => {
      const repo = this.s.repoProject.get(repository) as { id: number; project_id: number } | undefined;
      const id = repo && (this.s.manifestId.get(repo.id, digest) as number | undefined);
      if (!repo || id === undefined) return false;
      // The manifest, then its accessories (and theirs): each releases what only it referenced.
      const queue: { id: number; digest: string }[] = [{ id, digest }];
      for (let item = queue.shift(); item; item = queue.shift()) {
        queue.push(...(this.s.hardReferrers.all(repo.id, item.digest) as { id: number; digest: string }[]));
        const orphaned = this.s.orphanedRefs.all(item.id, repo.id) as string[];
        this.s.deleteManifestById.run(item.id);
        for (const d of orphaned) this.s.release.run(repo.id, d);
      }
      this.resetUsage(repo.project_id);
      return true;
    })();
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

  private artifact(row: unknown): ArtifactInfo | null {
    if (!row) return null;
    const r = row as { id: number; repository_id: number; digest: string; media_type: string; size: number; content: Buffer; pushed_at: string; pull_time: string | null };
    const tags = (this.s.artifactTags.all(r.id) as { id: number; name: string; pushed_at: string; pull_time: string | null }[])
      .map((t): TagInfo => ({ id: t.id, name: t.name, pushedAt: t.pushed_at, pulledAt: t.pull_time }));
    return { id: r.id, repositoryId: r.repository_id, digest: r.digest, mediaType: r.media_type, size: r.size, content: r.content, pushedAt: r.pushed_at,
      pulledAt: r.pull_time, tags };
  }

  async listArtifacts(repository: string): Promise<ArtifactInfo[]> {
    return (this.s.artifacts.all(repository) as unknown[]).map((r) => this.artifact(r)!);
  }

  async getArtifact(repository: string, digest: string): Promise<ArtifactInfo | null> {
    return this.artifact(this.s.artifact.get(repository, digest));
  }

  async addTag(repository: string, digest: string, tag: string): Promise<'ok' | 'exists' | 'unknown'> {
    return this.db.transaction(() => {
      const repo = this.s.getRepo.get(repository) as { id: number } | undefined;
      const id = repo && (this.s.manifestId.get(repo.id, digest) as number | undefined);
      if (!repo || id === undefined) return 'unknown';
      if (this.s.tagExists.get(repo.id, tag)) return 'exists';
      this.s.insertTag.run(repo.id, tag, id, this.iso());
      return 'ok';
    })();
  }

  // ---- robots

  async createRobot(r: NewRobot): Promise<Robot> {
    const t = this.iso();
    const id = unique(`the robot ${r.name}`, () => this.s.insertRobot.run(r.name, r.description, r.level, r.projectId, r.secretHash, r.disabled ? 1 : 0,
      r.duration, r.expiresAt, JSON.stringify(r.permissions), r.creatorType, r.creatorRef, t, t)).lastInsertRowid;
    return toRobot(this.s.getRobotById.get(id))!;
  }

  async getRobotById(id: number): Promise<Robot | null> {
    return toRobot(this.s.getRobotById.get(id));
  }

  async getRobotByName(name: string): Promise<Robot | null> {
    return toRobot(this.s.getRobotByName.get(name));
  }

  async listRobots(): Promise<Robot[]> {
    return (this.s.listRobots.all() as unknown[]).map((r) => toRobot(r)!);
  }

  async updateRobot(id: number, patch: RobotPatch): Promise<Robot | null> {
    const disabled = patch.disabled === undefined ? null : patch.disabled ? 1 : 0;
    const r = this.s.updateRobot.run(patch.description ?? null, disabled, patch.duration ?? null, patch.expiresAt ?? null,
      patch.permissions ? JSON.stringify(patch.permissions) : null, patch.secretHash ?? null, this.iso(), id);
    return r.changes ? toRobot(this.s.getRobotById.get(id)) : null;
  }

  async deleteRobot(id: number): Promise<boolean> {
    return this.s.deleteRobot.run(id).changes > 0;
  }

  // ---- registry endpoints

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

  // ---- SBOM generation status (issue 7)

  async setSbomStatus(repository: string, digest: string, x: SbomStatus): Promise<boolean> {
    const repo = this.s.getRepo.get(repository) as { id: number } | undefined;
    const id = repo && (this.s.manifestId.get(repo.id, digest) as number | undefined);
    if (id === undefined) return false;
    this.s.upsertSbom.run(id, x.reportId, x.status, x.startTime, x.endTime, x.sbomDigest, x.cyclonedxDigest, x.error);
    return true;
  }

  async getSbomStatus(repository: string, digest: string): Promise<SbomStatus | null> {
    const r = this.s.getSbom.get(repository, digest) as { report_id: string; status: SbomStatus['status']; start_time: string | null;
      end_time: string | null; sbom_digest: string | null; cyclonedx_digest: string | null; error: string | null } | undefined;
    return r ? {
      reportId: r.report_id, status: r.status, startTime: r.start_time, endTime: r.end_time, sbomDigest: r.sbom_digest,
      cyclonedxDigest: r.cyclonedx_digest, error: r.error,
    } : null;
  }

  async listUnfinishedSbom(): Promise<{ repository: string; digest: string }[]> {
    return this.s.unfinishedSbom.all() as { repository: string; digest: string }[];
  }

  async close(): Promise<void> {
    if (this.db.open) {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    }
  }
}

// The metadata comes in the same statement (one lookup per /v2 request's project, not two).
const PROJECT_COLS = `SELECT id, name, public, owner_id, storage_limit, storage_used, registry_id, created_at, updated_at,
  (SELECT json_group_object(name, value) FROM (SELECT name, value FROM project_metadata WHERE project_id = projects.id ORDER BY name)) AS metadata
  FROM projects`;
const USER_COLS = 'SELECT id, username, email, realname, comment, password_hash, sysadmin, created_at, updated_at FROM users';
// An artifact's size is its manifest plus every blob it references (Harbor's artifact size).
const ARTIFACT_COLS = `SELECT m.id, m.repository_id, m.digest, m.media_type, m.content, m.pushed_at, m.pull_time,
  m.size + coalesce((SELECT sum(b.size) FROM manifest_refs x JOIN blobs b ON b.digest = x.digest
    WHERE x.manifest_id = m.id AND x.kind = 'blob'), 0) AS size
  FROM manifests m JOIN repositories r ON r.id = m.repository_id`;

function toProject(r: unknown): Project | null {
  if (!r) return null;
  const x = r as { id: number; name: string; public: number; owner_id: number | null; storage_limit: number; storage_used: number; registry_id: number | null;
    created_at: string; updated_at: string; metadata: string | null };
  return {
    id: x.id, name: x.name, public: x.public === 1, ownerId: x.owner_id, storageLimit: x.storage_limit, storageUsed: x.storage_used,
    metadata: x.metadata ? (JSON.parse(x.metadata) as Record<string, string>) : {}, registryId: x.registry_id,
    createdAt: x.created_at, updatedAt: x.updated_at,
  };
}

const ROBOT_COLS = `SELECT id, name, description, level, project_id, secret_hash, disabled, duration, expires_at, permissions,
  creator_type, creator_ref, created_at, updated_at FROM robots`;

function toRobot(r: unknown): Robot | null {
  if (!r) return null;
  const x = r as { id: number; name: string; description: string; level: 'system' | 'project'; project_id: number | null; secret_hash: string; disabled: number;
    duration: number; expires_at: number; permissions: string; creator_type: 'local' | 'robot'; creator_ref: number; created_at: string; updated_at: string };
  return {
    id: x.id, name: x.name, description: x.description, level: x.level, projectId: x.project_id, secretHash: x.secret_hash, disabled: x.disabled === 1,
    duration: x.duration, expiresAt: x.expires_at, permissions: JSON.parse(x.permissions) as RobotPermission[], creatorType: x.creator_type,
    creatorRef: x.creator_ref, createdAt: x.created_at, updatedAt: x.updated_at,
  };
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

function toUser(r: unknown): User | null {
  if (!r) return null;
  const x = r as { id: number; username: string; email: string; realname: string; comment: string; password_hash: string; sysadmin: number; created_at: string; updated_at: string };
  return {
    id: x.id, username: x.username, email: x.email, realname: x.realname, comment: x.comment, passwordHash: x.password_hash,
    sysadmin: x.sysadmin === 1, createdAt: x.created_at, updatedAt: x.updated_at,
  };
}

function toMember(r: unknown): ProjectMember | null {
  if (!r) return null;
  const x = r as { id: number; project_id: number; user_id: number; username: string; role_id: RoleId };
  return { id: x.id, projectId: x.project_id, userId: x.user_id, username: x.username, roleId: x.role_id };
}

function toUpload(r: unknown): UploadSession | null {
  if (!r) return null;
  const x = r as { id: string; repository: string; created_at: number; updated_at: number };
  return { id: x.id, repository: x.repository, createdAt: x.created_at, updatedAt: x.updated_at };
}
