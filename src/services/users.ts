// Users as Harbor's user API manages them (src/server/v2.0/handler/user.go): only a system admin
// creates, lists, deletes users and sets the admin flag; a user reads and updates its own profile
// and changes its own password (giving the old one); an admin resets anyone's without it.
import { HarborError } from '../core/errors.js';
import { checkPasswordPolicy, hashPassword, verifyPassword } from '../core/passwords.js';
import type { MetaStores, User } from '../storage/meta/index.js';
import type { Principal } from './rbac.js';

export interface UserCreation { username: string; password: string; email?: string; realname?: string; comment?: string }
export interface UserProfileChange { email?: string; realname?: string; comment?: string }

const USERNAME = /^[^\s,"~#%$:]{1,255}$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** Harbor's user names: 1–255 characters, none of its illegal ones (common.IllegalCharsInUsername) and no spaces. */
export function checkUsername(name: string): void {
  if (!USERNAME.test(name)) throw new HarborError('BAD_REQUEST', 'the username must be 1 to 255 characters, without spaces or any of , " ~ # % $ :');
}

export function requireUser(p: Principal): User {
  if (p.kind === 'robot') throw new HarborError('FORBIDDEN', 'robot accounts may not do this');
  if (p.kind !== 'user') throw new HarborError('UNAUTHORIZED', 'authentication required');
  return p.user;
}

export function requireSysadmin(p: Principal): User {
  const u = requireUser(p);
  if (!u.sysadmin) throw new HarborError('FORBIDDEN', 'only a system administrator may do this');
  return u;
}

/** The system settings user creation follows (services/config.ts). */
export interface UserSettings {
  /** Harbor's self_registration (it opens sign-up in the web UI only; the API still refuses). */
  readonly selfRegistration: boolean;
  readonly authMode: string;
}

export class UserService {
  constructor(private readonly stores: Pick<MetaStores, 'identity'>,
    private readonly settings: UserSettings = { selfRegistration: false, authMode: 'db_auth' }) {}

  async create(actor: Principal, req: UserCreation): Promise<User> {
    // Harbor (handler/user.go requireCreatable): only while users live in the database, and only a
    // sysadmin through the API; self-registration is for the web UI's sign-up session, never the API.
    if (this.settings.authMode !== 'db_auth') throw new HarborError('FORBIDDEN', `creating local user is not allowed under auth mode: ${this.settings.authMode}`);
    if (this.settings.selfRegistration && !(actor.kind === 'user' && actor.user.sysadmin)) {
      throw new HarborError('FORBIDDEN', 'self-registration cannot be triggered via API');
    }
    requireSysadmin(actor);
    checkUsername(req.username);
    if (req.email && !EMAIL.test(req.email)) throw new HarborError('BAD_REQUEST', 'the email address is not valid');
    checkPasswordPolicy(req.password);
    if (await this.stores.identity.getUserByName(req.username)) throw new HarborError('CONFLICT', `the username ${req.username} is already taken`);
    return this.stores.identity.createUser({
      username: req.username, email: req.email, realname: req.realname, comment: req.comment,
      passwordHash: await hashPassword(req.password),
    });
  }

  /** The first-start admin: a system admin named `admin` (Harbor's user id 1). */
  /** The `admin` system admin, with `password` or the hash of it made already (bootstrap starts it early). */
  async createAdmin(password: string, passwordHash?: Promise<string>): Promise<User> {
    return this.stores.identity.createUser({ username: 'admin', realname: 'system admin', comment: 'admin user',
      passwordHash: await (passwordHash ?? hashPassword(password)), sysadmin: true });
  }

  async list(actor: Principal): Promise<User[]> {
    requireSysadmin(actor);
    return this.stores.identity.listUsers();
  }

  /** Any signed-in user may look names up (Harbor's /users/search). */
  async search(actor: Principal): Promise<User[]> {
    requireUser(actor);
    return this.stores.identity.listUsers();
  }

  private async find(id: number): Promise<User> {
    const u = await this.stores.identity.getUserById(id);
    if (!u) throw new HarborError('NOT_FOUND', `user ${id} not found`);
    return u;
  }

  async get(actor: Principal, id: number): Promise<User> {
    const me = requireUser(actor);
    if (me.id !== id && !me.sysadmin) throw new HarborError('FORBIDDEN', 'only a system administrator may read another user');
    return this.find(id);
  }

  /** Harbor (handler/user.go requireModifiable): outside db_auth the directory owns users; only admin's own record changes here. */
  private async requireModifiable(id: number): Promise<User> {
    const target = await this.find(id);
    if (this.settings.authMode !== 'db_auth' && target.username !== 'admin') throw new HarborError('FORBIDDEN', `User with ID ${id} can't be updated`);
    return target;
  }

  async updateProfile(actor: Principal, id: number, change: UserProfileChange): Promise<User> {
    const me = requireUser(actor);
    if (me.id !== id && !me.sysadmin) throw new HarborError('FORBIDDEN', 'only a system administrator may change another user');
    await this.requireModifiable(id);
    if (change.email && !EMAIL.test(change.email)) throw new HarborError('BAD_REQUEST', 'the email address is not valid');
    return (await this.stores.identity.updateUser(id, change))!;
  }

  async delete(actor: Principal, id: number): Promise<void> {
    const me = requireSysadmin(actor);
    if (me.id === id) throw new HarborError('FORBIDDEN', 'you cannot delete yourself');
    await this.find(id);
    await this.stores.identity.deleteUser(id);
  }

  async changePassword(actor: Principal, id: number, oldPassword: string | undefined, newPassword: string): Promise<void> {
    const me = requireUser(actor);
    const target = await (me.id === id || me.sysadmin ? this.requireModifiable(id) : Promise.reject(new HarborError('FORBIDDEN', 'you may change only your own password')));
    // Harbor asks for the old password when users change their own, even an admin.
    if (me.id === id) {
      if (!oldPassword || !(await verifyPassword(oldPassword, target.passwordHash))) throw new HarborError('FORBIDDEN', 'the old password is not correct');
    }
    checkPasswordPolicy(newPassword);
    if (await verifyPassword(newPassword, target.passwordHash)) throw new HarborError('BAD_REQUEST', 'the new password must differ from the old one');
    await this.stores.identity.updateUser(id, { passwordHash: await hashPassword(newPassword) });
  }

  async setSysadmin(actor: Principal, id: number, flag: boolean): Promise<void> {
    const me = requireSysadmin(actor);
    await this.find(id);
    if (me.id === id && !flag) throw new HarborError('FORBIDDEN', 'you cannot remove your own admin flag');
    await this.stores.identity.updateUser(id, { sysadmin: flag });
  }
}
