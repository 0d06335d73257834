// User groups (tables user_groups, user_group_members), as sqlite/groups.ts.
import type { NewUserGroup, UserGroup, UserGroupStore } from '../index.js';
import { PgStore, unique } from './common.js';

const COLS = 'SELECT id, group_name, group_type, ldap_group_dn FROM user_groups';

type Row = { id: number; group_name: string; group_type: 1 | 2 | 3; ldap_group_dn: string };
const toGroup = (x: Row | undefined): UserGroup | null => (x ? { id: x.id, name: x.group_name, type: x.group_type, ldapDn: x.ldap_group_dn } : null);

export class PgUserGroupStore extends PgStore implements UserGroupStore {
  async createGroup(g: NewUserGroup): Promise<UserGroup> {
    const t = this.iso();
    return toGroup(await unique(`the user group ${g.name}`, () => this.db.get<Row>(`INSERT INTO user_groups (group_name, group_type, ldap_group_dn, created_at,
      updated_at) VALUES (?, ?, ?, ?, ?) RETURNING *`, g.name, g.type, g.ldapDn, t, t)))!;
  }

  async onboardGroup(g: NewUserGroup): Promise<UserGroup> {
    return this.tx(async (c) => {
      // An LDAP group is its DN; a name another DN already holds falls back to the DN (Harbor's onBoardLdapUserGroup).
      if (g.type === 1) {
        const known = toGroup(await c.get<Row>(`${COLS} WHERE group_type = 1 AND ldap_group_dn = ?`, g.ldapDn));
        if (known) return known;
        const clash = await c.get<Row>(`${COLS} WHERE group_type = ? AND group_name = ?`, 1, g.name);
        if (clash) g = { ...g, name: g.ldapDn.slice(0, 255) };
      }
      const t = this.iso();
      await c.run(`INSERT INTO user_groups (group_name, group_type, ldap_group_dn, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING`, g.name, g.type, g.ldapDn, t, t);
      return toGroup(await c.get<Row>(`${COLS} WHERE group_type = ? AND group_name = ?`, g.type, g.name))!;
    });
  }

  async getGroup(id: number): Promise<UserGroup | null> {
    return toGroup(await this.db.get<Row>(`${COLS} WHERE id = ?`, id));
  }

  async listGroups(): Promise<UserGroup[]> {
    return (await this.db.all<Row>(`${COLS} ORDER BY id`)).map((r) => toGroup(r)!);
  }

  async renameGroup(id: number, name: string): Promise<boolean> {
    return await unique(`the user group ${name}`, () => this.db.run('UPDATE user_groups SET group_name = ?, updated_at = ? WHERE id = ?', name, this.iso(), id)) > 0;
  }

  async deleteGroup(id: number): Promise<boolean> {
    return await this.db.run('DELETE FROM user_groups WHERE id = ?', id) > 0;
  }

  async setUserGroups(userId: number, groupIds: number[]): Promise<void> {
    await this.tx(async (c) => {
      await c.run('DELETE FROM user_group_members WHERE user_id = ?', userId);
      if (groupIds.length) {
        await c.run('INSERT INTO user_group_members (user_id, group_id) SELECT ?, g FROM unnest(?::bigint[]) AS g ON CONFLICT DO NOTHING', userId, groupIds);
      }
    });
  }

  async listUserGroups(userId: number): Promise<UserGroup[]> {
    return (await this.db.all<Row>(`${COLS} WHERE id IN (SELECT group_id FROM user_group_members WHERE user_id = ?) ORDER BY id`, userId)).map((r) => toGroup(r)!);
  }
}
