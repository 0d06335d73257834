// OIDC identities (table oidc_users) and web sessions (table web_sessions), as sqlite/oidc.ts keeps them.
import type { NewUser, OidcIdentity, OidcStore, User, WebSession } from '../index.js';
import { PgStore, unique } from './common.js';
import type { PgIdentityStore } from './identity.js';

type IdentityRow = { user_id: number; subiss: string; secret: string; token: string; created_at: string; updated_at: string };

const toIdentity = (r: IdentityRow | undefined): OidcIdentity | null => (r ? {
  userId: r.user_id, subIss: r.subiss, secret: r.secret, token: r.token, createdAt: r.created_at, updatedAt: r.updated_at,
} : null);

type SessionRow = { id: string; kind: string; data: string; expires_at: number };

const toSession = (r: SessionRow | undefined): WebSession | null => (r ? { id: r.id, kind: r.kind, data: r.data, expiresAt: r.expires_at } : null);

export class PgOidcStore extends PgStore implements OidcStore {
  constructor(pool: ConstructorParameters<typeof PgStore>[0], now: ConstructorParameters<typeof PgStore>[1], private readonly identity: PgIdentityStore) {
    super(pool, now);
  }

  async onboardOidcUser(u: NewUser, i: { subIss: string; secret: string; token: string }): Promise<User> {
    const t = this.iso();
    const id = await unique(`the user ${u.username} or its OIDC subject`, () => this.tx(async (c) => {
      const userId = await c.value<number>(`INSERT INTO users (username, email, realname, comment, password_hash, sysadmin, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, u.username, u.email ?? '', u.realname ?? '', u.comment ?? '', u.passwordHash, Boolean(u.sysadmin), t, t);
      await c.run('INSERT INTO oidc_users (user_id, subiss, secret, token, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', userId, i.subIss, i.secret, i.token, t, t);
      return userId!;
    }));
    return (await this.identity.getUserById(id))!;
  }

  async getOidcIdentity(userId: number): Promise<OidcIdentity | null> {
    return toIdentity(await this.db.get<IdentityRow>('SELECT * FROM oidc_users WHERE user_id = ?', userId));
  }

  async getOidcIdentityBySubIss(subIss: string): Promise<OidcIdentity | null> {
    return toIdentity(await this.db.get<IdentityRow>('SELECT * FROM oidc_users WHERE subiss = ?', subIss));
  }

  async updateOidcIdentity(userId: number, patch: { secret?: string; token?: string }): Promise<boolean> {
    return await this.db.run('UPDATE oidc_users SET secret = coalesce(?, secret), token = coalesce(?, token), updated_at = ? WHERE user_id = ?',
      patch.secret ?? null, patch.token ?? null, this.iso(), userId) > 0;
  }

  async putSession(s: WebSession): Promise<void> {
    await this.db.run(`INSERT INTO web_sessions (id, kind, data, expires_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, data = excluded.data, expires_at = excluded.expires_at`, s.id, s.kind, s.data, s.expiresAt);
  }

  async getSession(id: string, now: number): Promise<WebSession | null> {
    return toSession(await this.db.get<SessionRow>('SELECT * FROM web_sessions WHERE id = ? AND expires_at >= ?', id, now));
  }

  async takeSession(id: string, now: number): Promise<WebSession | null> {
    const r = toSession(await this.db.get<SessionRow>('DELETE FROM web_sessions WHERE id = ? RETURNING *', id));
    return r && r.expiresAt >= now ? r : null;
  }

  async deleteSession(id: string): Promise<void> {
    await this.db.run('DELETE FROM web_sessions WHERE id = ?', id);
  }

  async purgeSessions(now: number): Promise<number> {
    return this.db.run('DELETE FROM web_sessions WHERE expires_at < ?', now);
  }
}
