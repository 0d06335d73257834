// The metadata store: projects, repositories, blob links, manifests, tags, referrers and upload
// sessions. Every method is one atomic operation, so a backend on another database (PostgreSQL for
// several replicas) can implement it without the services knowing. One contract suite
// (test/unit/meta-store.contract.ts) runs against every backend.

export interface Project {
  id: number;
  name: string;
  public: boolean;
  /** The creating user; null for projects made at first start (library). */
  ownerId: number | null;
  /** Bytes, -1 for no limit (Harbor's convention). */
  storageLimit: number;
  /** Harbor's string-valued project metadata other than `public` (auto_scan, severity, ...). */
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface NewProject {
  name: string;
  public: boolean;
  ownerId?: number | null;
  storageLimit?: number;
  metadata?: Record<string, string>;
}

/** A change to a project: metadata entries set to null are removed. */
export interface ProjectPatch {
  public?: boolean;
  storageLimit?: number;
  metadata?: Record<string, string | null>;
}

export interface User {
  id: number;
  username: string;
  email: string;
  realname: string;
  comment: string;
  /** `scrypt$N$r$p$salt$hash` (core/passwords.ts); never leaves the server. */
  passwordHash: string;
  sysadmin: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface NewUser { username: string; email?: string; realname?: string; comment?: string; passwordHash: string; sysadmin?: boolean }

export interface UserPatch { email?: string; realname?: string; comment?: string; passwordHash?: string; sysadmin?: boolean }

/** Harbor's role ids: 1 projectAdmin, 2 developer, 3 guest, 4 maintainer, 5 limitedGuest. */
export type RoleId = 1 | 2 | 3 | 4 | 5;

export interface ProjectMember { id: number; projectId: number; userId: number; username: string; roleId: RoleId }

/** A repository with what Harbor's repository listing shows. */
export interface RepositoryInfo { id: number; name: string; projectId: number; artifactCount: number; createdAt: string; updatedAt: string }

export interface TagInfo { id: number; name: string; pushedAt: string }

/** A manifest as Harbor's artifact API shows it; `size` counts the manifest and every blob it references. */
export interface ArtifactInfo {
  id: number;
  repositoryId: number;
  digest: string;
  mediaType: string;
  size: number;
  content: Buffer;
  pushedAt: string;
  tags: TagInfo[];
}

export interface Repository { id: number; name: string; projectId: number }

export interface BlobRecord { digest: string; size: number; mediaType?: string | null }

export interface ManifestRecord {
  digest: string;
  mediaType: string;
  /** artifactType as the referrers API reports it (explicit, else the config's media type). */
  artifactType: string | null;
  size: number;
  content: Buffer;
  subject: string | null;
  annotations: Record<string, string> | null;
  /** Digests of blobs (config, layers) and child manifests this manifest references. */
  blobRefs: string[];
  manifestRefs: string[];
}

export interface StoredManifest { digest: string; mediaType: string; size: number; content: Buffer }

export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface UploadSession { id: string; repository: string; createdAt: number; updatedAt: number }

export interface Page { n?: number; last?: string }

export type PutManifestResult =
  | { ok: true; created: boolean }
  | { ok: false; missingBlobs: string[]; missingManifests: string[] };

export interface MetadataStore {
  // projects
  getProject(name: string): Promise<Project | null>;
  getProjectById(id: number): Promise<Project | null>;
  createProject(p: NewProject): Promise<Project>;
  /** Every project, by id (the services filter and page: a project list is small). */
  listProjects(): Promise<Project[]>;
  updateProject(id: number, patch: ProjectPatch): Promise<Project | null>;
  /** Deletes the project with its members, metadata and repositories that hold no manifest. */
  deleteProject(id: number): Promise<boolean>;

  // users
  createUser(u: NewUser): Promise<User>;
  getUserById(id: number): Promise<User | null>;
  getUserByName(username: string): Promise<User | null>;
  listUsers(): Promise<User[]>;
  updateUser(id: number, patch: UserPatch): Promise<User | null>;
  deleteUser(id: number): Promise<boolean>;

  // project members
  listMembers(projectId: number): Promise<ProjectMember[]>;
  /** Adds a user to a project; null when the user is already a member. */
  addMember(projectId: number, userId: number, roleId: RoleId): Promise<ProjectMember | null>;
  updateMember(projectId: number, memberId: number, roleId: RoleId): Promise<boolean>;
  deleteMember(projectId: number, memberId: number): Promise<boolean>;
  /** The user's role in the project, or null. */
  getMemberRole(projectId: number, userId: number): Promise<RoleId | null>;

  // repositories and blob links
  getRepository(name: string): Promise<Repository | null>;
  listRepositories(page: Page): Promise<string[]>;
  /** The project's repositories that hold at least one manifest, by name. */
  listProjectRepositories(projectId: number): Promise<RepositoryInfo[]>;
  /** Removes a repository with its manifests, tags and blob links (blob bytes stay until GC). */
  deleteRepository(name: string): Promise<boolean>;
  /** Records a committed blob and links it into a repository (creating the repository). */
  linkBlob(repository: string, projectId: number, blob: BlobRecord): Promise<void>;
  /** The linked blob's size when `repository` has it, else null: the access check for blob reads. */
  getBlobLink(repository: string, digest: string): Promise<BlobRecord | null>;
  unlinkBlob(repository: string, digest: string): Promise<boolean>;

  // manifests and tags
  /** In one transaction: checks every reference is present, stores the manifest, moves the tag. */
  putManifest(repository: string, projectId: number, m: ManifestRecord, tag: string | null): Promise<PutManifestResult>;
  /** By tag or by digest. */
  getManifest(repository: string, reference: string): Promise<StoredManifest | null>;
  /** Removes a manifest and every tag on it; false when it was not there. */
  deleteManifest(repository: string, digest: string): Promise<boolean>;
  deleteTag(repository: string, tag: string): Promise<boolean>;
  /** Tags in lexical order, or null for an unknown repository. */
  listTags(repository: string, page: Page): Promise<string[] | null>;
  listReferrers(repository: string, subject: string, artifactType?: string): Promise<ReferrerDescriptor[]>;
  /** Every manifest of a repository with its tags, newest push first. */
  listArtifacts(repository: string): Promise<ArtifactInfo[]>;
  getArtifact(repository: string, digest: string): Promise<ArtifactInfo | null>;
  /** Points a new tag at a manifest; 'exists' when the tag is taken, 'unknown' when the manifest is not there. */
  addTag(repository: string, digest: string, tag: string): Promise<'ok' | 'exists' | 'unknown'>;

  // upload sessions
  createUpload(s: UploadSession): Promise<void>;
  getUpload(id: string): Promise<UploadSession | null>;
  touchUpload(id: string, at: number): Promise<void>;
  deleteUpload(id: string): Promise<void>;
  listUploadsBefore(updatedBefore: number): Promise<UploadSession[]>;

  close(): Promise<void>;
}
