// Users and robot accounts (tables users, robots).
import type Database from 'better-sqlite3';
import type { IdentityStore, NewRobot, NewUser, Robot, RobotPatch, RobotPermission, User, UserPatch } from '../index.js';
import { type Clock, SqliteStore, unique } from './common.js';

export class SqliteIdentityStore extends SqliteStore implements IdentityStore {
  private readonly s;

  constructor(db: Database.Database, now: Clock) {
    super(db, now);
    this.s = {
      insertUser: db.prepare(`INSERT INTO users (username, email, realname, comment, password_hash, sysadmin, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      getUserById: db.prepare(`${USER_COLS} WHERE id = ?`),
      getUserByName: db.prepare(`${USER_COLS} WHERE username = ?`),
      listUsers: db.prepare(`${USER_COLS} ORDER BY id`),
      updateUser: db.prepare(`UPDATE users SET email = coalesce(?, email), realname = coalesce(?, realname), comment = coalesce(?, comment),
        password_hash = coalesce(?, password_hash), sysadmin = coalesce(?, sysadmin), updated_at = ? WHERE id = ?`),
      deleteUser: db.prepare('DELETE FROM users WHERE id = ?'),
      insertRobot: db.prepare(`INSERT INTO robots (name, description, level, project_id, secret_hash, disabled, duration, expires_at, permissions,
        creator_type, creator_ref, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      getRobotById: db.prepare(`${ROBOT_COLS} WHERE id = ?`),
      getRobotByName: db.prepare(`${ROBOT_COLS} WHERE name = ?`),
      listRobots: db.prepare(`${ROBOT_COLS} ORDER BY id`),
      updateRobot: db.prepare(`UPDATE robots SET description = coalesce(?, description), disabled = coalesce(?, disabled),
        duration = coalesce(?, duration), expires_at = coalesce(?, expires_at), permissions = coalesce(?, permissions),
        secret_hash = coalesce(?, secret_hash), updated_at = ? WHERE id = ?`),
      deleteRobot: db.prepare('DELETE FROM robots WHERE id = ?'),
    };
  }

  async createUser(u: NewUser): Promise<User> {
    const t = this.iso();
    const id = unique(`the user ${u.username}`, () => this.s.insertUser.run(u.username, u.email ?? '', u.realname ?? '', u.comment ?? '', u.passwordHash,
      u.sysadmin ? 1 : 0, t, t)).lastInsertRowid;
    return toUser(this.s.getUserById.get(id))!;
  }

  async getUserById(id: number): Promise<User | null> {
    return toUser(this.s.getUserById.get(id));
  }

  async getUserByName(username: string): Promise<User | null> {
    return toUser(this.s.getUserByName.get(username));
  }

  async listUsers(): Promise<User[]> {
    return (this.s.listUsers.all() as unknown[]).map((r) => toUser(r)!);
  }

  async updateUser(id: number, patch: UserPatch): Promise<User | null> {
    const admin = patch.sysadmin === undefined ? null : patch.sysadmin ? 1 : 0;
    const r = this.s.updateUser.run(patch.email ?? null, patch.realname ?? null, patch.comment ?? null, patch.passwordHash ?? null, admin, this.iso(), id);
    return r.changes ? toUser(this.s.getUserById.get(id)) : null;
  }

  async deleteUser(id: number): Promise<boolean> {
    return this.s.deleteUser.run(id).changes > 0;
  }

  async createRobot(r: NewRobot): Promise<Robot> {
    const t = this.iso();
    const id = unique(`the robot ${r.name}`, () => this.s.insertRobot.run(r.name, r.description, r.level, r.projectId, r.secretHash, r.disabled ? 1 : 0,
      r.duration, r.expiresAt, JSON.stringify(r.permissions), r.creatorType, r.creatorRef, t, t)).lastInsertRowid;
    return toRobot(this.s.getRobotById.get(id))!;
  }

  async getRobotById(id: number): Promise<Robot | null> {
    return toRobot(this.s.getRobotById.get(id));
  }

  async getRobotByName(name: string): Promise<Robot | null> {
    return toRobot(this.s.getRobotByName.get(name));
  }

  async listRobots(): Promise<Robot[]> {
    return (this.s.listRobots.all() as unknown[]).map((r) => toRobot(r)!);
  }

  async updateRobot(id: number, patch: RobotPatch): Promise<Robot | null> {
    const disabled = patch.disabled === undefined ? null : patch.disabled ? 1 : 0;
    const r = this.s.updateRobot.run(patch.description ?? null, disabled, patch.duration ?? null, patch.expiresAt ?? null,
      patch.permissions ? JSON.stringify(patch.permissions) : null, patch.secretHash ?? null, this.iso(), id);
    return r.changes ? toRobot(this.s.getRobotById.get(id)) : null;
  }

  async deleteRobot(id: number): Promise<boolean> {
    return this.s.deleteRobot.run(id).changes > 0;
  }
}

const USER_COLS = 'SELECT id, username, email, realname, comment, password_hash, sysadmin, created_at, updated_at FROM users';

function toUser(r: unknown): User | null {
  if (!r) return null;
  const x = r as { id: number; username: string; email: string; realname: string; comment: string; password_hash: string; sysadmin: number; created_at: string; updated_at: string };
  return {
    id: x.id, username: x.username, email: x.email, realname: x.realname, comment: x.comment, passwordHash: x.password_hash,
    sysadmin: x.sysadmin === 1, createdAt: x.created_at, updatedAt: x.updated_at,
  };
}

const ROBOT_COLS = `SELECT id, name, description, level, project_id, secret_hash, disabled, duration, expires_at, permissions,
  creator_type, creator_ref, created_at, updated_at FROM robots`;

function toRobot(r: unknown): Robot | null {
  if (!r) return null;
  const x = r as { id: number; name: string; description: string; level: 'system' | 'project'; project_id: number | null; secret_hash: string; disabled: number;
    duration: number; expires_at: number; permissions: string; creator_type: 'local' | 'robot'; creator_ref: number; created_at: string; updated_at: string };
  return {
    id: x.id, name: x.name, description: x.description, level: x.level, projectId: x.project_id, secretHash: x.secret_hash, disabled: x.disabled === 1,
    duration: x.duration, expiresAt: x.expires_at, permissions: JSON.parse(x.permissions) as RobotPermission[], creatorType: x.creator_type,
    creatorRef: x.creator_ref, createdAt: x.created_at, updatedAt: x.updated_at,
  };
}
