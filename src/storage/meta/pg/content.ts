// Repositories, blobs and their links, manifests, references, tags and referrers, as
// sqlite/content.ts keeps them. What SQLite's single writer gave for free, row locks give here:
// every write that changes what a project stores first locks the project's row (SELECT ... FOR
// UPDATE), so its quota check, its "is this digest already counted" check and its usage update
// cannot interleave with another write to the same project on any replica.
import type { BlobRecord, ContentStore, CopyResult, TagGuard, LinkResult, ManifestRecord, Page, PutManifestResult, QuotaShortfall, ReferrerDescriptor, Repository, StoredManifest } from '../index.js';
import { nameTrigrams, REPO_HAS_MANIFEST } from '../artifacts.js';
import { type Conn, PgStore, RECOUNT, limit } from './common.js';

type ManifestRow = { id: number; media_type: string; artifact_type: string | null; size: number; content: Buffer; subject: string | null; annotations: string | null };
type Quota = { storage_limit: number; storage_used: number };

const IN_PROJECT = `SELECT 1 FROM repository_blobs l JOIN repositories r ON r.id = l.repository_id
    WHERE l.digest = ? AND r.project_id = ? AND NOT l.released
  UNION ALL SELECT 1 FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE m.digest = ? AND r.project_id = ? LIMIT 1`;
const REPO = 'SELECT id, project_id FROM repositories WHERE name = ?';
const MANIFEST_ID = 'SELECT id FROM manifests WHERE repository_id = ? AND digest = ?';
const LINK_STATE = 'SELECT l.released, b.size FROM repository_blobs l JOIN blobs b ON b.digest = l.digest WHERE l.repository_id = ? AND l.digest = ?';

export class PgContentStore extends PgStore implements ContentStore {
  async getRepository(name: string): Promise<Repository | null> {
    const r = await this.db.get<{ id: number; name: string; project_id: number }>('SELECT id, name, project_id FROM repositories WHERE name = ?', name);
    return r ? { id: r.id, name: r.name, projectId: r.project_id } : null;
  }

  async listRepositories(page: Page): Promise<string[]> {
    return this.db.column<string>(`SELECT r.name FROM repositories r WHERE r.name > ?
      AND ${REPO_HAS_MANIFEST} ORDER BY r.name LIMIT ?`, page.last ?? '', limit(page));
  }

  /** Locks the project's row for the rest of the transaction; its quota (undefined: no such project). */
  private async lock(c: Conn, projectId: number): Promise<Quota | undefined> {
    return c.get<Quota>('SELECT storage_limit, storage_used FROM projects WHERE id = ? FOR UPDATE', projectId);
  }

  async deleteRepository(name: string, guard?: TagGuard): Promise<boolean> {
    return this.tx(async (c) => {
      const repo = await c.get<{ id: number; project_id: number }>(REPO, name);
      if (!repo) return false;
      await this.lock(c, repo.project_id);
      if (guard) for (const t of await c.column<string>('SELECT name FROM repository_tags WHERE repository_id = ? ORDER BY name', repo.id)) guard(t, 'delete');
      const listed = await c.value<number>('DELETE FROM repositories WHERE id = ? RETURNING artifact_count', repo.id);
      if (listed === undefined) return false;
      if (listed > 0) await this.countRepo(c, repo.project_id, -1);
      await this.resetUsage(c, repo.project_id);
      return true;
    });
  }

  private async ensureRepo(c: Conn, name: string, projectId: number): Promise<number> {
    const t = this.iso();
    const created = await c.value<number>('INSERT INTO repositories (project_id, name, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING id',
      projectId, name, t, t);
    if (created === undefined) return (await c.value<number>('SELECT id FROM repositories WHERE name = ?', name))!;
    // What q=name=~ looks up (SQLite's migration 30); a repository's rows go with it (ON DELETE CASCADE).
    await c.run('INSERT INTO repository_name_trigrams (trigram, repository_id) SELECT unnest(?::text[]), ? ON CONFLICT DO NOTHING', nameTrigrams(name), created);
    return created;
  }

  /** What storing `digest` adds to the project's usage, or the shortfall; inside a transaction holding the project's lock. */
  private async charge(c: Conn, projectId: number, q: Quota | undefined, digest: string, size: number): Promise<{ delta: number } | { quota: QuotaShortfall }> {
    if (await c.value(IN_PROJECT, digest, projectId, digest, projectId)) return { delta: 0 };
    if (q && q.storage_limit >= 0 && q.storage_used + size > q.storage_limit) {
      return { quota: { projectId, limit: q.storage_limit, used: q.storage_used, requested: size } };
    }
    return { delta: size };
  }

  private async resetUsage(c: Conn, projectId: number): Promise<void> {
    await c.run(`UPDATE projects SET storage_used = (${RECOUNT}) WHERE id = ?`, projectId, projectId, projectId);
  }

  /** A project's repositories holding a manifest, as the repository lists count them. */
  private async countRepo(c: Conn, projectId: number, delta: number): Promise<void> {
    await c.run('UPDATE projects SET repo_count = repo_count + ? WHERE id = ?', delta, projectId);
  }

  private async addUsage(c: Conn, projectId: number, delta: number, q: Quota | undefined): Promise<void> {
    await c.run('UPDATE projects SET storage_used = storage_used + ? WHERE id = ?', delta, projectId);
    if (q) q.storage_used += delta;
  }

  async linkBlob(repository: string, projectId: number, blob: BlobRecord): Promise<LinkResult> {
    return this.tx(async (c) => this.linkTx(c, repository, projectId, blob, await this.lock(c, projectId)));
  }

  /** linkBlob inside the caller's transaction, which holds the project's lock (`q`: its quota as it stands). */
  private async linkTx(c: Conn, repository: string, projectId: number, blob: BlobRecord, q: Quota | undefined): Promise<LinkResult> {
    const t = this.iso();
    const existing = await c.get<{ id: number }>(REPO, repository);
    const state = existing && await c.get<{ released: boolean }>(LINK_STATE, existing.id, blob.digest);
    if (state && !state.released) return { ok: true };
    const ch = await this.charge(c, projectId, q, blob.digest, blob.size);
    if ('quota' in ch) return { ok: false, quota: ch.quota };
    const repoId = existing?.id ?? await this.ensureRepo(c, repository, projectId);
    await c.run(`INSERT INTO blobs (digest, size, media_type, created_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (digest) DO UPDATE SET media_type = coalesce(blobs.media_type, excluded.media_type)`, blob.digest, blob.size, blob.mediaType ?? null, t);
    await c.run(`INSERT INTO repository_blobs (repository_id, digest, created_at) VALUES (?, ?, ?)
      ON CONFLICT (repository_id, digest) DO UPDATE SET released = false`, repoId, blob.digest, t);
    if (ch.delta) await this.addUsage(c, projectId, ch.delta, q);
    return { ok: true };
  }

  async getBlobLink(repository: string, digest: string): Promise<BlobRecord | null> {
    const r = await this.db.get<{ digest: string; size: number; media_type: string | null }>(`SELECT b.digest, b.size, b.media_type FROM repository_blobs l
      JOIN repositories r ON r.id = l.repository_id JOIN blobs b ON b.digest = l.digest WHERE r.name = ? AND l.digest = ?`, repository, digest);
    return r ? { digest: r.digest, size: r.size, mediaType: r.media_type } : null;
  }

  async unlinkBlob(repository: string, digest: string): Promise<boolean> {
    return this.tx(async (c) => {
      const repo = await c.get<{ id: number; project_id: number }>(REPO, repository);
      if (!repo) return false;
      await this.lock(c, repo.project_id);
      if (await c.run('DELETE FROM repository_blobs WHERE repository_id = ? AND digest = ?', repo.id, digest) === 0) return false;
      await this.resetUsage(c, repo.project_id);
      return true;
    });
  }

  async putManifest(repository: string, projectId: number, m: ManifestRecord, tag: string | null, guard?: TagGuard): Promise<PutManifestResult> {
    return this.tx(async (c) => this.putManifestTx(c, repository, projectId, m, tag === null ? [] : [tag], await this.lock(c, projectId), guard));
  }

  /** putManifest inside the caller's transaction (holding the project's lock), moving any number of tags. */
  private async putManifestTx(c: Conn, repository: string, projectId: number, m: ManifestRecord, tags: string[], q: Quota | undefined, guard?: TagGuard): Promise<PutManifestResult> {
    const t = this.iso();
    const existing = (await c.get<{ id: number }>(REPO, repository))?.id;
    if (guard && existing !== undefined) {
      for (const tag of tags) {
        const target = await c.value('SELECT 1 FROM repository_tags WHERE repository_id = ? AND name = ?', existing, tag);
        if (target !== undefined) guard(tag, 'move');
      }
    }
    const present = async (sql: string, refs: string[]): Promise<Set<string>> =>
      existing === undefined || refs.length === 0 ? new Set() : new Set(await c.column<string>(sql, existing, refs));
    const linked = m.partial ? new Set<string>() : await present('SELECT digest FROM repository_blobs WHERE repository_id = ? AND digest = ANY(?)', m.blobRefs);
    const stored = m.partial ? new Set<string>() : await present('SELECT digest FROM manifests WHERE repository_id = ? AND digest = ANY(?)', m.manifestRefs);
    const missingBlobs = m.partial ? [] : m.blobRefs.filter((d) => !linked.has(d));
    const missingManifests = m.partial ? [] : m.manifestRefs.filter((d) => !stored.has(d));
    if (missingBlobs.length || missingManifests.length) return { ok: false, missingBlobs, missingManifests };
    let id = existing === undefined ? undefined : await c.value<number>(MANIFEST_ID, existing, m.digest);
    const created = id === undefined;
    if (created) {
      const items = [{ digest: m.digest, size: m.size }];
      const revived: string[] = [];
      if (existing !== undefined) {
        for (const d of m.blobRefs) {
          const st = await c.get<{ released: boolean; size: number }>(LINK_STATE, existing, d);
          if (st?.released) {
            revived.push(d);
            items.push({ digest: d, size: st.size });
          }
        }
      }
      let delta = 0;
      for (const it of items) if (!(await c.value(IN_PROJECT, it.digest, projectId, it.digest, projectId))) delta += it.size;
      if (delta && q && q.storage_limit >= 0 && q.storage_used + delta > q.storage_limit) {
        return { ok: false, quota: { projectId, limit: q.storage_limit, used: q.storage_used, requested: delta } };
      }
      if (revived.length) await c.run('UPDATE repository_blobs SET released = false WHERE repository_id = ? AND digest = ANY(?)', existing, revived);
      if (delta) await this.addUsage(c, projectId, delta, q);
    }
    const repoId = existing ?? await this.ensureRepo(c, repository, projectId);
    if (id === undefined) {
      id = (await c.value<number>(`INSERT INTO manifests (repository_id, digest, media_type, artifact_type, size, content, subject, annotations, pushed_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, repoId, m.digest, m.mediaType, m.artifactType, m.size, m.content, m.subject,
      m.annotations ? JSON.stringify(m.annotations) : null, t))!;
      const refs = [...m.blobRefs.map((d) => ['blob', d]), ...m.manifestRefs.map((d) => ['manifest', d])];
      if (refs.length) {
        await c.run(`INSERT INTO manifest_refs (manifest_id, digest, kind) SELECT ?, d, k FROM unnest(?::text[], ?::text[]) AS x(d, k)
          ON CONFLICT DO NOTHING`, id, refs.map((r) => r[1]), refs.map((r) => r[0]));
      }
    }
    for (const tag of tags) {
      await c.run(`INSERT INTO repository_tags (repository_id, name, manifest_id, pushed_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (repository_id, name) DO UPDATE SET manifest_id = excluded.manifest_id, pushed_at = excluded.pushed_at`, repoId, tag, id, t);
    }
    // The counts the repository lists read (SQLite's migration 29), under the project's lock.
    const count = await c.value<number>('UPDATE repositories SET updated_at = ?, artifact_count = artifact_count + ? WHERE id = ? RETURNING artifact_count', t, created ? 1 : 0, repoId);
    if (created && count === 1) await this.countRepo(c, projectId, 1);
    return { ok: true, created };
  }

  async copyManifests(source: string, target: string, projectId: number, digests: string[], tags: { digest: string; tags: string[] }, guard?: TagGuard): Promise<CopyResult> {
    const rollback = new Error('rollback');
    let failed: CopyResult | undefined;
    try {
      await this.tx(async (c) => {
        const q = await this.lock(c, projectId);
        for (const digest of digests) {
          const m = await c.get<ManifestRow>(`SELECT m.id, m.media_type, m.artifact_type, m.size, m.content, m.subject, m.annotations FROM manifests m
            JOIN repositories r ON r.id = m.repository_id WHERE r.name = ? AND m.digest = ?`, source, digest);
          if (!m) { failed = { ok: false, missing: digest }; throw rollback; }
          const refs = await c.all<{ digest: string; kind: string }>('SELECT digest, kind FROM manifest_refs WHERE manifest_id = ?', m.id);
          const blobRefs = refs.filter((r) => r.kind === 'blob').map((r) => r.digest);
          for (const d of blobRefs) {
            const b = await c.get<{ size: number; media_type: string | null }>('SELECT size, media_type FROM blobs WHERE digest = ?', d);
            if (!b) { failed = { ok: false, missing: d }; throw rollback; }
            const l = await this.linkTx(c, target, projectId, { digest: d, size: b.size, mediaType: b.media_type }, q);
            if (!l.ok) { failed = { ok: false, quota: l.quota }; throw rollback; }
          }
          const r = await this.putManifestTx(c, target, projectId, {
            digest, mediaType: m.media_type, artifactType: m.artifact_type, size: m.size, content: m.content, subject: m.subject,
            annotations: m.annotations ? JSON.parse(m.annotations) as Record<string, string> : null,
            blobRefs, manifestRefs: refs.filter((x) => x.kind === 'manifest').map((x) => x.digest),
          }, digest === tags.digest ? tags.tags : [], q, guard);
          if (!r.ok) { failed = r.quota ? { ok: false, quota: r.quota } : { ok: false, missing: [...r.missingManifests, ...r.missingBlobs][0] }; throw rollback; }
        }
      });
    } catch (e) {
      if (e !== rollback) throw e;
      return failed!;
    }
    return { ok: true };
  }

  /** Replicas write on connections of their own and PostgreSQL has no cheap counter of commits: no cache over this store. */
  async changeToken(): Promise<null> {
    return null;
  }

  async getManifest(repository: string, reference: string): Promise<StoredManifest | null> {
    const sql = reference.includes(':')
      ? `SELECT m.digest, m.media_type, m.size, m.content FROM manifests m
        JOIN repositories r ON r.id = m.repository_id WHERE r.name = ? AND m.digest = ?`
      : `SELECT m.digest, m.media_type, m.size, m.content FROM repository_tags t
        JOIN repositories r ON r.id = t.repository_id JOIN manifests m ON m.id = t.manifest_id WHERE r.name = ? AND t.name = ?`;
    const r = await this.db.get<{ digest: string; media_type: string; size: number; content: Buffer }>(sql, repository, reference);
    return r ? { digest: r.digest, mediaType: r.media_type, size: r.size, content: r.content } : null;
  }

  async deleteManifest(repository: string, digest: string, guard?: TagGuard): Promise<boolean> {
    return (await this.deleteManifests([{ repository, digest }], false, guard))[0];
  }

  /**
   * deleteManifest for several manifests in one transaction (garbage collection's deleteUntagged),
   * with each project's usage recounted once at the end; with `untaggedOnly` a manifest is left
   * (false) unless it has no tag and no other manifest of the repository references it. Every
   * project concerned is locked first, in id order.
   */
  async deleteManifests(items: { repository: string; digest: string }[], untaggedOnly = false, guard?: TagGuard): Promise<boolean[]> {
    return this.tx((c) => this.deleteManifestsIn(c, items, untaggedOnly, guard));
  }

  /** deleteManifests inside the caller's transaction (gc.ts's dry run rolls it back). */
  async deleteManifestsIn(c: Conn, items: { repository: string; digest: string }[], untaggedOnly = false, guard?: TagGuard): Promise<boolean[]> {
    const names = [...new Set(items.map((i) => i.repository))];
    await c.run(`SELECT 1 FROM projects WHERE id IN (SELECT project_id FROM repositories WHERE name = ANY(?)) ORDER BY id FOR UPDATE`, names);
    const projects = new Set<number>();
    const done: boolean[] = [];
    for (const { repository, digest } of items) {
      const repo = await c.get<{ id: number; project_id: number }>(REPO, repository);
      const id = repo && await c.value<number>(MANIFEST_ID, repo.id, digest);
      if (!repo || id === undefined) { done.push(false); continue; }
      if (untaggedOnly && await c.value(`SELECT 1 FROM repository_tags WHERE manifest_id = ?
        UNION ALL SELECT 1 FROM manifest_refs x JOIN manifests o ON o.id = x.manifest_id
          WHERE o.repository_id = ? AND x.kind = 'manifest' AND x.digest = ? LIMIT 1`, id, repo.id, digest)) { done.push(false); continue; }
      const queue: { id: number; digest: string }[] = [{ id, digest }];
      for (let item = queue.shift(); item; item = queue.shift()) {
        queue.push(...await c.all<{ id: number; digest: string }>('SELECT id, digest FROM manifests WHERE repository_id = ? AND subject = ?', repo.id, item.digest));
        if (guard) for (const tg of await c.column<string>('SELECT name FROM repository_tags WHERE manifest_id = ? ORDER BY name', item.id)) guard(tg, 'delete');
        const orphaned = await c.column<string>(`SELECT x.digest FROM manifest_refs x WHERE x.manifest_id = ? AND x.kind = 'blob'
          AND NOT EXISTS (SELECT 1 FROM manifest_refs y JOIN manifests o ON o.id = y.manifest_id
            WHERE o.repository_id = ? AND o.id <> x.manifest_id AND y.digest = x.digest AND y.kind = 'blob')`, item.id, repo.id);
        await c.run('DELETE FROM manifests WHERE id = ?', item.id);
        if (await c.value<number>('UPDATE repositories SET artifact_count = artifact_count - 1 WHERE id = ? RETURNING artifact_count', repo.id) === 0) {
          await this.countRepo(c, repo.project_id, -1);
        }
        if (orphaned.length) await c.run('UPDATE repository_blobs SET released = true WHERE repository_id = ? AND digest = ANY(?)', repo.id, orphaned);
      }
      projects.add(repo.project_id);
      done.push(true);
    }
    for (const p of projects) await this.resetUsage(c, p);
    return done;
  }

  async addTag(repository: string, digest: string, tag: string): Promise<'ok' | 'exists' | 'unknown'> {
    return this.tx(async (c) => {
      const repo = await c.get<{ id: number }>(REPO, repository);
      const id = repo && await c.value<number>(MANIFEST_ID, repo.id, digest);
      if (!repo || id === undefined) return 'unknown';
      const n = await c.run(`INSERT INTO repository_tags (repository_id, name, manifest_id, pushed_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (repository_id, name) DO NOTHING`, repo.id, tag, id, this.iso());
      return n ? 'ok' : 'exists';
    });
  }

  async deleteTag(repository: string, tag: string, guard?: TagGuard): Promise<boolean> {
    return this.tx(async (c) => {
      const repo = await c.get<{ id: number }>(REPO, repository);
      if (!repo) return false;
      // The row is locked while the guard decides: a concurrent move of the tag waits.
      const there = await c.value('SELECT 1 FROM repository_tags WHERE repository_id = ? AND name = ? FOR UPDATE', repo.id, tag);
      if (!there) return false;
      if (guard) guard(tag, 'delete');
      return await c.run('DELETE FROM repository_tags WHERE repository_id = ? AND name = ?', repo.id, tag) > 0;
    });
  }

  async listTags(repository: string, page: Page): Promise<string[] | null> {
    const r = await this.db.get<{ id: number }>(REPO, repository);
    if (!r) return null;
    return this.db.column<string>('SELECT name FROM repository_tags WHERE repository_id = ? AND name > ? ORDER BY name LIMIT ?', r.id, page.last ?? '', limit(page));
  }

  async listReferrers(repository: string, subject: string, artifactType?: string): Promise<ReferrerDescriptor[]> {
    const rows = await this.db.all<{ media_type: string; digest: string; size: number; artifact_type: string | null; annotations: string | null }>(
      `SELECT m.media_type, m.digest, m.size, m.artifact_type, m.annotations FROM manifests m
        JOIN repositories r ON r.id = m.repository_id WHERE r.name = ? AND m.subject = ? ORDER BY m.id`, repository, subject);
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
