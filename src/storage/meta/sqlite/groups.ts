// User groups (tables user_groups, user_group_members).
import type Database from 'better-sqlite3';
import type { NewUserGroup, UserGroup, UserGroupStore } from '../index.js';
import { type Clock, SqliteStore, unique } from './common.js';

const COLS = 'SELECT id, group_name, group_type, ldap_group_dn FROM user_groups';

export class SqliteUserGroupStore extends SqliteStore implements UserGroupStore {
  private readonly s;

  constructor(db: Database.Database, now: Clock) {
    super(db, now);
    this.s = {
      insert: db.prepare('INSERT INTO user_groups (group_name, group_type, ldap_group_dn, created_at, updated_at) VALUES (?, ?, ?, ?, ?)'),
      insertIfMissing: db.prepare(`INSERT INTO user_groups (group_name, group_type, ldap_group_dn, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING`),
      get: db.prepare(`${COLS} WHERE id = ?`),
      byName: db.prepare(`${COLS} WHERE group_type = ? AND group_name = ?`),
      byDn: db.prepare(`${COLS} WHERE group_type = 1 AND ldap_group_dn = ?`),
      list: db.prepare(`${COLS} ORDER BY id`),
      rename: db.prepare('UPDATE user_groups SET group_name = ?, updated_at = ? WHERE id = ?'),
      delete: db.prepare('DELETE FROM user_groups WHERE id = ?'),
      clearUser: db.prepare('DELETE FROM user_group_members WHERE user_id = ?'),
      addUser: db.prepare('INSERT INTO user_group_members (user_id, group_id) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      userGroups: db.prepare(`${COLS} WHERE id IN (SELECT group_id FROM user_group_members WHERE user_id = ?) ORDER BY id`),
    };
  }

  async createGroup(g: NewUserGroup): Promise<UserGroup> {
    const t = this.iso();
    const id = unique(`the user group ${g.name}`, () => this.s.insert.run(g.name, g.type, g.ldapDn, t, t)).lastInsertRowid;
    return toGroup(this.s.get.get(id))!;
  }

  async onboardGroup(g: NewUserGroup): Promise<UserGroup> {
    return this.db.transaction(() => {
      // An LDAP group is its DN; a name another DN already holds falls back to the DN (Harbor's onBoardLdapUserGroup).
      if (g.type === 1) {
        const known = toGroup(this.s.byDn.get(g.ldapDn));
        if (known) return known;
        const clash = toGroup(this.s.byName.get(1, g.name));
        if (clash) g = { ...g, name: g.ldapDn.slice(0, 255) };
      }
      const t = this.iso();
      this.s.insertIfMissing.run(g.name, g.type, g.ldapDn, t, t);
      return toGroup(this.s.byName.get(g.type, g.name))!;
    })();
  }

  async getGroup(id: number): Promise<UserGroup | null> {
    return toGroup(this.s.get.get(id));
  }

  async listGroups(): Promise<UserGroup[]> {
    return (this.s.list.all() as unknown[]).map((r) => toGroup(r)!);
  }

  async renameGroup(id: number, name: string): Promise<boolean> {
    return unique(`the user group ${name}`, () => this.s.rename.run(name, this.iso(), id)).changes > 0;
  }

  async deleteGroup(id: number): Promise<boolean> {
    return this.s.delete.run(id).changes > 0;
  }

  async setUserGroups(userId: number, groupIds: number[]): Promise<void> {
    this.db.transaction(() => {
      this.s.clearUser.run(userId);
      for (const g of groupIds) this.s.addUser.run(userId, g);
    })();
  }

  async listUserGroups(userId: number): Promise<UserGroup[]> {
    return (this.s.userGroups.all(userId) as unknown[]).map((r) => toGroup(r)!);
  }
}

function toGroup(r: unknown): UserGroup | null {
  if (!r) return null;
  const x = r as { id: number; group_name: string; group_type: 1 | 2 | 3; ldap_group_dn: string };
  return { id: x.id, name: x.group_name, type: x.group_type, ldapDn: x.ldap_group_dn };
}
