// The RegistryStore contract: every backend runs it (test/unit/meta-store.sqlite.test.ts for SQLite).
import { describe, expect, test } from 'vitest';
import { digestOf } from '../../../src/oci/digest.js';
import { blob, manifestRecord, useStores, type StoresFactory } from './harness.js';

export function registryStoreContract(name: string, factory: StoresFactory): void {
  describe(`RegistryStore contract: ${name}`, () => {
    const st = useStores(factory);

    describe('registry endpoints', () => {
      const newRegistry = (name: string, over: Record<string, unknown> = {}) => ({
        name, type: 'docker-registry', url: 'http://127.0.0.1:5000', description: '', insecure: false, caCertificate: null,
        credentialType: 'basic', accessKey: 'bob', accessSecretEnc: 'v1:opaque', ...over,
      });

      test('create, find by id and name, list, update, clear the credential, delete', async () => {
        const r = await st.registries.createRegistry(newRegistry('hub', { type: 'docker-hub', url: 'https://hub.docker.com' }));
        expect(r).toMatchObject({ ...newRegistry('hub', { type: 'docker-hub', url: 'https://hub.docker.com' }), id: expect.any(Number), status: 'unknown' });
        expect(await st.registries.getRegistryById(r.id)).toEqual(r);
        expect(await st.registries.getRegistryByName('hub')).toEqual(r);
        expect(await st.registries.getRegistryByName('nope')).toBeNull();
        const local = await st.registries.createRegistry(newRegistry('local', { credentialType: null, accessKey: null, accessSecretEnc: null }));
        expect((await st.registries.listRegistries()).map((x) => x.name)).toEqual(['hub', 'local']);
        const u = await st.registries.updateRegistry(r.id, { description: 'mirror', insecure: true, status: 'healthy' });
        expect(u).toMatchObject({ description: 'mirror', insecure: true, status: 'healthy', accessKey: 'bob', accessSecretEnc: 'v1:opaque', url: r.url });
        const cleared = await st.registries.updateRegistry(r.id, { credentialType: null, accessKey: null, accessSecretEnc: null });
        expect(cleared).toMatchObject({ credentialType: null, accessKey: null, accessSecretEnc: null, description: 'mirror' });
        expect(await st.registries.updateRegistry(9999, { description: 'x' })).toBeNull();
        expect(await st.registries.deleteRegistry(r.id)).toBe(true);
        expect(await st.registries.deleteRegistry(r.id)).toBe(false);
        expect(await st.registries.getRegistryById(r.id)).toBeNull();
        expect(await st.registries.getRegistryById(local.id)).toEqual(local);
      });

      test('a name is unique, also on rename', async () => {
        const a = await st.registries.createRegistry(newRegistry('a'));
        await st.registries.createRegistry(newRegistry('b'));
        await expect(st.registries.createRegistry(newRegistry('a'))).rejects.toMatchObject({ code: 'CONFLICT' });
        await expect(st.registries.updateRegistry(a.id, { name: 'b' })).rejects.toMatchObject({ code: 'CONFLICT' });
        expect((await st.registries.getRegistryById(a.id))?.name).toBe('a');
      });
    });

    describe('proxy-cache projects', () => {
      const endpoint = { type: 'docker-registry', url: 'http://127.0.0.1:5000', description: '', insecure: false, caCertificate: null,
        credentialType: null, accessKey: null, accessSecretEnc: null };

      test('a project records its upstream; the endpoint lists the projects that use it', async () => {
        const r = await st.registries.createRegistry({ ...endpoint, name: 'up' });
        const p = await st.projects.createProject({ name: 'cache', public: true, registryId: r.id });
        expect(p.registryId).toBe(r.id);
        expect((await st.projects.getProject('cache'))!.registryId).toBe(r.id);
        expect(st.project.registryId).toBeNull();
        expect(await st.registries.projectsUsingRegistry(r.id)).toEqual(['cache']);
        expect(await st.registries.projectsUsingRegistry(r.id + 1)).toEqual([]);
      });

      test('a tag\'s revalidation time is kept per tag, and the cache listing counts only the blobs held', async () => {
        const m = await st.push('proj/app', { seed: 'one', blobs: [blob('a').digest] }, 'v1');
        expect(await st.registries.getTagRevalidation('proj/app', 'v1')).toBeNull();
        expect(await st.registries.getTagRevalidation('proj/app', 'nope')).toBeNull();
        await st.registries.markTagRevalidated('proj/app', 'v1');
        const at = await st.registries.getTagRevalidation('proj/app', 'v1');
        expect(Number.isNaN(Date.parse(at!))).toBe(false);
        const partial = { ...manifestRecord({ seed: 'two', blobs: [digestOf('missing')] }), partial: true };
        await st.content.putManifest('proj/app', st.project.id, partial, 'v2');
        expect(await st.registries.listCachedTags(st.project.id)).toEqual([
          { repository: 'proj/app', tag: 'v1', digest: m.digest, mediaType: m.mediaType, cachedSize: m.size + 1, pushedAt: expect.any(String), revalidatedAt: at },
          { repository: 'proj/app', tag: 'v2', digest: partial.digest, mediaType: partial.mediaType, cachedSize: partial.size, pushedAt: expect.any(String), revalidatedAt: null },
        ]);
        // Moving the tag keeps the column; a deleted tag has none.
        await st.content.deleteTag('proj/app', 'v1');
        expect(await st.registries.getTagRevalidation('proj/app', 'v1')).toBeNull();
      });
    });
  });
}
