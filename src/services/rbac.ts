// Authorization as Harbor does it (harbor-notes §3.2, src/common/rbac/project/rbac_role.go and
// rbac_util.go): a system admin may do anything; otherwise a member's role grants a fixed set of
// (resource, action) pairs, and a public project grants everybody, anonymous included, the read side.
// A robot account may do exactly what its permission list grants (harbor-notes §3.3), plus that read side.
import { HarborError } from '../core/errors.js';
import type { MetaStores, Project, Robot, RoleId, User } from '../storage/meta/index.js';

export type Resource = 'project' | 'member' | 'metadata' | 'repository' | 'artifact' | 'artifact-addition' | 'tag' | 'quota' | 'log' | 'label' | 'robot'
  | 'accessory' | 'scan' | 'sbom' | 'immutable-tag' | 'tag-retention' | 'notification-policy' | 'artifact-label' | 'scanner';
export type Action = 'create' | 'read' | 'update' | 'delete' | 'list' | 'pull' | 'push' | 'stop' | 'operate';

/** Who is asking: nobody, a user, or a robot account (its permissions are all it may do). */
/** A robot's `name` is its login name: robot_name_prefix (as it was at sign-in) + the stored name. */
export type Principal = { kind: 'anonymous' } | { kind: 'user'; user: User } | { kind: 'robot'; robot: Robot; name: string };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

export const ROLE_NAMES: Record<RoleId, string> = {
  1: 'projectAdmin',
  2: 'developer',
  3: 'guest',
  4: 'maintainer',
  5: 'limitedGuest',
};

/** Harbor's roles from most to least: projectAdmin, maintainer, developer, guest, limitedGuest. */
const ROLE_RANK: RoleId[] = [1, 4, 2, 3, 5];

export function highestRole(roles: RoleId[]): RoleId | null {
  return ROLE_RANK.find((r) => roles.includes(r)) ?? null;
}

export function isRoleId(v: unknown): v is RoleId {
  return v === 1 || v === 2 || v === 3 || v === 4 || v === 5;
}

type Grants = Partial<Record<Resource, readonly Action[]>>;
const CRUDL = ['create', 'read', 'update', 'delete', 'list'] as const;
// Scans and SBOMs (rbac_role.go): admins and maintainers start and stop them, every role reads them
// and lists accessories.
// Only project admins choose the project's scanner; every role sees which it is.
const SCAN_WRITE: Grants = { accessory: ['list'], scan: ['create', 'read', 'stop'], sbom: ['create', 'read', 'stop'], scanner: ['read'] };
const SCAN_READ: Grants = { accessory: ['list'], scan: ['read'], sbom: ['read'], scanner: ['read'] };
// Tag retention: admins, maintainers and developers (since goharbor/harbor#16514); immutable tag
// rules: admins and maintainers (rbac_role.go).
const RETENTION: Grants = { 'tag-retention': [...CRUDL, 'operate'] };
const IMMUTABLE: Grants = { 'immutable-tag': ['create', 'update', 'delete', 'list'] };

const MATRIX: Record<RoleId, Grants> = {
  1: {
    project: ['read', 'update', 'delete'], member: CRUDL, metadata: ['create', 'read', 'update', 'delete'], log: ['list'],
    label: CRUDL, quota: ['read'], repository: [...CRUDL, 'pull', 'push'], artifact: ['create', 'read', 'delete', 'list'],
    tag: ['create', 'delete', 'list'], robot: CRUDL, 'artifact-addition': ['read'], 'artifact-label': ['create', 'delete'], 'notification-policy': CRUDL,
    ...SCAN_WRITE, scanner: ['create', 'read'], ...RETENTION, ...IMMUTABLE,
  },
  4: {
    project: ['read'], member: ['read', 'list'], metadata: ['read'], label: CRUDL, quota: ['read'],
    repository: [...CRUDL, 'pull', 'push'], artifact: ['create', 'read', 'delete', 'list'], tag: ['create', 'delete', 'list'],
    robot: ['read', 'list'], 'artifact-addition': ['read'], 'artifact-label': ['create', 'delete'], 'notification-policy': ['read', 'list'],
    ...SCAN_WRITE, ...RETENTION, ...IMMUTABLE,
  },
  2: {
    project: ['read'], member: ['read', 'list'], label: ['read', 'list'], quota: ['read'],
    repository: ['create', 'read', 'update', 'list', 'pull', 'push'], artifact: ['create', 'read', 'list'], tag: ['create', 'list'],
    robot: ['read', 'list'], 'artifact-addition': ['read'], 'artifact-label': ['create', 'delete'],
    ...SCAN_READ, ...RETENTION,
  },
  3: {
    project: ['read'], member: ['read', 'list'], label: ['read', 'list'], quota: ['read'],
    repository: ['read', 'list', 'pull'], artifact: ['read', 'list'], tag: ['list'], robot: ['read', 'list'], 'artifact-addition': ['read'],
    ...SCAN_READ,
  },
  5: {
    project: ['read'], quota: ['read'], repository: ['read', 'list', 'pull'], artifact: ['read', 'list'], tag: ['list'],
    'artifact-addition': ['read'], ...SCAN_READ,
  },
};

/** What a public project grants everybody (rbac_util.go publicProjectPolicies). */
const PUBLIC: Grants = {
  project: ['read'], label: ['read', 'list'], repository: ['list', 'pull'], tag: ['list'], artifact: ['read', 'list'],
  'artifact-addition': ['read'], accessory: ['list'], scan: ['read'], scanner: ['read'],
};

/** What grants give on a resource; never the prototype's (a resource named `constructor` grants nothing). */
function granted(g: Grants, resource: Resource, action: Action): boolean {
  return Object.hasOwn(g, resource) && (g[resource]?.includes(action) ?? false);
}

export function roleAllows(role: RoleId, resource: Resource, action: Action): boolean {
  return Object.hasOwn(MATRIX, role) && granted(MATRIX[role], resource, action);
}

export function publicAllows(resource: Resource, action: Action): boolean {
  return granted(PUBLIC, resource, action);
}

export function isSysadmin(p: Principal): boolean {
  return p.kind === 'user' && p.user.sysadmin;
}

/** The name a principal signs tokens and logs with: a robot's login name (`robot$<name>`), '' for anonymous. */
export function principalName(p: Principal): string {
  return p.kind === 'user' ? p.user.username : p.kind === 'robot' ? p.name : '';
}

/** Harbor's robot_name_prefix default (the configuration item decides; services/robots.ts). */
export const ROBOT_PREFIX = 'robot$';

/** Does a robot's permission list grant (resource, action) in this namespace (`project` + name, or `system` + `/`)? */
export function robotAllows(r: Robot, kind: 'system' | 'project', namespace: string, resource: string, action: string): boolean {
  return r.permissions.some((p) => p.kind === kind && (p.namespace === namespace || (kind === 'project' && p.namespace === '*'))
    && p.access.some((a) => (a.resource === resource || a.resource === '*') && (a.action === action || a.action === '*')));
}

export class AccessControl {
  constructor(private readonly stores: Pick<MetaStores, 'projects'>) {}

  /** A user's role in the project: the highest of its own and its groups' (Harbor grants the union; each role includes the lower ones). */
  async roleOf(p: Principal, project: Project): Promise<RoleId | null> {
    return p.kind === 'user' ? highestRole(await this.stores.projects.getMemberRoles(project.id, p.user.id)) : null;
  }

  async can(p: Principal, project: Project, resource: Resource, action: Action): Promise<boolean> {
    if (isSysadmin(p)) return true;
    if (project.public && publicAllows(resource, action)) return true;
    // A project robot holds exactly its own project's namespace; a system robot may also hold `*`.
    if (p.kind === 'robot') return (p.robot.level === 'system' || p.robot.projectId === project.id) && robotAllows(p.robot, 'project', project.name, resource, action);
    const role = await this.roleOf(p, project);
    return role !== null && roleAllows(role, resource, action);
  }

  /** A system-level permission (quota, user, ...): the system admin's. */
  async canSystem(p: Principal, resource: string, action: string): Promise<boolean> {
    if (p.kind === 'robot') return p.robot.level === 'system' && robotAllows(p.robot, 'system', '/', resource, action);
    return isSysadmin(p);
  }

  /** Throws UNAUTHORIZED for anonymous callers and FORBIDDEN for signed-in ones lacking the permission. */
  async require(p: Principal, project: Project, resource: Resource, action: Action): Promise<void> {
    if (await this.can(p, project, resource, action)) return;
    if (p.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    throw new HarborError('FORBIDDEN', `${action} on ${resource} of project ${project.name} is not allowed`);
  }
}
