// Harbor's listing and reading views of content, as sqlite/artifacts.ts: reads repositories,
// manifests, manifest_refs, blobs and repository_tags, writes nothing but a description.
import type { ArtifactInfo, ArtifactStore, RepositoryInfo, RepositoryQuery, TagInfo } from '../index.js';
import { ARTIFACT_COLS, PROJECT_REPOS, REPO_COLS, REPO_HAS_MANIFEST, queryRepositoriesWith, repoInfo, type RepoRow } from '../artifacts.js';
import { PG_DIALECT } from '../query.js';
import { PgStore } from './common.js';

type ArtifactRow = { id: number; repository_id: number; digest: string; media_type: string; size: number; content: Buffer; pushed_at: string; pull_time: string | null };

export class PgArtifactStore extends PgStore implements ArtifactStore {
  async queryRepositories(q: RepositoryQuery): Promise<{ items: RepositoryInfo[]; total: number }> {
    return queryRepositoriesWith(q, PG_DIALECT, (sql, args) => this.db.all<RepoRow>(sql, ...args), (sql, args) => this.db.value(sql, ...args));
  }

  async listProjectRepositories(projectId: number): Promise<RepositoryInfo[]> {
    return (await this.db.all<RepoRow>(`${REPO_COLS} WHERE ${PROJECT_REPOS} ORDER BY r.name`, projectId)).map(repoInfo);
  }

  async countProjectRepositories(projectId: number): Promise<number> {
    return (await this.db.value<number>('SELECT repo_count FROM projects WHERE id = ?', projectId)) ?? 0;
  }

  async getRepository(projectId: number, name: string): Promise<RepositoryInfo | null> {
    const r = await this.db.get<RepoRow>(`${REPO_COLS} WHERE ${PROJECT_REPOS} AND r.name = ?`, projectId, name);
    return r ? repoInfo(r) : null;
  }

  async listAllRepositories(projectIds: number[] | null): Promise<RepositoryInfo[]> {
    if (projectIds === null) return (await this.db.all<RepoRow>(`${REPO_COLS} WHERE ${REPO_HAS_MANIFEST} ORDER BY r.name`)).map(repoInfo);
    return (await this.db.all<RepoRow>(`${REPO_COLS} WHERE r.project_id = ANY(?) AND ${REPO_HAS_MANIFEST} ORDER BY r.name`, projectIds)).map(repoInfo);
  }

  async totalStoredBytes(): Promise<number> {
    return (await this.db.value<number>('SELECT coalesce(sum(size), 0) FROM (SELECT digest, size FROM blobs UNION SELECT digest, size FROM manifests) AS s'))!;
  }

  async setRepositoryDescription(repository: string, description: string): Promise<boolean> {
    return await this.db.run('UPDATE repositories SET description = ? WHERE name = ?', description, repository) > 0;
  }

  private async artifacts(rows: ArtifactRow[]): Promise<ArtifactInfo[]> {
    if (rows.length === 0) return [];
    const tags = await this.db.all<{ id: number; manifest_id: number; name: string; pushed_at: string; pull_time: string | null }>(
      'SELECT t.id, t.manifest_id, t.name, t.pushed_at, t.pull_time FROM repository_tags t WHERE t.manifest_id = ANY(?) ORDER BY t.name', rows.map((r) => r.id));
    const of = new Map<number, TagInfo[]>();
    for (const t of tags) {
      const list = of.get(t.manifest_id) ?? [];
      list.push({ id: t.id, name: t.name, pushedAt: t.pushed_at, pulledAt: t.pull_time });
      of.set(t.manifest_id, list);
    }
    return rows.map((r) => ({ id: r.id, repositoryId: r.repository_id, digest: r.digest, mediaType: r.media_type, size: r.size, content: r.content,
      pushedAt: r.pushed_at, pulledAt: r.pull_time, tags: of.get(r.id) ?? [] }));
  }

  async listArtifacts(repository: string): Promise<ArtifactInfo[]> {
    // Harbor's artifact list (pkg/artifact/dao): tagged artifacts and those no index references,
    // without accessories (a referrer whose subject is in the repository: SBOMs, signatures).
    return this.artifacts(await this.db.all<ArtifactRow>(`${ARTIFACT_COLS} WHERE r.name = ?
        AND (EXISTS (SELECT 1 FROM repository_tags t WHERE t.manifest_id = m.id)
          OR NOT EXISTS (SELECT 1 FROM manifest_refs x JOIN manifests p ON p.id = x.manifest_id
            WHERE x.kind = 'manifest' AND x.digest = m.digest AND p.repository_id = m.repository_id))
        AND NOT (m.subject IS NOT NULL AND EXISTS (SELECT 1 FROM manifests s WHERE s.repository_id = m.repository_id AND s.digest = m.subject))
        ORDER BY m.pushed_at DESC, m.id DESC`, repository));
  }

  async getArtifact(repository: string, digest: string): Promise<ArtifactInfo | null> {
    return (await this.artifacts(await this.db.all<ArtifactRow>(`${ARTIFACT_COLS} WHERE r.name = ? AND m.digest = ?`, repository, digest)))[0] ?? null;
  }
}
