// Projects, their metadata, members and roles, and the quota recount.

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

/** Harbor's role ids: 1 projectAdmin, 2 developer, 3 guest, 4 maintainer, 5 limitedGuest. */
export type RoleId = 1 | 2 | 3 | 4 | 5;

/** A member: a user (`u`) or a user group (`g`), as Harbor's ProjectMemberEntity names them. */
export interface ProjectMember { id: number; projectId: number; entityType: 'u' | 'g'; entityId: number; entityName: string; roleId: RoleId }

/** Harbor's CVE allowlist: the system's (projectId 0) or a project's; `expiresAt` Unix seconds, null for never. */
export interface CveAllowlist { id: number; projectId: number; expiresAt: number | null; items: string[]; createdAt: string; updatedAt: string }

/** Projects with their metadata and members; `storageUsed` is kept by the content store's writes. */
export interface ProjectStore {
  getProject(name: string): Promise<Project | null>;
  getProjectById(id: number): Promise<Project | null>;
  createProject(p: NewProject): Promise<Project>;
  /** Every project, by id (the services filter and page: a project list is small). */
  listProjects(): Promise<Project[]>;
  updateProject(id: number, patch: ProjectPatch): Promise<Project | null>;
  /** Deletes the project with its members, metadata and repositories that hold no manifest. */
  deleteProject(id: number): Promise<boolean>;
  listMembers(projectId: number): Promise<ProjectMember[]>;
  /** Adds a user to a project; null when the user is already a member. */
  addMember(projectId: number, userId: number, roleId: RoleId): Promise<ProjectMember | null>;
  /** Adds a user group to a project; null when the group is already a member. */
  addGroupMember(projectId: number, groupId: number, roleId: RoleId): Promise<ProjectMember | null>;
  updateMember(projectId: number, memberId: number, roleId: RoleId): Promise<boolean>;
  deleteMember(projectId: number, memberId: number): Promise<boolean>;
  /** The user's roles in the project: its own and those of its groups (none when not a member). */
  getMemberRoles(projectId: number, userId: number): Promise<RoleId[]>;
  /** The CVE allowlist of a project, or the system's for 0; null when none was ever set. */
  getCveAllowlist(projectId: number): Promise<CveAllowlist | null>;
  /** Sets (creating or replacing) a CVE allowlist; a project's is deleted with the project. */
  setCveAllowlist(projectId: number, l: { expiresAt: number | null; items: string[] }): Promise<CveAllowlist>;
  /** The project's usage counted from scratch (what `storageUsed` must always equal). */
  recountUsage(projectId: number): Promise<number>;
}
