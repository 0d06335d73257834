// Harbor's views of content: repositories and artifacts as /api/v2.0 lists and reads them (sizes,
// tags, pull counts). Read-only: content changes through the ContentStore.

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

/** Repositories and artifacts as Harbor's API shows them. */
export interface ArtifactStore {
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
export type RepoRow = { id: number; name: string; project_id: number; description: string; created_at: string; updated_at: string; artifact_count: number; pull_count: number };

export function repoInfo(r: RepoRow): RepositoryInfo {
  return { id: r.id, name: r.name, projectId: r.project_id, description: r.description, artifactCount: r.artifact_count, pullCount: r.pull_count,
    createdAt: r.created_at, updatedAt: r.updated_at };
}

export const REPO_COLS = `SELECT r.id, r.name, r.project_id, r.description, r.created_at, r.updated_at, r.pull_count,
  (SELECT count(*) FROM manifests m WHERE m.repository_id = r.id) AS artifact_count FROM repositories r`;
export const REPO_HAS_MANIFEST = 'EXISTS (SELECT 1 FROM manifests m WHERE m.repository_id = r.id)';
/** The repositories of one project (the parameter) that Harbor lists: those holding a manifest. */
export const PROJECT_REPOS = `r.project_id = ? AND ${REPO_HAS_MANIFEST}`;

// An artifact's size is its manifest plus every blob it references (Harbor's artifact size).
export const ARTIFACT_COLS = `SELECT m.id, m.repository_id, m.digest, m.media_type, m.content, m.pushed_at, m.pull_time,
  m.size + coalesce((SELECT sum(b.size) FROM manifest_refs x JOIN blobs b ON b.digest = x.digest
    WHERE x.manifest_id = m.id AND x.kind = 'blob'), 0) AS size
  FROM manifests m JOIN repositories r ON r.id = m.repository_id`;
