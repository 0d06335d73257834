// Projects, their members and metadata, as Harbor's project and member APIs manage them
// (src/server/v2.0/handler/project.go, member.go). Any signed-in user may create a project
// (project_creation_restriction "everyone") and becomes its project admin; everything else is
// checked against the role matrix (rbac.ts).
import { HarborError } from '../core/errors.js';
import { isValidProjectName } from '../oci/name.js';
import type { CachedTag, CveAllowlist, MetaStores, Project, ProjectMember, RoleId, User, UserGroup } from '../storage/meta/index.js';
import { checkStorageLimit, UNLIMITED } from './quotas.js';
import { isRoleId, isSysadmin, type AccessControl, type Principal } from './rbac.js';
import { requireUser } from './users.js';

export interface ProjectCreation {
  name: string; public?: boolean; metadata?: Record<string, string>; storageLimit?: number; cveAllowlist?: unknown;
  /** The upstream registry endpoint: a proxy-cache project. */
  registryId?: number;
}

/**
 * Harbor's CVEAllowlist body: `items` of `{cve_id}`, none empty or repeated (pkg/allowlist Validate),
 * and `expires_at` in Unix seconds or null for never; 400 otherwise.
 */
export function parseCveAllowlist(v: unknown): { expiresAt: number | null; items: string[] } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HarborError('BAD_REQUEST', 'the CVE allowlist must be an object');
  const o = v as Record<string, unknown>;
  const exp = o.expires_at;
  if (exp !== undefined && exp !== null && (typeof exp !== 'number' || !Number.isSafeInteger(exp))) throw new HarborError('BAD_REQUEST', 'expires_at must be an integer (Unix seconds) or null');
  const raw = o.items ?? [];
  if (!Array.isArray(raw)) throw new HarborError('BAD_REQUEST', 'items must be a list of {"cve_id": "..."}');
  const items: string[] = [];
  const seen = new Set<string>();
  for (const it of raw) {
    const id = it && typeof it === 'object' ? (it as Record<string, unknown>).cve_id : undefined;
    if (typeof id !== 'string' || id.trim() === '') throw new HarborError('BAD_REQUEST', 'empty or whitespace-only CVE ID in allowlist');
    if (id.length > 256) throw new HarborError('BAD_REQUEST', 'a CVE ID is longer than 256 characters');
    if (seen.has(id)) throw new HarborError('BAD_REQUEST', `duplicate CVE ID in allowlist: ${id}`);
    seen.add(id);
    items.push(id);
  }
  return { expiresAt: typeof exp === 'number' ? exp : null, items };
}

/** Endpoint types a proxy-cache project may pull from (Harbor's PERMITTED_REGISTRY_TYPES_FOR_PROXY_CACHE default). */
export const PROXY_CACHE_TYPES = new Set(['docker-hub', 'harbor', 'azure-acr', 'ali-acr', 'aws-ecr', 'google-gcr', 'docker-registry', 'github-ghcr', 'jfrog-artifactory']);
export interface ProjectChange { public?: boolean; metadata?: Record<string, string>; storageLimit?: number; cveAllowlist?: unknown }

/** ProjectMetadata keys Harbor knows (swagger definitions.ProjectMetadata). */
export const METADATA_KEYS = new Set([
  'public', 'enable_content_trust', 'enable_content_trust_cosign', 'prevent_vul', 'severity', 'auto_scan',
  'auto_sbom_generation', 'reuse_sys_cve_allowlist', 'retention_id', 'proxy_speed_kb', 'max_upstream_conn',
  'proxy_cache_local_on_not_found', 'proxy_referrer_api', 'proxy_cache_filter_pattern', 'proxy_cache_filter_kind',
]);
const BOOLEAN_KEYS = new Set(['public', 'enable_content_trust', 'enable_content_trust_cosign', 'prevent_vul', 'auto_scan',
  'auto_sbom_generation', 'reuse_sys_cve_allowlist', 'proxy_cache_local_on_not_found', 'proxy_referrer_api']);
const SEVERITIES = new Set(['none', 'low', 'medium', 'high', 'critical']);

/** Checks metadata keys and values; `public` is split off (it lives in the project row). */
export function checkMetadata(md: Record<string, unknown>): { public?: boolean; rest: Record<string, string> } {
  const rest: Record<string, string> = {};
  let pub: boolean | undefined;
  for (const [k, v] of Object.entries(md)) {
    if (!METADATA_KEYS.has(k)) throw new HarborError('BAD_REQUEST', `unknown project metadata ${JSON.stringify(k.slice(0, 100))}`);
    if (typeof v !== 'string') throw new HarborError('BAD_REQUEST', `project metadata ${k} must be a string`);
    const val = BOOLEAN_KEYS.has(k) ? v.toLowerCase() : v;
    if (BOOLEAN_KEYS.has(k) && val !== 'true' && val !== 'false') throw new HarborError('BAD_REQUEST', `project metadata ${k} must be "true" or "false"`);
    if (k === 'severity' && !SEVERITIES.has(val)) throw new HarborError('BAD_REQUEST', 'severity must be none, low, medium, high or critical');
    if (k === 'public') pub = val === 'true';
    else rest[k] = val;
  }
  return { public: pub, rest };
}

/** The project's metadata as Harbor shows it: `public` plus the stored keys. */
export function projectMetadata(p: Project): Record<string, string> {
  return { public: String(p.public), ...p.metadata };
}

export interface ProjectSummaryData { repoCount: number; roleCounts: Record<RoleId, number>; storageLimit: number; storageUsed: number }

/** The system settings project creation follows (services/config.ts). */
export interface ProjectSettings {
  /** `storage_limit` of a project created without one (Harbor's storage_per_project): bytes, -1 unlimited. */
  readonly storagePerProject: number;
  /** project_creation_restriction `adminonly`: only system admins create projects. */
  readonly adminOnlyProjectCreation: boolean;
}

export class ProjectService {
  constructor(private readonly stores: Pick<MetaStores, 'identity' | 'projects' | 'artifacts' | 'registries'>, private readonly access: AccessControl,
    private readonly settings: ProjectSettings = { storagePerProject: UNLIMITED, adminOnlyProjectCreation: false }) {}

  /** A project by name, or by id when the value is an integer and `isResourceName` is false (X-Is-Resource-Name). */
  async resolve(nameOrId: string, isResourceName = false): Promise<Project> {
    const p = !isResourceName && /^[0-9]{1,15}$/.test(nameOrId)
      ? await this.stores.projects.getProjectById(Number(nameOrId))
      : await this.stores.projects.getProject(nameOrId);
    if (!p) throw new HarborError('NOT_FOUND', `project ${nameOrId.slice(0, 255)} not found`);
    return p;
  }

  async exists(name: string): Promise<boolean> {
    return (await this.stores.projects.getProject(name)) !== null;
  }

  async create(actor: Principal, req: ProjectCreation): Promise<Project> {
    // Only system-level robots holding project:create may create projects (harbor-notes §3.2); they own none.
    const systemCreator = await this.access.canSystem(actor, 'project', 'create');
    const user = actor.kind === 'robot' && systemCreator ? null : requireUser(actor);
    if (this.settings.adminOnlyProjectCreation && !systemCreator) throw new HarborError('FORBIDDEN', 'only a system administrator may create projects (project_creation_restriction is adminonly)');
    if (!isValidProjectName(req.name)) {
      throw new HarborError('BAD_REQUEST', 'the project name must be 1 to 255 lower-case letters, digits and single . _ - separators, starting and ending with a letter or digit');
    }
    const md = checkMetadata(req.metadata ?? {});
    if (req.storageLimit !== undefined) checkStorageLimit(req.storageLimit, 'storage_limit');
    if (req.registryId !== undefined) await this.checkProxyUpstream(actor, req.registryId);
    const allowlist = req.cveAllowlist === undefined || req.cveAllowlist === null ? null : parseCveAllowlist(req.cveAllowlist);
    if (await this.stores.projects.getProject(req.name)) throw new HarborError('CONFLICT', `the project ${req.name} already exists`);
    const p = await this.stores.projects.createProject({
      name: req.name, public: md.public ?? req.public ?? false, ownerId: user?.id ?? null, storageLimit: req.storageLimit ?? this.settings.storagePerProject, metadata: md.rest,
      registryId: req.registryId ?? null,
    });
    if (user) await this.stores.projects.addMember(p.id, user.id, 1);
    if (allowlist) await this.stores.projects.setCveAllowlist(p.id, allowlist);
    return p;
  }

  /** A project's CVE allowlist as Harbor shows it, or null when none was set (then Harbor shows an empty one). */
  async cveAllowlist(p: Project): Promise<CveAllowlist | null> {
    return this.stores.projects.getCveAllowlist(p.id);
  }

  /** GET /system/CVEAllowlist: any signed-in caller. */
  async systemCveAllowlist(actor: Principal): Promise<CveAllowlist | null> {
    if (actor.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    return this.stores.projects.getCveAllowlist(0);
  }

  /** PUT /system/CVEAllowlist: the system's configuration permission (a system admin). */
  async setSystemCveAllowlist(actor: Principal, body: unknown): Promise<void> {
    if (!(await this.access.canSystem(actor, 'configuration', 'update'))) {
      throw new HarborError(actor.kind === 'anonymous' ? 'UNAUTHORIZED' : 'FORBIDDEN', 'setting the system CVE allowlist needs a system admin');
    }
    await this.stores.projects.setCveAllowlist(0, parseCveAllowlist(body));
  }

  /** Harbor: only a system administrator makes a proxy-cache project, and only of a permitted endpoint type. */
  private async checkProxyUpstream(actor: Principal, registryId: number): Promise<void> {
    if (!isSysadmin(actor)) throw new HarborError('FORBIDDEN', 'only a system administrator may create a proxy-cache project');
    const r = await this.stores.registries.getRegistryById(registryId);
    if (!r) throw new HarborError('BAD_REQUEST', `registry ${registryId} not found: create the endpoint first (harborctl registry create)`);
    if (!PROXY_CACHE_TYPES.has(r.type)) {
      throw new HarborError('BAD_REQUEST', `a ${r.type} endpoint cannot be a proxy cache's upstream; one of: ${[...PROXY_CACHE_TYPES].join(', ')}`);
    }
  }

  /** A proxy-cache project's tags with what is cached of each and when the upstream last confirmed it. */
  async cachedTags(actor: Principal, p: Project): Promise<CachedTag[]> {
    await this.access.require(actor, p, 'repository', 'list');
    if (p.registryId === null) throw new HarborError('BAD_REQUEST', `project ${p.name} is not a proxy-cache project`);
    return this.stores.registries.listCachedTags(p.id);
  }

  async get(actor: Principal, p: Project): Promise<Project> {
    await this.access.require(actor, p, 'project', 'read');
    return p;
  }

  /** The projects the caller can see: every one for an admin, else public ones and those it is a member of. */
  async list(actor: Principal): Promise<Project[]> {
    const all = await this.stores.projects.listProjects();
    if (isSysadmin(actor)) return all;
    const out: Project[] = [];
    // A robot sees the projects it holds permissions in, as a member sees its own.
    const robotSees = (p: Project): boolean => actor.kind === 'robot' && (actor.robot.level === 'system' || actor.robot.projectId === p.id)
      && actor.robot.permissions.some((x) => x.kind === 'project' && (x.namespace === p.name || x.namespace === '*'));
    for (const p of all) if (p.public || robotSees(p) || (await this.access.roleOf(actor, p)) !== null) out.push(p);
    return out;
  }

  async roleOf(actor: Principal, p: Project): Promise<RoleId | null> {
    return this.access.roleOf(actor, p);
  }

  async owner(p: Project): Promise<User | null> {
    return p.ownerId === null ? null : this.stores.identity.getUserById(p.ownerId);
  }

  async update(actor: Principal, p: Project, change: ProjectChange): Promise<Project> {
    await this.access.require(actor, p, 'project', 'update');
    const md = checkMetadata(change.metadata ?? {});
    if (change.storageLimit !== undefined) {
      checkStorageLimit(change.storageLimit, 'storage_limit');
      // Harbor lets only holders of the system quota permission change a limit, project admins not.
      if (!(await this.access.canSystem(actor, 'quota', 'update'))) throw new HarborError('FORBIDDEN', 'only a system administrator may change storage_limit');
    }
    const allowlist = change.cveAllowlist === undefined || change.cveAllowlist === null ? null : parseCveAllowlist(change.cveAllowlist);
    const pub = md.public ?? change.public;
    const updated = (await this.stores.projects.updateProject(p.id, { public: pub, metadata: md.rest, storageLimit: change.storageLimit }))!;
    if (allowlist) await this.stores.projects.setCveAllowlist(p.id, allowlist);
    return updated;
  }

  /** Harbor refuses to delete a project that still has repositories: 412 PRECONDITION. */
  async delete(actor: Principal, p: Project): Promise<void> {
    await this.access.require(actor, p, 'project', 'delete');
    const repos = await this.repoCount(p);
    if (repos) throw new HarborError('PRECONDITION', `the project ${p.name} still has ${repos} repositories; delete them first`);
    await this.stores.projects.deleteProject(p.id);
  }

  /** GET …/_deletable: for those who may delete it, whether it holds no repository. */
  async deletable(actor: Principal, p: Project): Promise<boolean> {
    await this.access.require(actor, p, 'project', 'delete');
    return (await this.repoCount(p)) === 0;
  }

  /** A count, not the list: a project page shows it for every project (10,000 repositories: ~30 ms to list). */
  async repoCount(p: Project): Promise<number> {
    return this.stores.artifacts.countProjectRepositories(p.id);
  }

  async summary(actor: Principal, p: Project): Promise<ProjectSummaryData> {
    await this.access.require(actor, p, 'project', 'read');
    const roleCounts: Record<RoleId, number> = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 };
    // Harbor shows member counts only to those who may list members.
    if (await this.access.can(actor, p, 'member', 'list')) for (const m of await this.stores.projects.listMembers(p.id)) roleCounts[m.roleId]++;
    return { repoCount: await this.repoCount(p), roleCounts, storageLimit: p.storageLimit, storageUsed: p.storageUsed };
  }

  // ---- metadata

  async getMetadata(actor: Principal, p: Project): Promise<Record<string, string>> {
    await this.access.require(actor, p, 'metadata', 'read');
    return projectMetadata(p);
  }

  async setMetadata(actor: Principal, p: Project, md: Record<string, unknown>, action: 'create' | 'update'): Promise<Project> {
    await this.access.require(actor, p, 'metadata', action);
    const checked = checkMetadata(md);
    return (await this.stores.projects.updateProject(p.id, { public: checked.public, metadata: checked.rest }))!;
  }

  async deleteMetadata(actor: Principal, p: Project, key: string): Promise<void> {
    await this.access.require(actor, p, 'metadata', 'delete');
    if (key === 'public') throw new HarborError('BAD_REQUEST', 'the public metadata cannot be deleted; set it to "false"');
    if (!Object.hasOwn(p.metadata, key)) throw new HarborError('NOT_FOUND', `project metadata ${key.slice(0, 100)} not found`);
    await this.stores.projects.updateProject(p.id, { metadata: { [key]: null } });
  }

  // ---- members

  async listMembers(actor: Principal, p: Project, entityName?: string): Promise<ProjectMember[]> {
    await this.access.require(actor, p, 'member', 'list');
    const all = await this.stores.projects.listMembers(p.id);
    return entityName ? all.filter((m) => m.entityName.includes(entityName)) : all;
  }

  async getMember(actor: Principal, p: Project, memberId: number): Promise<ProjectMember> {
    await this.access.require(actor, p, 'member', 'read');
    const m = (await this.stores.projects.listMembers(p.id)).find((x) => x.id === memberId);
    if (!m) throw new HarborError('NOT_FOUND', `member ${memberId} of project ${p.name} not found`);
    return m;
  }

  async addMember(actor: Principal, p: Project, roleId: unknown, who: { userId?: number; username?: string }): Promise<ProjectMember> {
    await this.access.require(actor, p, 'member', 'create');
    if (!isRoleId(roleId)) throw new HarborError('BAD_REQUEST', 'role_id must be 1 (projectAdmin), 2 (developer), 3 (guest), 4 (maintainer) or 5 (limitedGuest)');
    const user = who.userId !== undefined && who.userId > 0
      ? await this.stores.identity.getUserById(who.userId)
      : who.username ? await this.stores.identity.getUserByName(who.username) : undefined;
    if (user === undefined) throw new HarborError('BAD_REQUEST', 'member_user needs a user_id or a username');
    if (!user) throw new HarborError('NOT_FOUND', 'the user to add does not exist');
    const m = await this.stores.projects.addMember(p.id, user.id, roleId);
    if (!m) throw new HarborError('CONFLICT', `${user.username} is already a member of ${p.name}`);
    return m;
  }

  /** Adds a user group; `resolve` finds (or onboards) it once the caller may add members. */
  async addGroupMember(actor: Principal, p: Project, roleId: unknown, resolve: () => Promise<UserGroup>): Promise<ProjectMember> {
    await this.access.require(actor, p, 'member', 'create');
    if (!isRoleId(roleId)) throw new HarborError('BAD_REQUEST', 'role_id must be 1 (projectAdmin), 2 (developer), 3 (guest), 4 (maintainer) or 5 (limitedGuest)');
    const g = await resolve();
    const m = await this.stores.projects.addGroupMember(p.id, g.id, roleId);
    if (!m) throw new HarborError('CONFLICT', `the group ${g.name} is already a member of ${p.name}`);
    return m;
  }

  async updateMember(actor: Principal, p: Project, memberId: number, roleId: unknown): Promise<void> {
    await this.access.require(actor, p, 'member', 'update');
    if (!isRoleId(roleId)) throw new HarborError('BAD_REQUEST', 'role_id must be 1 (projectAdmin), 2 (developer), 3 (guest), 4 (maintainer) or 5 (limitedGuest)');
    if (!(await this.stores.projects.updateMember(p.id, memberId, roleId))) throw new HarborError('NOT_FOUND', `member ${memberId} of project ${p.name} not found`);
  }

  async deleteMember(actor: Principal, p: Project, memberId: number): Promise<void> {
    await this.access.require(actor, p, 'member', 'delete');
    if (!(await this.stores.projects.deleteMember(p.id, memberId))) throw new HarborError('NOT_FOUND', `member ${memberId} of project ${p.name} not found`);
  }
}
