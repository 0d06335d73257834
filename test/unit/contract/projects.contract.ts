// The ProjectStore contract: every backend runs it (test/unit/meta-store.sqlite.test.ts for SQLite).
import { describe, expect, test } from 'vitest';
import { blob, useStores, type StoresFactory } from './harness.js';

export function projectStoreContract(name: string, factory: StoresFactory): void {
  describe(`ProjectStore contract: ${name}`, () => {
    const st = useStores(factory);

    describe('projects', () => {
      test('createProject returns the stored project and getProject finds it by name', async () => {
        expect(st.project).toMatchObject({ name: 'proj', public: false });
        expect(Number.isInteger(st.project.id)).toBe(true);
        expect(Number.isNaN(Date.parse(st.project.createdAt))).toBe(false);
        expect(Number.isNaN(Date.parse(st.project.updatedAt))).toBe(false);
        expect(await st.projects.getProject('proj')).toEqual(st.project);

        const pub = await st.projects.createProject({ name: 'library', public: true });
        expect(pub.public).toBe(true);
        expect(pub.id).not.toBe(st.project.id);
        expect(await st.projects.getProject('library')).toEqual(pub);
      });

      test('CVE allowlists: the system\'s (0) and a project\'s, set and replaced; a project\'s goes with it', async () => {
        expect(await st.projects.getCveAllowlist(0)).toBeNull();
        const sys = await st.projects.setCveAllowlist(0, { expiresAt: null, items: ['CVE-2024-1'] });
        expect(sys).toMatchObject({ projectId: 0, expiresAt: null, items: ['CVE-2024-1'] });
        const other = await st.projects.createProject({ name: 'other', public: false });
        await st.projects.setCveAllowlist(other.id, { expiresAt: 1900000000, items: ['CVE-2024-2', 'CVE-2024-3'] });
        const again = await st.projects.setCveAllowlist(other.id, { expiresAt: null, items: [] });
        expect(again).toMatchObject({ projectId: other.id, expiresAt: null, items: [] });
        expect(await st.projects.getCveAllowlist(0)).toEqual(sys);
        expect(await st.projects.deleteProject(other.id)).toBe(true);
        expect(await st.projects.getCveAllowlist(other.id)).toBeNull();
      });

      test('getProject of an unknown name is null', async () => {
        expect(await st.projects.getProject('nope')).toBeNull();
      });

      test('a second project with the same name is refused: CONFLICT, as the losing side of a create race sees it', async () => {
        await expect(st.projects.createProject({ name: 'proj', public: true })).rejects.toMatchObject({ code: 'CONFLICT' });
        expect((await st.projects.getProject('proj'))?.public).toBe(false);
      });
    });

    describe('projects: ids, owners, metadata, update, delete', () => {
      test('a project keeps its owner, storage limit and metadata; getProjectById finds it', async () => {
        const u = await st.identity.createUser({ username: 'owner', passwordHash: 'h' });
        const p = await st.projects.createProject({ name: 'team', public: false, ownerId: u.id, storageLimit: 1024, metadata: { auto_scan: 'true' } });
        expect(p).toMatchObject({ name: 'team', ownerId: u.id, storageLimit: 1024, metadata: { auto_scan: 'true' } });
        expect(await st.projects.getProjectById(p.id)).toEqual(p);
        expect(await st.projects.getProjectById(99999)).toBeNull();
        expect(st.project).toMatchObject({ ownerId: null, storageLimit: -1, metadata: {} });
        expect((await st.projects.listProjects()).map((x) => x.name)).toEqual(['proj', 'team']);
      });

      test('updateProject changes only what the patch names; a null metadata value removes it', async () => {
        const p = await st.projects.createProject({ name: 'team', public: false, metadata: { a: '1', b: '2' } });
        const u = await st.projects.updateProject(p.id, { public: true, metadata: { a: null, c: '3' } });
        expect(u).toMatchObject({ public: true, storageLimit: -1, metadata: { b: '2', c: '3' } });
        expect(await st.projects.updateProject(p.id, { storageLimit: 5 })).toMatchObject({ public: true, storageLimit: 5 });
        expect(await st.projects.updateProject(99999, { public: true })).toBeNull();
      });

      test('deleteProject removes members, metadata and manifest-less repositories', async () => {
        const u = await st.identity.createUser({ username: 'm', passwordHash: 'h' });
        const p = await st.projects.createProject({ name: 'gone', public: false, metadata: { a: '1' } });
        await st.projects.addMember(p.id, u.id, 2);
        await st.content.linkBlob('gone/app', p.id, blob('x'));
        expect(await st.projects.deleteProject(p.id)).toBe(true);
        expect(await st.projects.getProject('gone')).toBeNull();
        expect(await st.content.getRepository('gone/app')).toBeNull();
        expect(await st.projects.getMemberRoles(p.id, u.id)).toEqual([]);
        expect(await st.projects.deleteProject(p.id)).toBe(false);
        // The name is free again.
        expect((await st.projects.createProject({ name: 'gone', public: true })).metadata).toEqual({});
      });
    });

    describe('project members', () => {
      test('add, list, update, remove, and the role lookup', async () => {
        const a = await st.identity.createUser({ username: 'alice', passwordHash: 'h' });
        const b = await st.identity.createUser({ username: 'bob', passwordHash: 'h' });
        const ma = await st.projects.addMember(st.project.id, a.id, 1);
        expect(ma).toMatchObject({ projectId: st.project.id, entityType: 'u', entityId: a.id, entityName: 'alice', roleId: 1 });
        expect(await st.projects.addMember(st.project.id, a.id, 2)).toBeNull();
        const mb = await st.projects.addMember(st.project.id, b.id, 5);
        expect(await st.projects.listMembers(st.project.id)).toEqual([ma, mb]);
        expect(await st.projects.getMemberRoles(st.project.id, b.id)).toEqual([5]);
        expect(await st.projects.updateMember(st.project.id, mb!.id, 4)).toBe(true);
        expect(await st.projects.getMemberRoles(st.project.id, b.id)).toEqual([4]);
        const other = await st.projects.createProject({ name: 'other', public: false });
        expect(await st.projects.updateMember(other.id, mb!.id, 3)).toBe(false);
        expect(await st.projects.deleteMember(other.id, mb!.id)).toBe(false);
        expect(await st.projects.deleteMember(st.project.id, mb!.id)).toBe(true);
        expect(await st.projects.getMemberRoles(st.project.id, b.id)).toEqual([]);
        expect(await st.projects.getMemberRoles(other.id, a.id)).toEqual([]);
      });

      test('a group member: listed by its name, and its role is a role of every user in the group', async () => {
        const a = await st.identity.createUser({ username: 'alice', passwordHash: 'h' });
        const devs = await st.groups.createGroup({ name: 'devs', type: 3, ldapDn: '' });
        const ops = await st.groups.createGroup({ name: 'ops', type: 3, ldapDn: '' });
        const mu = await st.projects.addMember(st.project.id, a.id, 3);
        const mg = await st.projects.addGroupMember(st.project.id, devs.id, 2);
        expect(mg).toMatchObject({ projectId: st.project.id, entityType: 'g', entityId: devs.id, entityName: 'devs', roleId: 2 });
        expect(await st.projects.addGroupMember(st.project.id, devs.id, 1)).toBeNull();
        const mo = await st.projects.addGroupMember(st.project.id, ops.id, 4);
        expect(await st.projects.getMemberRoles(st.project.id, a.id)).toEqual([3]);
        await st.groups.setUserGroups(a.id, [devs.id, ops.id]);
        expect((await st.projects.getMemberRoles(st.project.id, a.id)).sort()).toEqual([2, 3, 4]);
        // A member id names a user or a group member alike.
        expect(await st.projects.updateMember(st.project.id, mg!.id, 1)).toBe(true);
        expect((await st.projects.listMembers(st.project.id)).map((m) => [m.id, m.entityName, m.roleId])).toEqual([[mu!.id, 'alice', 3], [mg!.id, 'devs', 1], [mo!.id, 'ops', 4]]);
        // Deleting the group removes its memberships.
        expect(await st.groups.deleteGroup(devs.id)).toBe(true);
        expect((await st.projects.getMemberRoles(st.project.id, a.id)).sort()).toEqual([3, 4]);
      });
    });
  });
}
