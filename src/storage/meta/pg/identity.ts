// Users and robot accounts (tables users, robots), as sqlite/identity.ts keeps them.
import type { IdentityStore, NewRobot, NewUser, Robot, RobotPatch, RobotPermission, User, UserPatch } from '../index.js';
import { PgStore, unique } from './common.js';

const USER_COLS = 'SELECT id, username, email, realname, comment, password_hash, sysadmin, created_at, updated_at FROM users';

type UserRow = { id: number; username: string; email: string; realname: string; comment: string; password_hash: string; sysadmin: boolean; created_at: string; updated_at: string };

function toUser(x: UserRow | undefined): User | null {
  if (!x) return null;
  return {
    id: x.id, username: x.username, email: x.email, realname: x.realname, comment: x.comment, passwordHash: x.password_hash,
    sysadmin: x.sysadmin, createdAt: x.created_at, updatedAt: x.updated_at,
  };
}

const ROBOT_COLS = `SELECT id, name, description, level, project_id, secret_hash, disabled, duration, expires_at, permissions,
  creator_type, creator_ref, created_at, updated_at FROM robots`;

type RobotRow = { id: number; name: string; description: string; level: 'system' | 'project'; project_id: number | null; secret_hash: string; disabled: boolean;
  duration: number; expires_at: number; permissions: string; creator_type: 'local' | 'robot'; creator_ref: number; created_at: string; updated_at: string };

function toRobot(x: RobotRow | undefined): Robot | null {
  if (!x) return null;
  return {
    id: x.id, name: x.name, description: x.description, level: x.level, projectId: x.project_id, secretHash: x.secret_hash, disabled: x.disabled,
    duration: x.duration, expiresAt: x.expires_at, permissions: JSON.parse(x.permissions) as RobotPermission[], creatorType: x.creator_type,
    creatorRef: x.creator_ref, createdAt: x.created_at, updatedAt: x.updated_at,
  };
}

export class PgIdentityStore extends PgStore implements IdentityStore {
  async createUser(u: NewUser): Promise<User> {
    const t = this.iso();
    return toUser(await unique(`the user ${u.username}`, () => this.db.get<UserRow>(`INSERT INTO users (username, email, realname, comment, password_hash, sysadmin,
      created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`, u.username, u.email ?? '', u.realname ?? '', u.comment ?? '', u.passwordHash,
    Boolean(u.sysadmin), t, t)))!;
  }

  async getUserById(id: number): Promise<User | null> {
    return toUser(await this.db.get<UserRow>(`${USER_COLS} WHERE id = ?`, id));
  }

  async getUserByName(username: string): Promise<User | null> {
    return toUser(await this.db.get<UserRow>(`${USER_COLS} WHERE username = ?`, username));
  }

  async listUsers(): Promise<User[]> {
    return (await this.db.all<UserRow>(`${USER_COLS} ORDER BY id`)).map((r) => toUser(r)!);
  }

  async updateUser(id: number, patch: UserPatch): Promise<User | null> {
    return toUser(await this.db.get<UserRow>(`UPDATE users SET email = coalesce(?, email), realname = coalesce(?, realname), comment = coalesce(?, comment),
      password_hash = coalesce(?, password_hash), sysadmin = coalesce(?::boolean, sysadmin), updated_at = ? WHERE id = ? RETURNING *`,
    patch.email ?? null, patch.realname ?? null, patch.comment ?? null, patch.passwordHash ?? null, patch.sysadmin ?? null, this.iso(), id));
  }

  async deleteUser(id: number): Promise<boolean> {
    return await this.db.run('DELETE FROM users WHERE id = ?', id) > 0;
  }

  async createRobot(r: NewRobot): Promise<Robot> {
    const t = this.iso();
    return toRobot(await unique(`the robot ${r.name}`, () => this.db.get<RobotRow>(`INSERT INTO robots (name, description, level, project_id, secret_hash,
      disabled, duration, expires_at, permissions, creator_type, creator_ref, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    r.name, r.description, r.level, r.projectId, r.secretHash, r.disabled, r.duration, r.expiresAt, JSON.stringify(r.permissions), r.creatorType, r.creatorRef, t, t)))!;
  }

  async getRobotById(id: number): Promise<Robot | null> {
    return toRobot(await this.db.get<RobotRow>(`${ROBOT_COLS} WHERE id = ?`, id));
  }

  async getRobotByName(name: string): Promise<Robot | null> {
    return toRobot(await this.db.get<RobotRow>(`${ROBOT_COLS} WHERE name = ?`, name));
  }

  async listRobots(): Promise<Robot[]> {
    return (await this.db.all<RobotRow>(`${ROBOT_COLS} ORDER BY id`)).map((r) => toRobot(r)!);
  }

  async updateRobot(id: number, patch: RobotPatch): Promise<Robot | null> {
    return toRobot(await this.db.get<RobotRow>(`UPDATE robots SET description = coalesce(?, description), disabled = coalesce(?::boolean, disabled),
      duration = coalesce(?::bigint, duration), expires_at = coalesce(?::bigint, expires_at), permissions = coalesce(?, permissions),
      secret_hash = coalesce(?, secret_hash), updated_at = ? WHERE id = ? RETURNING *`, patch.description ?? null, patch.disabled ?? null,
    patch.duration ?? null, patch.expiresAt ?? null, patch.permissions ? JSON.stringify(patch.permissions) : null, patch.secretHash ?? null, this.iso(), id));
  }

  async deleteRobot(id: number): Promise<boolean> {
    return await this.db.run('DELETE FROM robots WHERE id = ?', id) > 0;
  }
}
