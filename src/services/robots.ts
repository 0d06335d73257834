// Robot accounts as Harbor models them (harbor-notes §3.3–3.4; src/controller/robot,
// src/server/v2.0/handler/robot.go, src/server/middleware/security/robot.go): system or project
// level, a permission list checked against Harbor's assignable lists, a duration in days, and a
// secret that is shown once and kept only as a salted hash. The secret is a random 32-character
// string, so a salted HMAC-SHA256 (Harbor uses salted SHA-256) is enough: no password-style
// stretching, and so no cache in front of it. Every request re-reads the robot, which is what makes
// a disabled, expired or deleted robot fail on its very next request.
import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { HarborError } from '../core/errors.js';
import type { MetaStores, Project, Robot, RobotPermission } from '../storage/meta/index.js';
import { ROBOT_PREFIX, robotAllows, type AccessControl, type Principal } from './rbac.js';

const CRUDL = ['create', 'read', 'update', 'delete', 'list'];

/** What a system-level entry may grant (src/common/rbac/const.go PoliciesMap["System"]). */
export const SYSTEM_PERMISSIONS: Record<string, string[]> = {
  'audit-log': ['list'], 'preheat-instance': CRUDL, project: ['list', 'create'], 'replication-policy': CRUDL,
  replication: ['read', 'create', 'list'], 'replication-adapter': ['list'], registry: CRUDL, 'scan-all': ['read', 'update', 'stop', 'create'],
  'system-volumes': ['read'], 'garbage-collection': ['read', 'create', 'list', 'update', 'stop'],
  'purge-audit': ['read', 'create', 'list', 'update', 'stop'], 'jobservice-monitor': ['list', 'stop'], scanner: CRUDL,
  label: ['read', 'create', 'delete', 'update'], 'security-hub': ['read', 'list'], catalog: ['read'], quota: ['read', 'list', 'update'],
  robot: ['create', 'read', 'list', 'delete'], user: CRUDL, 'ldap-user': ['create', 'list'], 'user-group': CRUDL,
};

/** What a project-level entry may grant (PoliciesMap["Project"]). */
export const PROJECT_PERMISSIONS: Record<string, string[]> = {
  log: ['list'], project: ['read', 'delete', 'update'], metadata: CRUDL, repository: ['read', 'update', 'delete', 'list', 'pull', 'push'],
  artifact: ['read', 'create', 'list', 'delete'], scan: ['create', 'read', 'stop'], sbom: ['create', 'stop', 'read'],
  tag: ['create', 'list', 'delete'], accessory: ['list'], 'artifact-addition': ['read'], 'artifact-label': ['create', 'delete'],
  scanner: ['create', 'read'], 'preheat-policy': CRUDL, 'immutable-tag': ['create', 'delete', 'list', 'update'],
  'notification-policy': CRUDL, 'tag-retention': CRUDL, label: CRUDL, quota: ['read'], robot: ['create', 'read', 'list', 'delete'],
  'export-cve': ['create', 'read'], member: CRUDL,
};

/** The actions a list grants on a resource; a resource the table lacks (`constructor` too) grants none. */
function grantable(table: Record<string, string[]>, resource: string): string[] {
  return Object.hasOwn(table, resource) ? table[resource] : [];
}

const NAME_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
export const MAX_DURATION_DAYS = 2 ** 31 - 2;
export const DEFAULT_ROBOT_DURATION_DAYS = 30; // Harbor's robot_token_duration
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A 32-character secret with an upper-case letter, a lower-case letter and a digit, as Harbor requires. */
export function generateSecret(): string {
  for (;;) {
    let s = '';
    for (let i = 0; i < 32; i++) s += SECRET_ALPHABET[randomInt(SECRET_ALPHABET.length)];
    if (isValidSecret(s)) return s;
  }
}

/** 8–128 characters with at least one upper-case letter, one lower-case letter and one digit. */
export function isValidSecret(s: string): boolean {
  return s.length >= 8 && s.length <= 128 && /[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s);
}

export function hashSecret(secret: string): string {
  const salt = randomBytes(16);
  return `sha256$${salt.toString('base64url')}$${createHmac('sha256', salt).update(secret).digest('base64url')}`;
}

export function verifySecret(secret: string, stored: string): boolean {
  const parts = stored.split('$');
  if (parts.length !== 3 || parts[0] !== 'sha256') return false;
  const expected = Buffer.from(parts[2], 'base64url');
  const got = createHmac('sha256', Buffer.from(parts[1], 'base64url')).update(secret).digest();
  return got.length === expected.length && timingSafeEqual(got, expected);
}

export interface RobotCreation {
  name: unknown; description?: unknown; secret?: unknown; level: unknown; disable?: unknown; duration?: unknown; permissions: unknown;
}

export interface RobotChange { description?: unknown; disable?: unknown; duration?: unknown; permissions?: unknown; name?: unknown; level?: unknown }

export interface RobotFilter { projectId?: number }

export class RobotService {
  private readonly now: () => number;

  private readonly defaultDuration: () => number;
  private readonly prefix: () => string;

  /**
   * defaultDuration: days of a robot created without one (Harbor's robot_token_duration); prefix:
   * Harbor's robot_name_prefix. As in Harbor the prefix is not stored with a robot: it is put in
   * front of the stored name when the robot is shown or signs in, so after a change every robot
   * (old ones too) is named and signs in with the new prefix, and the old login name stops working.
   */
  constructor(private readonly stores: Pick<MetaStores, 'identity' | 'projects'>, private readonly access: AccessControl,
    opts: { clock?: () => number; defaultDuration?: () => number; prefix?: () => string } = {}) {
    this.now = opts.clock ?? Date.now;
    this.defaultDuration = opts.defaultDuration ?? (() => DEFAULT_ROBOT_DURATION_DAYS);
    this.prefix = opts.prefix ?? (() => ROBOT_PREFIX);
  }

  /** The name a robot signs in with and is shown as: the current prefix + its stored name. */
  loginName(r: Robot): string {
    return `${this.prefix()}${r.name}`;
  }

  /** Is this a robot's login name (it starts with the current prefix)? */
  isRobotLogin(name: string): boolean {
    return name.startsWith(this.prefix());
  }

  private nowSec(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Is this robot usable right now (not disabled, not expired)? */
  isActive(r: Robot): boolean {
    return !r.disabled && (r.expiresAt === -1 || r.expiresAt > this.nowSec());
  }

  /** The robot a login name and secret belong to, if it is usable; null otherwise. */
  async authenticate(loginName: string, secret: string): Promise<Robot | null> {
    const prefix = this.prefix();
    if (!loginName.startsWith(prefix)) return null;
    const r = await this.stores.identity.getRobotByName(loginName.slice(prefix.length));
    if (!r || !verifySecret(secret, r.secretHash) || !this.isActive(r)) return null;
    return r;
  }

  /**
   * Is a token still good? A robot's token dies with the robot: disabled, expired, deleted, or
   * deleted and created again under the same name. A robot's token names its robot by id (the
   * name's prefix may change meanwhile); one without the id, by its subject.
   */
  async tokenStillValid(grant: { subject: string; issuedAt: number; robotId?: number }): Promise<boolean> {
    let r: Robot | null;
    if (grant.robotId !== undefined) r = await this.stores.identity.getRobotById(grant.robotId);
    else if (this.isRobotLogin(grant.subject)) r = await this.stores.identity.getRobotByName(grant.subject.slice(this.prefix().length));
    else return true;
    return r !== null && this.isActive(r) && Math.floor(Date.parse(r.createdAt) / 1000) <= grant.issuedAt;
  }

  private async projectOf(r: { level: string; projectId: number | null }): Promise<Project | null> {
    return r.level === 'project' && r.projectId !== null ? this.stores.projects.getProjectById(r.projectId) : null;
  }

  /** May the actor do `action` on robots of this level (and project)? FORBIDDEN / UNAUTHORIZED otherwise. */
  private async require(actor: Principal, project: Project | null, action: 'create' | 'read' | 'update' | 'delete' | 'list'): Promise<void> {
    const ok = await this.access.canSystem(actor, 'robot', action) || (project !== null && (await this.access.can(actor, project, 'robot', action)));
    if (ok) return;
    if (actor.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    throw new HarborError('FORBIDDEN', `${action} on robot accounts ${project ? `of project ${project.name} ` : 'at system level '}is not allowed`);
  }

  private checkDuration(v: unknown): number {
    if (v === undefined || v === null) return this.defaultDuration();
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || (v !== -1 && (v <= 0 || v > MAX_DURATION_DAYS))) {
      throw new HarborError('BAD_REQUEST', 'duration must be -1 (never expires) or a positive number of days');
    }
    return v;
  }

  private expiresAt(duration: number, fromSec: number): number {
    return duration === -1 ? -1 : fromSec + duration * 86400;
  }

  /** Checks the permission list against Harbor's assignable lists and the robot's level. */
  private async checkPermissions(v: unknown, level: 'system' | 'project'): Promise<{ permissions: RobotPermission[]; project: Project | null }> {
    if (!Array.isArray(v) || v.length === 0) throw new HarborError('BAD_REQUEST', 'permissions must be a non-empty list of {kind, namespace, access}');
    const out: RobotPermission[] = [];
    let project: Project | null = null;
    for (const raw of v) {
      const e = raw as { kind?: unknown; namespace?: unknown; access?: unknown };
      if (typeof e !== 'object' || e === null) throw new HarborError('BAD_REQUEST', 'each permission must be an object');
      if (e.kind !== 'system' && e.kind !== 'project') throw new HarborError('BAD_REQUEST', 'permission kind must be "system" or "project"');
      if (typeof e.namespace !== 'string' || e.namespace === '') throw new HarborError('BAD_REQUEST', 'permission namespace is required');
      if (!Array.isArray(e.access) || e.access.length === 0) throw new HarborError('BAD_REQUEST', 'permission access must be a non-empty list of {resource, action}');
      const allowed = e.kind === 'system' ? SYSTEM_PERMISSIONS : PROJECT_PERMISSIONS;
      if (e.kind === 'system') {
        if (level !== 'system') throw new HarborError('BAD_REQUEST', 'a project-level robot cannot hold system permissions');
        if (e.namespace !== '/') throw new HarborError('BAD_REQUEST', 'a system permission\'s namespace must be "/"');
      } else if (e.namespace === '*') {
        if (level !== 'system') throw new HarborError('BAD_REQUEST', 'only a system-level robot may cover all projects ("*")');
      } else {
        const p = await this.stores.projects.getProject(e.namespace);
        if (!p) throw new HarborError('NOT_FOUND', `project ${e.namespace.slice(0, 255)} not found`);
        project = p;
      }
      const access: { resource: string; action: string }[] = [];
      for (const a of e.access as { resource?: unknown; action?: unknown; effect?: unknown }[]) {
        if (typeof a?.resource !== 'string' || typeof a.action !== 'string') throw new HarborError('BAD_REQUEST', 'each access needs a resource and an action');
        if (a.effect !== undefined && a.effect !== null && a.effect !== '' && a.effect !== 'allow') throw new HarborError('BAD_REQUEST', 'only the "allow" effect is supported');
        if (!grantable(allowed, a.resource).includes(a.action)) {
          throw new HarborError('BAD_REQUEST', `${a.action.slice(0, 50)} on ${a.resource.slice(0, 50)} cannot be given to a robot at ${e.kind} level`);
        }
        if (!access.some((x) => x.resource === a.resource && x.action === a.action)) access.push({ resource: a.resource, action: a.action });
      }
      out.push({ kind: e.kind, namespace: e.namespace, access });
    }
    if (level === 'project' && (out.length !== 1 || out[0].kind !== 'project' || project === null)) {
      throw new HarborError('BAD_REQUEST', 'a project-level robot needs exactly one permission entry, of kind "project" naming its project');
    }
    return { permissions: out, project };
  }

  /** A robot may hand out only what it holds itself (Harbor's isValidPermissionScope). */
  private checkSubset(actor: Principal, permissions: RobotPermission[]): void {
    if (actor.kind !== 'robot') return;
    for (const p of permissions) {
      for (const a of p.access) {
        if (!robotAllows(actor.robot, p.kind, p.namespace, a.resource, a.action)) throw new HarborError('FORBIDDEN', `a robot cannot grant ${a.action} on ${a.resource} in ${p.namespace}: it does not hold it`);
      }
    }
  }

  async create(actor: Principal, req: RobotCreation): Promise<{ robot: Robot; secret: string }> {
    // Harbor's handler asks for a signed-in caller before it reads the body.
    if (actor.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    if (req.level !== 'system' && req.level !== 'project') throw new HarborError('BAD_REQUEST', 'level must be "system" or "project"');
    if (typeof req.name !== 'string' || !NAME_RE.test(req.name) || req.name.length > 255) {
      throw new HarborError('BAD_REQUEST', 'the robot name must be lower-case letters and digits with single . _ - separators');
    }
    const { permissions, project } = await this.checkPermissions(req.permissions, req.level);
    await this.require(actor, req.level === 'project' ? project : null, 'create');
    this.checkSubset(actor, permissions);
    let duration = this.checkDuration(req.duration);
    if (req.description !== undefined && req.description !== null && typeof req.description !== 'string') throw new HarborError('BAD_REQUEST', 'description must be a string');
    if (req.disable !== undefined && req.disable !== null && typeof req.disable !== 'boolean') throw new HarborError('BAD_REQUEST', 'disable must be a boolean');
    let secret: string;
    if (req.secret === undefined || req.secret === null || req.secret === '') secret = generateSecret();
    else if (typeof req.secret === 'string' && isValidSecret(req.secret)) secret = req.secret;
    else throw new HarborError('BAD_REQUEST', 'the secret must be 8 to 128 characters with an upper-case letter, a lower-case letter and a digit');
    const name = req.level === 'project' ? `${project!.name}+${req.name}` : req.name;
    if (await this.stores.identity.getRobotByName(name)) throw new HarborError('CONFLICT', `the robot ${this.prefix()}${name} already exists`);
    const now = this.nowSec();
    let expiresAt = this.expiresAt(duration, now);
    // Our decision (Harbor does not cap it): a robot creating robots gives them no longer a life than
    // its own, so a leaked short-lived secret cannot mint a never-expiring one.
    const cap = actor.kind === 'robot' ? actor.robot.expiresAt : -1;
    if (cap !== -1 && (expiresAt === -1 || expiresAt > cap)) {
      expiresAt = cap;
      duration = Math.max(1, Math.ceil((cap - now) / 86400));
    }
    const robot = await this.stores.identity.createRobot({
      name, description: (req.description as string | undefined) ?? '', level: req.level, projectId: req.level === 'project' ? project!.id : null,
      secretHash: hashSecret(secret), disabled: req.disable === true, duration, expiresAt, permissions,
      creatorType: actor.kind === 'robot' ? 'robot' : 'local', creatorRef: actor.kind === 'robot' ? actor.robot.id : actor.kind === 'user' ? actor.user.id : 0,
    });
    return { robot, secret };
  }

  private async find(id: number): Promise<Robot> {
    const r = await this.stores.identity.getRobotById(id);
    if (!r) throw new HarborError('NOT_FOUND', `robot ${id} not found`);
    return r;
  }

  async get(actor: Principal, id: number): Promise<Robot> {
    const r = await this.find(id);
    await this.require(actor, await this.projectOf(r), 'read');
    return r;
  }

  /** With a project id, that project's robots (`q=Level=project,ProjectID=N`); otherwise the system-level ones, as Harbor lists them. */
  async list(actor: Principal, f: RobotFilter): Promise<Robot[]> {
    if (f.projectId !== undefined) {
      const p = await this.stores.projects.getProjectById(f.projectId);
      if (!p) throw new HarborError('NOT_FOUND', `project ${f.projectId} not found`);
      await this.require(actor, p, 'list');
      return (await this.stores.identity.listRobots()).filter((r) => r.level === 'project' && r.projectId === p.id);
    }
    await this.require(actor, null, 'list');
    return (await this.stores.identity.listRobots()).filter((r) => r.level === 'system');
  }

  /** PUT: description, disable, duration and permissions; name, level and project cannot change. */
  async update(actor: Principal, id: number, ch: RobotChange): Promise<Robot> {
    const r = await this.find(id);
    const project = await this.projectOf(r);
    await this.require(actor, project, 'update');
    if (ch.level !== undefined && ch.level !== null && ch.level !== r.level) throw new HarborError('BAD_REQUEST', 'the level of a robot cannot change');
    if (typeof ch.name === 'string' && ch.name !== '' && ch.name !== r.name && this.loginName(r) !== ch.name
      && !(project && ch.name === r.name.slice(project.name.length + 1))) {
      throw new HarborError('BAD_REQUEST', 'the name of a robot cannot change');
    }
    let permissions: RobotPermission[] | undefined;
    if (ch.permissions !== undefined && ch.permissions !== null) {
      const checked = await this.checkPermissions(ch.permissions, r.level);
      if (r.level === 'project' && checked.project?.id !== r.projectId) throw new HarborError('BAD_REQUEST', 'the project of a robot cannot change');
      this.checkSubset(actor, checked.permissions);
      permissions = checked.permissions;
    }
    if (ch.description !== undefined && ch.description !== null && typeof ch.description !== 'string') throw new HarborError('BAD_REQUEST', 'description must be a string');
    if (ch.disable !== undefined && ch.disable !== null && typeof ch.disable !== 'boolean') throw new HarborError('BAD_REQUEST', 'disable must be a boolean');
    let duration: number | undefined;
    let expiresAt: number | undefined;
    if (ch.duration !== undefined && ch.duration !== null) {
      duration = this.checkDuration(ch.duration);
      // Harbor counts a new duration from the robot's creation.
      expiresAt = this.expiresAt(duration, Math.floor(Date.parse(r.createdAt) / 1000));
    }
    return (await this.stores.identity.updateRobot(r.id, {
      description: ch.description as string | undefined, disabled: ch.disable as boolean | undefined, duration, expiresAt, permissions,
    }))!;
  }

  /** PATCH {"secret":""}: a new generated secret, returned once; {"secret":"<mine>"}: set it, nothing returned. */
  async refresh(actor: Principal, id: number, secret: unknown): Promise<string> {
    const r = await this.find(id);
    await this.require(actor, await this.projectOf(r), 'update');
    let next: string;
    let shown = '';
    if (secret === undefined || secret === null || secret === '') {
      next = generateSecret();
      shown = next;
    } else if (typeof secret === 'string' && isValidSecret(secret)) next = secret;
    else throw new HarborError('BAD_REQUEST', 'the secret must be 8 to 128 characters with an upper-case letter, a lower-case letter and a digit');
    await this.stores.identity.updateRobot(r.id, { secretHash: hashSecret(next) });
    return shown;
  }

  async delete(actor: Principal, id: number): Promise<void> {
    const r = await this.find(id);
    await this.require(actor, await this.projectOf(r), 'delete');
    await this.stores.identity.deleteRobot(r.id);
  }

}
