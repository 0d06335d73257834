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
  /** Bytes the project's repositories use, each distinct blob or manifest counted once (the quota's `used`). */
  storageUsed: number;
  /** Harbor's string-valued project metadata other than `public` (auto_scan, severity, ...). */
  metadata: Record<string, string>;
  /** The upstream registry endpoint of a proxy-cache project (Harbor's registry_id), else null. */
  registryId: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewProject {
  name: string;
  public: boolean;
  ownerId?: number | null;
  storageLimit?: number;
  metadata?: Record<string, string>;
  registryId?: number | null;
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

/** One permission entry of a robot (Harbor's RobotPermission): `project` + a project name or `*`, or `system` + `/`. */
export interface RobotPermission { kind: 'system' | 'project'; namespace: string; access: { resource: string; action: string }[] }

export interface Robot {
  id: number;
  /** Stored name: `ci` (system) or `<project>+ci` (project); the login name is `robot$` + this. */
  name: string;
  description: string;
  level: 'system' | 'project';
  projectId: number | null;
  /** `sha256$salt$hmac` (services/robots.ts); never leaves the server. */
  secretHash: string;
  disabled: boolean;
  /** Days, -1 for never. */
  duration: number;
  /** Unix seconds, -1 for never. */
  expiresAt: number;
  permissions: RobotPermission[];
  creatorType: 'local' | 'robot';
  creatorRef: number;
  createdAt: string;
  updatedAt: string;
}

export type NewRobot = Omit<Robot, 'id' | 'createdAt' | 'updatedAt'>;

export interface RobotPatch { description?: string; disabled?: boolean; duration?: number; expiresAt?: number; permissions?: RobotPermission[]; secretHash?: string }

/**
 * A registry endpoint (Harbor's Registry): an upstream for proxy-cache projects. `accessSecretEnc` is
 * the credential's secret as ciphertext (services/registries.ts); the store never sees the plaintext.
 */
export interface RegistryEndpoint {
  id: number;
  name: string;
  type: string;
  url: string;
  description: string;
  insecure: boolean;
  caCertificate: string | null;
  credentialType: string | null;
  accessKey: string | null;
  accessSecretEnc: string | null;
  /** healthy, unhealthy or unknown: the last ping's verdict. */
  status: string;
  createdAt: string;
  updatedAt: string;
}

export type NewRegistryEndpoint = Omit<RegistryEndpoint, 'id' | 'status' | 'createdAt' | 'updatedAt'>;

/** A change to an endpoint: fields left undefined stay; credential fields set to null are cleared. */
export interface RegistryEndpointPatch {
  name?: string;
  type?: string;
  url?: string;
  description?: string;
  insecure?: boolean;
  caCertificate?: string | null;
  credentialType?: string | null;
  accessKey?: string | null;
  accessSecretEnc?: string | null;
  status?: string;
}

/** Harbor's role ids: 1 projectAdmin, 2 developer, 3 guest, 4 maintainer, 5 limitedGuest. */
export type RoleId = 1 | 2 | 3 | 4 | 5;

export interface ProjectMember { id: number; projectId: number; userId: number; username: string; roleId: RoleId }

/** A repository with what Harbor's repository listing shows. */
export interface RepositoryInfo { id: number; name: string; projectId: number; artifactCount: number; pullCount: number; createdAt: string; updatedAt: string }

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
  /**
   * A manifest a proxy-cache project took from its upstream: stored before the blobs and child
   * manifests it references, which arrive as clients pull them.
   */
  partial?: boolean;
}

/** A tag of a proxy-cache project as the cache listing shows it. */
export interface CachedTag {
  repository: string;
  tag: string;
  digest: string;
  mediaType: string;
  /** The manifest plus the blobs of it that are cached. */
  cachedSize: number;
  pushedAt: string;
  /** When the upstream last confirmed (or moved) the tag; null before the first check. */
  revalidatedAt: string | null;
}

export interface StoredManifest { digest: string; mediaType: string; size: number; content: Buffer }

export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/**
 * Where SBOM generation stands for one manifest (Harbor's sbom_overview). `status` is Harbor's task
 * status: Pending, Running, Success or Error. Times are ISO strings.
 */
export interface SbomStatus {
  reportId: string;
  status: 'Pending' | 'Running' | 'Success' | 'Error';
  startTime: string | null;
  endTime: string | null;
  /** The SPDX accessory (Harbor's sbom_digest) and the CycloneDX one beside it. */
  sbomDigest: string | null;
  cyclonedxDigest: string | null;
  /** Why it failed, for Error. */
  error: string | null;
}

export interface UploadSession { id: string; repository: string; createdAt: number; updatedAt: number }

export interface Page { n?: number; last?: string }

/** A write the project's storage quota refused: its limit, its usage and the bytes the write would add. */
export interface QuotaShortfall { projectId: number; limit: number; used: number; requested: number }

export type LinkResult = { ok: true } | { ok: false; quota: QuotaShortfall };

export type PutManifestResult =
  | { ok: true; created: boolean }
  | { ok: false; missingBlobs: string[]; missingManifests: string[]; quota?: undefined }
  | { ok: false; quota: QuotaShortfall; missingBlobs?: undefined; missingManifests?: undefined };

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
  /** Removes a repository with its manifests, tags and blob links (blob bytes stay until GC); usage falls at once. */
  deleteRepository(name: string): Promise<boolean>;
  /**
   * Records a committed blob and links it into a repository (creating the repository), in one
   * transaction with the project's quota check and usage update; refused when the link would take
   * the project's usage over its storage limit (a blob the project already has adds nothing).
   */
  linkBlob(repository: string, projectId: number, blob: BlobRecord): Promise<LinkResult>;
  /** The linked blob's size when `repository` has it, else null: the access check for blob reads. */
  getBlobLink(repository: string, digest: string): Promise<BlobRecord | null>;
  unlinkBlob(repository: string, digest: string): Promise<boolean>;

  // manifests and tags
  /** In one transaction: checks every reference is present and the quota, stores the manifest, moves the tag. */
  putManifest(repository: string, projectId: number, m: ManifestRecord, tag: string | null): Promise<PutManifestResult>;
  /** By tag or by digest. */
  getManifest(repository: string, reference: string): Promise<StoredManifest | null>;
  /**
   * Removes a manifest and every tag on it, with its accessories (manifests of the repository whose
   * subject it is, and theirs: SBOMs, signatures; every accessory kind is a hard reference in
   * Harbor, pkg/accessory/model), and releases
   * the blobs it referenced that no other manifest of the repository references: they stop
   * counting toward the project's usage at once (Harbor drops their project association the same
   * way), while the link stays so the same manifest may be pushed again. False when it was not there.
   */
  deleteManifest(repository: string, digest: string): Promise<boolean>;
  deleteTag(repository: string, tag: string): Promise<boolean>;
  /** Tags in lexical order, or null for an unknown repository. */
  listTags(repository: string, page: Page): Promise<string[] | null>;
  listReferrers(repository: string, subject: string, artifactType?: string): Promise<ReferrerDescriptor[]>;
  /**
   * A repository's artifacts as Harbor lists them, newest push first: tagged manifests and those no
   * index references, without accessories (referrers whose subject is in the repository).
   */
  listArtifacts(repository: string): Promise<ArtifactInfo[]>;
  getArtifact(repository: string, digest: string): Promise<ArtifactInfo | null>;
  /** Points a new tag at a manifest; 'exists' when the tag is taken, 'unknown' when the manifest is not there. */
  addTag(repository: string, digest: string, tag: string): Promise<'ok' | 'exists' | 'unknown'>;

  // robot accounts
  createRobot(r: NewRobot): Promise<Robot>;
  getRobotById(id: number): Promise<Robot | null>;
  getRobotByName(name: string): Promise<Robot | null>;
  /** Every robot, by id; the services filter (a robot list is small). */
  listRobots(): Promise<Robot[]>;
  updateRobot(id: number, patch: RobotPatch): Promise<Robot | null>;
  deleteRobot(id: number): Promise<boolean>;

  // registry endpoints
  /** CONFLICT when the name is taken (as every create of a named thing: projects, users, robots). */
  createRegistry(r: NewRegistryEndpoint): Promise<RegistryEndpoint>;
  getRegistryById(id: number): Promise<RegistryEndpoint | null>;
  getRegistryByName(name: string): Promise<RegistryEndpoint | null>;
  /** Every endpoint, by id; the services filter (an endpoint list is small). */
  listRegistries(): Promise<RegistryEndpoint[]>;
  updateRegistry(id: number, patch: RegistryEndpointPatch): Promise<RegistryEndpoint | null>;
  deleteRegistry(id: number): Promise<boolean>;
  /** Names of the proxy-cache projects that pull through the endpoint. */
  projectsUsingRegistry(id: number): Promise<string[]>;

  // proxy cache
  /** When the tag was last confirmed against the upstream (ISO time), null when never or no such tag. */
  getTagRevalidation(repository: string, tag: string): Promise<string | null>;
  markTagRevalidated(repository: string, tag: string): Promise<void>;
  /** Every tag of the project's repositories with what is cached of it. */
  listCachedTags(projectId: number): Promise<CachedTag[]>;

  // quotas
  /** The project's usage counted from scratch (what `storageUsed` must always equal). */
  recountUsage(projectId: number): Promise<number>;

  // ---- SBOM generation status (issue 7); a manifest's status goes with the manifest
  /** Records the status of a manifest's SBOM generation; false when the manifest is not there. */
  setSbomStatus(repository: string, digest: string, s: SbomStatus): Promise<boolean>;
  getSbomStatus(repository: string, digest: string): Promise<SbomStatus | null>;
  /** Manifests whose generation was Pending or Running (a restart requeues them). */
  listUnfinishedSbom(): Promise<{ repository: string; digest: string }[]>;

  // upload sessions
  createUpload(s: UploadSession): Promise<void>;
  getUpload(id: string): Promise<UploadSession | null>;
  touchUpload(id: string, at: number): Promise<void>;
  deleteUpload(id: string): Promise<void>;
  listUploadsBefore(updatedBefore: number): Promise<UploadSession[]>;

  close(): Promise<void>;
}
