// The UserGroupStore contract: every backend runs it (test/unit/meta-store.sqlite.test.ts for SQLite).
import { describe, expect, test } from 'vitest';
import { useStores, type StoresFactory } from './harness.js';

export function userGroupStoreContract(name: string, factory: StoresFactory): void {
  describe(`UserGroupStore contract: ${name}`, () => {
    const st = useStores(factory);

    test('create, get, list, rename and delete; a name is unique within its type only', async () => {
      const a = await st.groups.createGroup({ name: 'devs', type: 3, ldapDn: '' });
      expect(a).toEqual({ id: a.id, name: 'devs', type: 3, ldapDn: '' });
      const b = await st.groups.createGroup({ name: 'devs', type: 2, ldapDn: '' });
      await expect(st.groups.createGroup({ name: 'devs', type: 3, ldapDn: '' })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await st.groups.getGroup(a.id)).toEqual(a);
      expect(await st.groups.listGroups()).toEqual([a, b]);
      expect(await st.groups.renameGroup(a.id, 'developers')).toBe(true);
      await expect(st.groups.renameGroup(b.id, 'x')).resolves.toBe(true);
      await st.groups.createGroup({ name: 'ops', type: 3, ldapDn: '' });
      await expect(st.groups.renameGroup(a.id, 'ops')).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await st.groups.renameGroup(9999, 'n')).toBe(false);
      expect(await st.groups.deleteGroup(a.id)).toBe(true);
      expect(await st.groups.deleteGroup(a.id)).toBe(false);
      expect(await st.groups.getGroup(a.id)).toBeNull();
    });

    test('onboarding finds or creates; an LDAP group is its DN, and a name another DN holds falls back to the DN', async () => {
      const g = await st.groups.onboardGroup({ name: 'team', type: 3, ldapDn: '' });
      expect(await st.groups.onboardGroup({ name: 'team', type: 3, ldapDn: '' })).toEqual(g);
      const l = await st.groups.onboardGroup({ name: 'admins', type: 1, ldapDn: 'cn=admins,ou=groups,dc=example,dc=org' });
      expect(await st.groups.onboardGroup({ name: 'renamed', type: 1, ldapDn: 'cn=admins,ou=groups,dc=example,dc=org' })).toEqual(l);
      const other = await st.groups.onboardGroup({ name: 'admins', type: 1, ldapDn: 'cn=admins,ou=other,dc=example,dc=org' });
      expect(other).toMatchObject({ name: 'cn=admins,ou=other,dc=example,dc=org', type: 1 });
      expect(other.id).not.toBe(l.id);
    });

    test('a user\'s groups are replaced as a whole and go with the user or the group', async () => {
      const u = await st.identity.createUser({ username: 'u', passwordHash: 'h' });
      const a = await st.groups.createGroup({ name: 'a', type: 3, ldapDn: '' });
      const b = await st.groups.createGroup({ name: 'b', type: 3, ldapDn: '' });
      await st.groups.setUserGroups(u.id, [a.id, b.id, a.id]);
      expect(await st.groups.listUserGroups(u.id)).toEqual([a, b]);
      await st.groups.setUserGroups(u.id, [b.id]);
      expect(await st.groups.listUserGroups(u.id)).toEqual([b]);
      await st.groups.deleteGroup(b.id);
      expect(await st.groups.listUserGroups(u.id)).toEqual([]);
      await st.groups.setUserGroups(u.id, [a.id]);
      await st.identity.deleteUser(u.id);
      expect(await st.groups.listUserGroups(u.id)).toEqual([]);
    });
  });
}
