// OIDC identities (table oidc_users) and web sessions (table web_sessions).
import type Database from 'better-sqlite3';
import type { NewUser, OidcIdentity, OidcStore, User, WebSession } from '../index.js';
import { type Clock, SqliteStore, unique } from './common.js';
import type { SqliteIdentityStore } from './identity.js';

interface IdentityRow { user_id: number; subiss: string; secret: string; token: string; created_at: string; updated_at: string }

const toIdentity = (r: IdentityRow | undefined): OidcIdentity | null => (r ? {
  userId: r.user_id, subIss: r.subiss, secret: r.secret, token: r.token, createdAt: r.created_at, updatedAt: r.updated_at,
} : null);

interface SessionRow { id: string; kind: string; data: string; expires_at: number }

const toSession = (r: SessionRow | undefined): WebSession | null => (r ? { id: r.id, kind: r.kind, data: r.data, expiresAt: r.expires_at } : null);

export class SqliteOidcStore extends SqliteStore implements OidcStore {
  private readonly s;

  constructor(db: Database.Database, now: Clock, private readonly identity: SqliteIdentityStore) {
    super(db, now);
    this.s = {
      insertUser: db.prepare(`INSERT INTO users (username, email, realname, comment, password_hash, sysadmin, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      insert: db.prepare('INSERT INTO oidc_users (user_id, subiss, secret, token, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)'),
      byUser: db.prepare('SELECT * FROM oidc_users WHERE user_id = ?'),
      bySubIss: db.prepare('SELECT * FROM oidc_users WHERE subiss = ?'),
      update: db.prepare('UPDATE oidc_users SET secret = coalesce(?, secret), token = coalesce(?, token), updated_at = ? WHERE user_id = ?'),
      putSession: db.prepare(`INSERT INTO web_sessions (id, kind, data, expires_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, data = excluded.data, expires_at = excluded.expires_at`),
      getSession: db.prepare('SELECT * FROM web_sessions WHERE id = ? AND expires_at >= ?'),
      takeSession: db.prepare('DELETE FROM web_sessions WHERE id = ? RETURNING *'),
      deleteSession: db.prepare('DELETE FROM web_sessions WHERE id = ?'),
      purge: db.prepare('DELETE FROM web_sessions WHERE expires_at < ?'),
    };
  }

  async onboardOidcUser(u: NewUser, i: { subIss: string; secret: string; token: string }): Promise<User> {
    const t = this.iso();
    const id = unique(`the user ${u.username} or its OIDC subject`, () => this.db.transaction(() => {
      const userId = this.s.insertUser.run(u.username, u.email ?? '', u.realname ?? '', u.comment ?? '', u.passwordHash, u.sysadmin ? 1 : 0, t, t).lastInsertRowid;
      this.s.insert.run(userId, i.subIss, i.secret, i.token, t, t);
      return userId;
    })());
    return (await this.identity.getUserById(Number(id)))!;
  }

  async getOidcIdentity(userId: number): Promise<OidcIdentity | null> {
    return toIdentity(this.s.byUser.get(userId) as IdentityRow | undefined);
  }

  async getOidcIdentityBySubIss(subIss: string): Promise<OidcIdentity | null> {
    return toIdentity(this.s.bySubIss.get(subIss) as IdentityRow | undefined);
  }

  async updateOidcIdentity(userId: number, patch: { secret?: string; token?: string }): Promise<boolean> {
    return this.s.update.run(patch.secret ?? null, patch.token ?? null, this.iso(), userId).changes > 0;
  }

  async putSession(s: WebSession): Promise<void> {
    this.s.putSession.run(s.id, s.kind, s.data, s.expiresAt);
  }

  async getSession(id: string, now: number): Promise<WebSession | null> {
    return toSession(this.s.getSession.get(id, now) as SessionRow | undefined);
  }

  async takeSession(id: string, now: number): Promise<WebSession | null> {
    const r = toSession(this.s.takeSession.get(id) as SessionRow | undefined);
    return r && r.expiresAt >= now ? r : null;
  }

  async deleteSession(id: string): Promise<void> {
    this.s.deleteSession.run(id);
  }

  async purgeSessions(now: number): Promise<number> {
    return this.s.purge.run(now).changes;
  }
}
