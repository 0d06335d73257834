// Harbor's listing and reading views of content: reads repositories, manifests, manifest_refs,
// blobs and repository_tags, writes nothing.
import type Database from 'better-sqlite3';
import type { ArtifactInfo, ArtifactStore, RepositoryInfo, RepositoryQuery, TagInfo } from '../index.js';
import { ARTIFACT_COLS, PROJECT_REPOS, REPO_COLS, REPO_HAS_MANIFEST, queryRepositoriesWith, repoInfo, type RepoRow } from '../artifacts.js';
import { SQLITE_DIALECT } from '../query.js';
import { type Clock, SqliteStore } from './common.js';

export class SqliteArtifactStore extends SqliteStore implements ArtifactStore {
  private readonly s;

  constructor(db: Database.Database, now: Clock) {
    super(db, now);
    this.s = {
      projectRepos: db.prepare(`${REPO_COLS} WHERE ${PROJECT_REPOS} ORDER BY r.name`),
      allRepos: db.prepare(`${REPO_COLS} WHERE ${REPO_HAS_MANIFEST} ORDER BY r.name`),
      repo: db.prepare(`${REPO_COLS} WHERE ${PROJECT_REPOS} AND r.name = ?`),
      countRepos: db.prepare('SELECT repo_count FROM projects WHERE id = ?').pluck(),
      stored: db.prepare(`SELECT coalesce(sum(size), 0) FROM (SELECT digest, size FROM blobs UNION SELECT digest, size FROM manifests)`).pluck(),
      describe: db.prepare('UPDATE repositories SET description = ? WHERE name = ?'),
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
    };
  }

  /** Statements of queryRepositories by their text: the combinations of q= and sort= in use are few. */
  private readonly queries = new Map<string, Database.Statement>();

  private query(sql: string): Database.Statement {
    let st = this.queries.get(sql);
    if (!st) {
      if (this.queries.size >= 200) this.queries.clear();
      st = this.db.prepare(sql);
      this.queries.set(sql, st);
    }
    return st;
  }

  async queryRepositories(q: RepositoryQuery): Promise<{ items: RepositoryInfo[]; total: number }> {
    return queryRepositoriesWith(q, SQLITE_DIALECT, async (sql, args) => this.query(sql).all(...args) as RepoRow[],
      async (sql, args) => this.query(sql).pluck().get(...args));
  }

  async listProjectRepositories(projectId: number): Promise<RepositoryInfo[]> {
    return (this.s.projectRepos.all(projectId) as RepoRow[]).map(repoInfo);
  }

  async countProjectRepositories(projectId: number): Promise<number> {
    return (this.s.countRepos.get(projectId) as number | undefined) ?? 0;
  }

  async getRepository(projectId: number, name: string): Promise<RepositoryInfo | null> {
    const r = this.s.repo.get(projectId, name) as RepoRow | undefined;
    return r ? repoInfo(r) : null;
  }

  async listAllRepositories(projectIds: number[] | null): Promise<RepositoryInfo[]> {
    const rows = (this.s.allRepos.all() as RepoRow[]).map(repoInfo);
    if (projectIds === null) return rows;
    const ids = new Set(projectIds);
    return rows.filter((r) => ids.has(r.projectId));
  }

  async totalStoredBytes(): Promise<number> {
    return this.s.stored.get() as number;
  }

  async setRepositoryDescription(repository: string, description: string): Promise<boolean> {
    return this.s.describe.run(description, repository).changes > 0;
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
}
