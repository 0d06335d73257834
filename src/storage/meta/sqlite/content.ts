// Repositories, blobs and their links, manifests, references, tags and referrers (tables repositories,
// blobs, repository_blobs, manifests, manifest_refs, repository_tags). Beyond its own tables: every
// write that changes what a project stores checks and updates projects.storage_used in the same
// transaction (one database, one transaction per push); sbom_status rows go with their manifest.
import type Database from 'better-sqlite3';
import type { BlobRecord, ContentStore, CopyResult, TagGuard, LinkResult, ManifestRecord, Page, PutManifestResult, QuotaShortfall, ReferrerDescriptor, Repository, StoredManifest } from '../index.js';
import { nameTrigrams, REPO_HAS_MANIFEST } from '../artifacts.js';
import { type Clock, RECOUNT, SqliteStore, limit } from './common.js';

type ManifestRow = { id: number; media_type: string; artifact_type: string | null; size: number; content: Buffer; subject: string | null; annotations: string | null };

export class SqliteContentStore extends SqliteStore implements ContentStore {
  private readonly s;
  /** Whether this turn of the event loop has read the change token, and what its later callers wait for. */
  private turn = false;
  private later: { promise: Promise<string>; resolve(t: string): void; reject(e: unknown): void } | null = null;

  constructor(db: Database.Database, now: Clock) {
    super(db, now);
    this.s = {
      // total_changes() moves with every row this connection changes, data_version when another
      // connection (another process) commits. Two statements: the pragma as a table-valued function
      // cost half as much again (bench: ~4 µs against ~2.6 µs here).
      totalChanges: db.prepare('SELECT total_changes()').pluck(),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
      deleteRepo: db.prepare('DELETE FROM repositories WHERE id = ?'),
      tagExists: db.prepare('SELECT 1 FROM repository_tags WHERE repository_id = ? AND name = ?').pluck(),
      insertTag: db.prepare('INSERT INTO repository_tags (repository_id, name, manifest_id, pushed_at) VALUES (?, ?, ?, ?)'),
      getRepo: db.prepare('SELECT id, name, project_id FROM repositories WHERE name = ?'),
      insertRepo: db.prepare('INSERT INTO repositories (project_id, name, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING'),
      // The counts the repository lists read (migration 29): a repository's manifests, a project's
      // repositories holding one. RETURNING tells when a repository starts or stops being listed.
      // What q=name=~ looks up (migration 30); a repository's rows go with it (ON DELETE CASCADE).
      insertTrigram: db.prepare('INSERT INTO repository_name_trigrams (trigram, repository_id) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      touchRepo: db.prepare('UPDATE repositories SET updated_at = ?, artifact_count = artifact_count + ? WHERE id = ? RETURNING artifact_count').pluck(),
      uncountManifest: db.prepare('UPDATE repositories SET artifact_count = artifact_count - 1 WHERE id = ? RETURNING artifact_count').pluck(),
      countRepo: db.prepare('UPDATE projects SET repo_count = repo_count + ? WHERE id = ?'),
      listRepos: db.prepare(`SELECT r.name FROM repositories r WHERE r.name > ? AND ${REPO_HAS_MANIFEST} ORDER BY r.name LIMIT ?`),
      upsertBlob: db.prepare(`INSERT INTO blobs (digest, size, media_type, created_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (digest) DO UPDATE SET media_type = coalesce(blobs.media_type, excluded.media_type)`),
      link: db.prepare('INSERT INTO repository_blobs (repository_id, digest, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      getLink: db.prepare(`SELECT b.digest, b.size, b.media_type FROM repository_blobs l JOIN repositories r ON r.id = l.repository_id
        JOIN blobs b ON b.digest = l.digest WHERE r.name = ? AND l.digest = ?`),
      hasLink: db.prepare('SELECT 1 FROM repository_blobs WHERE repository_id = ? AND digest = ?').pluck(),
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
      // Quota usage (migration 3): is a digest already counted in the project, the recount, the counter.
      inProject: db.prepare(`SELECT 1 FROM repository_blobs l JOIN repositories r ON r.id = l.repository_id
          WHERE l.digest = ? AND r.project_id = ? AND l.released = 0
        UNION ALL SELECT 1 FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE m.digest = ? AND r.project_id = ? LIMIT 1`).pluck(),
      recount: db.prepare(RECOUNT).pluck(),
      quotaOf: db.prepare('SELECT storage_limit, storage_used FROM projects WHERE id = ?'),
      addUsage: db.prepare('UPDATE projects SET storage_used = storage_used + ? WHERE id = ?'),
      setUsage: db.prepare('UPDATE projects SET storage_used = ? WHERE id = ?'),
      repoProject: db.prepare('SELECT id, project_id, artifact_count FROM repositories WHERE name = ?'),
      // Blobs a manifest referenced that no other manifest of its repository references.
      orphanedRefs: db.prepare(`SELECT x.digest FROM manifest_refs x WHERE x.manifest_id = ? AND x.kind = 'blob'
        AND NOT EXISTS (SELECT 1 FROM manifest_refs y JOIN manifests o ON o.id = y.manifest_id
          WHERE o.repository_id = ? AND o.id <> x.manifest_id AND y.digest = x.digest AND y.kind = 'blob')`).pluck(),
      unlinkById: db.prepare('DELETE FROM repository_blobs WHERE repository_id = ? AND digest = ?'),
      linkState: db.prepare('SELECT l.released, b.size FROM repository_blobs l JOIN blobs b ON b.digest = l.digest WHERE l.repository_id = ? AND l.digest = ?'),
      release: db.prepare('UPDATE repository_blobs SET released = 1 WHERE repository_id = ? AND digest = ?'),
      unrelease: db.prepare('UPDATE repository_blobs SET released = 0 WHERE repository_id = ? AND digest = ?'),
      // The accessories that go with their subject (SBOMs, signatures).
      hardReferrers: db.prepare('SELECT id, digest FROM manifests WHERE repository_id = ? AND subject = ?'),
      deleteManifestById: db.prepare('DELETE FROM manifests WHERE id = ?'),
      // What a TagGuard is shown: where a tag points now, the tags of a manifest or of a repository.
      tagTarget: db.prepare('SELECT m.digest FROM repository_tags t JOIN manifests m ON m.id = t.manifest_id WHERE t.repository_id = ? AND t.name = ?').pluck(),
      manifestTags: db.prepare('SELECT name FROM repository_tags WHERE manifest_id = ? ORDER BY name').pluck(),
      repoTags: db.prepare('SELECT name FROM repository_tags WHERE repository_id = ? ORDER BY name').pluck(),
      // A tag on the manifest, or another manifest of the repository that references it (an index's child).
      inUse: db.prepare(`SELECT 1 FROM repository_tags WHERE manifest_id = ?
        UNION ALL SELECT 1 FROM manifest_refs x JOIN manifests o ON o.id = x.manifest_id
          WHERE o.repository_id = ? AND x.kind = 'manifest' AND x.digest = ? LIMIT 1`).pluck(),
      sourceManifest: db.prepare(`SELECT m.id, m.media_type, m.artifact_type, m.size, m.content, m.subject, m.annotations FROM manifests m
        JOIN repositories r ON r.id = m.repository_id WHERE r.name = ? AND m.digest = ?`),
      refsOf: db.prepare('SELECT digest, kind FROM manifest_refs WHERE manifest_id = ?'),
      blob: db.prepare('SELECT size, media_type FROM blobs WHERE digest = ?'),
    };
  }

  async getRepository(name: string): Promise<Repository | null> {
    const r = this.s.getRepo.get(name) as { id: number; name: string; project_id: number } | undefined;
    return r ? { id: r.id, name: r.name, projectId: r.project_id } : null;
  }

  async listRepositories(page: Page): Promise<string[]> {
    return this.s.listRepos.pluck().all(page.last ?? '', limit(page)) as string[];
  }

  async deleteRepository(name: string, guard?: TagGuard): Promise<boolean> {
    return this.db.transaction(() => {
      const repo = this.s.repoProject.get(name) as { id: number; project_id: number; artifact_count: number } | undefined;
      if (!repo) return false;
      if (guard) for (const t of this.s.repoTags.all(repo.id) as string[]) guard(t, 'delete');
      this.s.deleteRepo.run(repo.id);
      if (repo.artifact_count > 0) this.s.countRepo.run(-1, repo.project_id);
      this.resetUsage(repo.project_id);
      return true;
    })();
  }

  private ensureRepo(name: string, projectId: number): number {
    const t = this.iso();
    const created = this.s.insertRepo.run(projectId, name, t, t).changes > 0;
    const id = (this.s.getRepo.get(name) as { id: number }).id;
    if (created) for (const piece of nameTrigrams(name)) this.s.insertTrigram.run(piece, id);
    return id;
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
    return this.db.transaction(() => this.linkTx(repository, projectId, blob))();
  }

  /** linkBlob inside the caller's transaction. */
  private linkTx(repository: string, projectId: number, blob: BlobRecord): LinkResult {
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

  async putManifest(repository: string, projectId: number, m: ManifestRecord, tag: string | null, guard?: TagGuard): Promise<PutManifestResult> {
    return this.db.transaction(() => this.putManifestTx(repository, projectId, m, tag === null ? [] : [tag], guard))();
  }

  /** putManifest inside the caller's transaction, moving any number of tags. */
  private putManifestTx(repository: string, projectId: number, m: ManifestRecord, tags: string[], guard?: TagGuard): PutManifestResult {
    {
      const t = this.iso();
      // Check references before creating the repository: a refused push writes nothing.
      const existing = (this.s.getRepo.get(repository) as { id: number } | undefined)?.id;
      if (guard && existing !== undefined) {
        for (const tag of tags) {
          const target = this.s.tagTarget.get(existing, tag) as string | undefined;
          // Any push to an existing tag asks, the same digest too: Harbor refuses both for an immutable tag.
          if (target !== undefined) guard(tag, 'move');
        }
      }
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
      for (const tag of tags) this.s.upsertTag.run(repoId, tag, id, t);
      if (this.s.touchRepo.get(t, created ? 1 : 0, repoId) === 1 && created) this.s.countRepo.run(1, projectId);
      return { ok: true, created };
    }
  }

  async copyManifests(source: string, target: string, projectId: number, digests: string[], tags: { digest: string; tags: string[] }, guard?: TagGuard): Promise<CopyResult> {
    const rollback = new Error('rollback');
    let failed: CopyResult | undefined;
    try {
      this.db.transaction(() => {
        for (const digest of digests) {
          const m = this.s.sourceManifest.get(source, digest) as ManifestRow | undefined;
          if (!m) { failed = { ok: false, missing: digest }; throw rollback; }
          const refs = this.s.refsOf.all(m.id) as { digest: string; kind: string }[];
          const blobRefs = refs.filter((r) => r.kind === 'blob').map((r) => r.digest);
          for (const d of blobRefs) {
            const b = this.s.blob.get(d) as { size: number; media_type: string | null } | undefined;
            if (!b) { failed = { ok: false, missing: d }; throw rollback; }
            const l = this.linkTx(target, projectId, { digest: d, size: b.size, mediaType: b.media_type });
            if (!l.ok) { failed = { ok: false, quota: l.quota }; throw rollback; }
          }
          const r = this.putManifestTx(target, projectId, {
            digest, mediaType: m.media_type, artifactType: m.artifact_type, size: m.size, content: m.content, subject: m.subject,
            annotations: m.annotations ? JSON.parse(m.annotations) as Record<string, string> : null,
            blobRefs, manifestRefs: refs.filter((x) => x.kind === 'manifest').map((x) => x.digest),
          }, digest === tags.digest ? tags.tags : [], guard);
          if (!r.ok) { failed = r.quota ? { ok: false, quota: r.quota } : { ok: false, missing: [...r.missingManifests, ...r.missingBlobs][0] }; throw rollback; }
        }
      })();
    } catch (e) {
      if (e !== rollback) throw e;
      return failed!;
    }
    return { ok: true };
  }

  async getManifest(repository: string, reference: string): Promise<StoredManifest | null> {
    const stmt = reference.includes(':') ? this.s.manifestByDigest : this.s.manifestByTag;
    const r = stmt.get(repository, reference) as { digest: string; media_type: string; size: number; content: Buffer } | undefined;
    return r ? { digest: r.digest, mediaType: r.media_type, size: r.size, content: r.content } : null;
  }

  /**
   * `PRAGMA data_version` is a read transaction (two fcntl locks on the -shm file): 5–7 µs of a
   * manifest GET's ~100 µs under load, where one turn of the event loop serves ~10 GETs. The first
   * caller of a turn reads at once; the others of that turn share one read made once the turn's I/O
   * callbacks have run. Every read is made after its callers asked, so later than each request's
   * arrival and earlier than each answer: as exact as a read per call.
   */
  changeToken(): Promise<string> {
    if (!this.turn) {
      this.turn = true;
      setImmediate(() => this.endTurn());
      return Promise.resolve(this.readToken());
    }
    if (!this.later) {
      let resolve!: (token: string) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<string>((res, rej) => { resolve = res; reject = rej; });
      this.later = { promise, resolve, reject };
    }
    return this.later.promise;
  }

  private endTurn(): void {
    this.turn = false;
    const waiting = this.later;
    this.later = null;
    if (!waiting) return;
    try { waiting.resolve(this.readToken()); } catch (e) { waiting.reject(e); }
  }

  private readToken(): string {
    return `${this.s.totalChanges.get() as number}:${this.s.dataVersion.get() as number}`;
  }

  async deleteManifest(repository: string, digest: string, guard?: TagGuard): Promise<boolean> {
    return this.deleteManifests([{ repository, digest }], false, guard)[0];
  }

  /**
   * deleteManifest for several manifests in one transaction, synchronous so that garbage collection
   * (sqlite/gc.ts) can run it inside its own, with each project's usage recounted once at the end;
   * with `untaggedOnly` a manifest is left (false) unless it has no tag and no other manifest of the
   * repository references it, checked in the same transaction. `guard` is asked for every tag deleted.
   */
  deleteManifests(items: { repository: string; digest: string }[], untaggedOnly = false, guard?: TagGuard): boolean[] {
    return this.db.transaction(() => {
      const projects = new Set<number>();
      const done = items.map(({ repository, digest }) => {
        const repo = this.s.repoProject.get(repository) as { id: number; project_id: number } | undefined;
        const id = repo && (this.s.manifestId.get(repo.id, digest) as number | undefined);
        if (!repo || id === undefined) return false;
        if (untaggedOnly && this.s.inUse.get(id, repo.id, digest)) return false;
        // The manifest, then its accessories (and theirs): each releases what only it referenced.
        const queue: { id: number; digest: string }[] = [{ id, digest }];
        for (let item = queue.shift(); item; item = queue.shift()) {
          queue.push(...(this.s.hardReferrers.all(repo.id, item.digest) as { id: number; digest: string }[]));
          if (guard) for (const tg of this.s.manifestTags.all(item.id) as string[]) guard(tg, 'delete');
          const orphaned = this.s.orphanedRefs.all(item.id, repo.id) as string[];
          this.s.deleteManifestById.run(item.id);
          if (this.s.uncountManifest.get(repo.id) === 0) this.s.countRepo.run(-1, repo.project_id);
          for (const d of orphaned) this.s.release.run(repo.id, d);
        }
        projects.add(repo.project_id);
        return true;
      });
      for (const p of projects) this.resetUsage(p);
      return done;
    })();
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

  async deleteTag(repository: string, tag: string, guard?: TagGuard): Promise<boolean> {
    return this.db.transaction(() => {
      if (guard) {
        const repo = this.s.getRepo.get(repository) as { id: number } | undefined;
        if (repo && this.s.tagExists.get(repo.id, tag)) guard(tag, 'delete');
      }
      return this.s.deleteTag.run(repository, tag).changes > 0;
    })();
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
}
