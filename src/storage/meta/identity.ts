// Identity: local users and robot accounts (issue 17 adds OIDC/LDAP identities beside them).

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

/** Users and robot accounts. A name is unique: a second create is CONFLICT. */
export interface IdentityStore {
  createUser(u: NewUser): Promise<User>;
  getUserById(id: number): Promise<User | null>;
  getUserByName(username: string): Promise<User | null>;
  listUsers(): Promise<User[]>;
  updateUser(id: number, patch: UserPatch): Promise<User | null>;
  deleteUser(id: number): Promise<boolean>;
  createRobot(r: NewRobot): Promise<Robot>;
  getRobotById(id: number): Promise<Robot | null>;
  getRobotByName(name: string): Promise<Robot | null>;
  /** Every robot, by id; the services filter (a robot list is small). */
  listRobots(): Promise<Robot[]>;
  updateRobot(id: number, patch: RobotPatch): Promise<Robot | null>;
  deleteRobot(id: number): Promise<boolean>;
}
