// The OidcStore contract: every backend runs it (test/unit/meta-store.sqlite.test.ts for SQLite).
import { describe, expect, test } from 'vitest';
import { useStores, type StoresFactory } from './harness.js';

export function oidcStoreContract(name: string, factory: StoresFactory): void {
  describe(`OidcStore contract: ${name}`, () => {
    const st = useStores(factory);

    test('onboarding creates the user and its identity together; name or subject taken is CONFLICT with nothing created', async () => {
      const u = await st.oidc.onboardOidcUser({ username: 'alice', email: 'a@example.org', passwordHash: 'oidc$1' }, { subIss: 'alicehttp://op', secret: 's1', token: 't1' });
      expect(u).toMatchObject({ username: 'alice', email: 'a@example.org', sysadmin: false });
      expect(await st.oidc.getOidcIdentity(u.id)).toMatchObject({ userId: u.id, subIss: 'alicehttp://op', secret: 's1', token: 't1' });
      expect(await st.oidc.getOidcIdentityBySubIss('alicehttp://op')).toMatchObject({ userId: u.id });
      await expect(st.oidc.onboardOidcUser({ username: 'alice2', passwordHash: 'x' }, { subIss: 'alicehttp://op', secret: 's', token: 't' })).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(st.oidc.onboardOidcUser({ username: 'alice', passwordHash: 'x' }, { subIss: 'other', secret: 's', token: 't' })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await st.identity.getUserByName('alice2')).toBeNull();
      expect(await st.oidc.getOidcIdentityBySubIss('other')).toBeNull();
    });

    test('an identity is updated field by field and goes with its user', async () => {
      const u = await st.oidc.onboardOidcUser({ username: 'bob', passwordHash: 'x' }, { subIss: 'b', secret: 's1', token: 't1' });
      expect(await st.oidc.updateOidcIdentity(u.id, { secret: 's2' })).toBe(true);
      expect(await st.oidc.updateOidcIdentity(u.id, { token: 't2' })).toBe(true);
      expect(await st.oidc.getOidcIdentity(u.id)).toMatchObject({ secret: 's2', token: 't2' });
      expect(await st.oidc.updateOidcIdentity(9999, { secret: 'x' })).toBe(false);
      await st.identity.deleteUser(u.id);
      expect(await st.oidc.getOidcIdentity(u.id)).toBeNull();
    });

    test('sessions: expired ones are never returned, take is one-time, purge removes the expired', async () => {
      await st.oidc.putSession({ id: 'a', kind: 'login', data: 'd1', expiresAt: 1000 });
      await st.oidc.putSession({ id: 'b', kind: 'web', data: 'd2', expiresAt: 5000 });
      expect(await st.oidc.getSession('a', 999)).toEqual({ id: 'a', kind: 'login', data: 'd1', expiresAt: 1000 });
      expect(await st.oidc.getSession('a', 1001)).toBeNull();
      expect(await st.oidc.takeSession('a', 1001)).toBeNull();
      expect(await st.oidc.getSession('a', 0)).toBeNull();
      const [x, y] = await Promise.all([st.oidc.takeSession('b', 0), st.oidc.takeSession('b', 0)]);
      expect([x, y].filter(Boolean)).toEqual([{ id: 'b', kind: 'web', data: 'd2', expiresAt: 5000 }]);
      await st.oidc.putSession({ id: 'c', kind: 'web', data: 'd', expiresAt: 10 });
      await st.oidc.putSession({ id: 'd', kind: 'web', data: 'd', expiresAt: 100 });
      expect(await st.oidc.purgeSessions(50)).toBe(1);
      expect(await st.oidc.getSession('d', 0)).not.toBeNull();
      await st.oidc.deleteSession('d');
      expect(await st.oidc.getSession('d', 0)).toBeNull();
    });
  });
}
