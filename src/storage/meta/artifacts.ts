// Harbor's views of content: repositories and artifacts as /api/v2.0 lists and reads them (sizes,
// tags, pull counts). Read-only: content changes through the ContentStore, which also keeps the
// counts these views read (repositories.artifact_count, projects.repo_count).
import { conditionsSql, orderSql, type Column, type Condition, type Dialect, type SortKey } from './query.js';

/** A repository with what Harbor's repository listing shows. */
export interface RepositoryInfo {
  id: number; name: string; projectId: number; description: string; artifactCount: number; pullCount: number; createdAt: string; updatedAt: string;
}

/** `pulledAt`: the last pull by this tag (ISO), null when never. */
export interface TagInfo { id: number; name: string; pushedAt: string; pulledAt: string | null }

/** A manifest as Harbor's artifact API shows it; `size` counts the manifest and every blob it references. */
export interface ArtifactInfo {
  id: number;
  repositoryId: number;
  digest: string;
  mediaType: string;
  size: number;
  content: Buffer;
  pushedAt: string;
  /** The last pull (ISO), null when never; written in batches (services/audit.ts). */
  pulledAt: string | null;
  tags: TagInfo[];
}

/** What Harbor's repository lists filter (q=) and sort (sort=) on. */
export type RepositoryColumn = 'name' | 'id' | 'repository_id' | 'description' | 'project_id' | 'artifact_count' | 'pull_count' | 'creation_time' | 'update_time';

/** One page of a repository list, filtered and ordered in the database. */
export interface RepositoryQuery {
  /** The projects whose repositories are listed; null: every project. */
  projectIds: number[] | null;
  where: Condition<RepositoryColumn>[];
  /** Then by name. */
  order: SortKey<RepositoryColumn>[];
  offset: number;
  limit: number;
}

/** Repositories and artifacts as Harbor's API shows them. */
export interface ArtifactStore {
  /** A page of the repositories that hold at least one manifest, and how many match in all. */
  queryRepositories(q: RepositoryQuery): Promise<{ items: RepositoryInfo[]; total: number }>;
  /** The project's repositories that hold at least one manifest, by name. */
  listProjectRepositories(projectId: number): Promise<RepositoryInfo[]>;
  /** How many repositories listProjectRepositories shows, without reading them. */
  countProjectRepositories(projectId: number): Promise<number>;
  /** One of the project's repositories by its full name, as listProjectRepositories shows it; null when it holds no manifest. */
  getRepository(projectId: number, name: string): Promise<RepositoryInfo | null>;
  /** The same across projects: those of the given projects, or of every project when `projectIds` is null; by name. */
  listAllRepositories(projectIds: number[] | null): Promise<RepositoryInfo[]>;
  /** Bytes of every distinct blob and manifest stored (Harbor's total_storage_consumption). */
  totalStoredBytes(): Promise<number>;
  /** Sets a repository's description; false when there is no such repository. */
  setRepositoryDescription(repository: string, description: string): Promise<boolean>;
  /**
   * A repository's artifacts as Harbor lists them, newest push first: tagged manifests and those no
   * index references, without accessories (referrers whose subject is in the repository).
   */
  listArtifacts(repository: string): Promise<ArtifactInfo[]>;
  getArtifact(repository: string, digest: string): Promise<ArtifactInfo | null>;
}

// What both backends read for the views above (the same SQL on SQLite and PostgreSQL).
export type RepoRow = { id: number; name: string; project_id: number; description: string; created_at: string; updated_at: string; artifact_count: number; pull_count: number; total?: number };

export function repoInfo(r: RepoRow): RepositoryInfo {
  return { id: r.id, name: r.name, projectId: r.project_id, description: r.description, artifactCount: r.artifact_count, pullCount: r.pull_count,
    createdAt: r.created_at, updatedAt: r.updated_at };
}

const REPO_FIELDS = 'r.id, r.name, r.project_id, r.description, r.created_at, r.updated_at, r.pull_count, r.artifact_count';
export const REPO_COLS = `SELECT ${REPO_FIELDS} FROM repositories r`;
export const REPO_HAS_MANIFEST = 'r.artifact_count > 0';
/** The repositories of one project (the parameter) that Harbor lists: those holding a manifest. */
export const PROJECT_REPOS = `r.project_id = ? AND ${REPO_HAS_MANIFEST}`;

const REPOSITORY_COLUMNS: Record<RepositoryColumn, Column> = {
  name: { sql: 'r.name' }, id: { sql: 'r.id', int: true }, repository_id: { sql: 'r.id', int: true }, description: { sql: 'r.description' },
  project_id: { sql: 'r.project_id', int: true }, artifact_count: { sql: 'r.artifact_count', int: true }, pull_count: { sql: 'r.pull_count', int: true },
  creation_time: { sql: 'r.created_at' }, update_time: { sql: 'r.updated_at' },
};

type Args = (string | number)[];

/** The distinct three-character pieces of a lowercased repository name (repository_name_trigrams). */
export function nameTrigrams(name: string): string[] {
  const s = name.toLowerCase();
  return [...new Set(Array.from({ length: Math.max(0, s.length - 2) }, (_, i) => s.slice(i, i + 3)))];
}

/** A substring's piece held by the fewest repositories, counted up to this; none (a scan) when every piece is this common. */
const TRIGRAM_CAP = 256;
/** Pieces of one substring asked about: any of them narrows correctly, and a q= may be as long as a URL. */
const TRIGRAMS_ASKED = 32;

/**
 * queryRepositories on either backend, given its way to run a query (`?` placeholders) and its
 * dialect. Unfiltered, the page is read in an index's order and the total is the projects' kept
 * repo_count (a count over 10,000 repositories costs as much as the page). Narrowed by a name's
 * trigram (at most TRIGRAM_CAP candidates), the page carries its total (count(*) OVER (): one pass
 * over the candidates). Otherwise filtered, the page and a count: a count(*) OVER () there would
 * sort every match, 13 ms when all 10,000 match.
 */
export async function queryRepositoriesWith(q: RepositoryQuery, dialect: Dialect, all: (sql: string, args: Args) => Promise<RepoRow[]>,
  value: (sql: string, args: Args) => Promise<unknown>): Promise<{ items: RepositoryInfo[]; total: number }> {
  if (q.projectIds?.length === 0) return { items: [], total: 0 };
  const ids = q.projectIds ?? [];
  const inProjects = (col: string): string => `${col} IN (${ids.map(() => '?').join(', ')})`;
  const w = conditionsSql(REPOSITORY_COLUMNS, q.where, dialect);
  const filtered = w.clauses.length > 0;
  // A name substring of 3+ characters: only the repositories holding its rarest piece can match.
  const narrow: string[] = [];
  for (const c of q.where) {
    const pieces = c.column === 'name' && c.kind === 'fuzzy' ? nameTrigrams(c.value).slice(0, TRIGRAMS_ASKED) : [];
    if (pieces.length === 0) continue;
    const rarest = await value(`SELECT p FROM (SELECT v.column1 AS p, (SELECT count(*) FROM (SELECT 1 FROM repository_name_trigrams t
      WHERE t.trigram = v.column1 LIMIT ${TRIGRAM_CAP + 1}) AS c) AS n FROM (VALUES ${pieces.map(() => '(CAST(? AS TEXT))').join(', ')}) AS v) AS x
      WHERE n <= ${TRIGRAM_CAP} ORDER BY n, p LIMIT 1`, pieces);
    if (typeof rarest === 'string') narrow.push(rarest);
  }
  const where = `WHERE ${[...(q.projectIds ? [inProjects('r.project_id')] : []), REPO_HAS_MANIFEST, ...w.clauses,
    ...narrow.map(() => 'r.id IN (SELECT t.repository_id FROM repository_name_trigrams t WHERE t.trigram = ?)')].join(' AND ')}`;
  const args = [...ids, ...w.args, ...narrow];
  const cols = narrow.length ? `SELECT ${REPO_FIELDS}, count(*) OVER () AS total FROM repositories r` : REPO_COLS;
  const rows = await all(`${cols} ${where} ${orderSql(REPOSITORY_COLUMNS, q.order, 'r.name')} LIMIT ? OFFSET ?`, [...args, q.limit, q.offset]);
  let total: unknown;
  if (!filtered) total = await value(`SELECT coalesce(sum(repo_count), 0) FROM projects${q.projectIds ? ` WHERE ${inProjects('id')}` : ''}`, ids);
  else if (narrow.length && rows.length) total = rows[0].total;
  else total = narrow.length && q.offset === 0 ? 0 : await value(`SELECT count(*) FROM repositories r ${where}`, args);
  return { items: rows.map(repoInfo), total: total as number };
}

// An artifact's size is its manifest plus every blob it references (Harbor's artifact size).
export const ARTIFACT_COLS = `SELECT m.id, m.repository_id, m.digest, m.media_type, m.content, m.pushed_at, m.pull_time,
  m.size + coalesce((SELECT sum(b.size) FROM manifest_refs x JOIN blobs b ON b.digest = x.digest
    WHERE x.manifest_id = m.id AND x.kind = 'blob'), 0) AS size
  FROM manifests m JOIN repositories r ON r.id = m.repository_id`;
