// The IdentityStore contract: every backend runs it (test/unit/meta-store.sqlite.test.ts for SQLite).
import { describe, expect, test } from 'vitest';
import { useStores, type StoresFactory } from './harness.js';

export function identityStoreContract(name: string, factory: StoresFactory): void {
  describe(`IdentityStore contract: ${name}`, () => {
    const st = useStores(factory);

    describe('users', () => {
      test('createUser stores a user that is found by id and by name', async () => {
        const u = await st.identity.createUser({ username: 'alice', email: 'a@example.com', realname: 'Alice', comment: 'c', passwordHash: 'scrypt$x', sysadmin: true });
        expect(u).toMatchObject({ username: 'alice', email: 'a@example.com', realname: 'Alice', comment: 'c', passwordHash: 'scrypt$x', sysadmin: true });
        expect(await st.identity.getUserById(u.id)).toEqual(u);
        expect(await st.identity.getUserByName('alice')).toEqual(u);
        expect(await st.identity.getUserByName('bob')).toBeNull();
        const b = await st.identity.createUser({ username: 'bob', passwordHash: 'h' });
        expect(b).toMatchObject({ email: '', realname: '', comment: '', sysadmin: false });
        expect((await st.identity.listUsers()).map((x) => x.username)).toEqual(['alice', 'bob']);
      });

      test('a second user with the same name is refused: CONFLICT', async () => {
        await st.identity.createUser({ username: 'alice', passwordHash: 'h' });
        await expect(st.identity.createUser({ username: 'alice', passwordHash: 'h2' })).rejects.toMatchObject({ code: 'CONFLICT' });
      });

      test('updateUser changes only the given fields; deleteUser removes the user and its memberships', async () => {
        const u = await st.identity.createUser({ username: 'alice', email: 'a@x', passwordHash: 'h' });
        expect(await st.identity.updateUser(u.id, { realname: 'A', sysadmin: true })).toMatchObject({ email: 'a@x', realname: 'A', sysadmin: true, passwordHash: 'h' });
        expect(await st.identity.updateUser(u.id, { passwordHash: 'h2', sysadmin: false })).toMatchObject({ passwordHash: 'h2', sysadmin: false });
        expect(await st.identity.updateUser(99999, { email: 'x' })).toBeNull();
        await st.projects.addMember(st.project.id, u.id, 1);
        expect(await st.identity.deleteUser(u.id)).toBe(true);
        expect(await st.identity.deleteUser(u.id)).toBe(false);
        expect(await st.identity.getUserById(u.id)).toBeNull();
        expect(await st.projects.listMembers(st.project.id)).toEqual([]);
      });
    });

    describe('robots', () => {
      const newRobot = (name: string, over: Record<string, unknown> = {}) => ({
        name, description: 'd', level: 'project' as const, projectId: st.project.id, secretHash: 'sha256$s$h', disabled: false, duration: 30,
        expiresAt: 1_900_000_000, permissions: [{ kind: 'project' as const, namespace: 'proj', access: [{ resource: 'repository', action: 'pull' }] }],
        creatorType: 'local' as const, creatorRef: 1, ...over,
      });

      test('create, find by id and name, list, update, delete', async () => {
        const r = await st.identity.createRobot(newRobot('proj+ci'));
        expect(r).toMatchObject({ ...newRobot('proj+ci'), id: expect.any(Number) });
        expect(await st.identity.getRobotById(r.id)).toEqual(r);
        expect(await st.identity.getRobotByName('proj+ci')).toEqual(r);
        expect(await st.identity.getRobotByName('ci')).toBeNull();
        const sys = await st.identity.createRobot(newRobot('ci', { level: 'system', projectId: null }));
        expect((await st.identity.listRobots()).map((x) => x.name)).toEqual(['proj+ci', 'ci']);
        const u = await st.identity.updateRobot(r.id, { disabled: true, secretHash: 'sha256$t$i', permissions: [], duration: -1, expiresAt: -1 });
        expect(u).toMatchObject({ disabled: true, secretHash: 'sha256$t$i', permissions: [], duration: -1, expiresAt: -1, description: 'd' });
        expect(await st.identity.updateRobot(9999, { disabled: true })).toBeNull();
        expect(await st.identity.deleteRobot(r.id)).toBe(true);
        expect(await st.identity.deleteRobot(r.id)).toBe(false);
        expect(await st.identity.getRobotById(r.id)).toBeNull();
        expect(await st.identity.getRobotById(sys.id)).toEqual(sys);
      });

      test('a name is unique, and a project\'s robots go with the project', async () => {
        await st.identity.createRobot(newRobot('proj+ci'));
        await expect(st.identity.createRobot(newRobot('proj+ci'))).rejects.toMatchObject({ code: 'CONFLICT' });
        const other = await st.projects.createProject({ name: 'other', public: false });
        const r = await st.identity.createRobot(newRobot('other+ci', { projectId: other.id }));
        await st.projects.deleteProject(other.id);
        expect(await st.identity.getRobotById(r.id)).toBeNull();
        expect(await st.identity.getRobotByName('proj+ci')).not.toBeNull();
      });
    });
  });
}
