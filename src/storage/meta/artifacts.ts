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
