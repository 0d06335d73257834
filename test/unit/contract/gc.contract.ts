// The GcStore contract: every backend runs it (test/unit/meta-store.sqlite.test.ts for SQLite).
import { describe, expect, test } from 'vitest';
import { MediaType } from '../../../src/oci/mediatypes.js';
import { blob, useStores, type StoresFactory } from './harness.js';

export function gcStoreContract(name: string, factory: StoresFactory): void {
  describe(`GcStore contract: ${name}`, () => {
    const st = useStores(factory);

    test('referenced: by a manifest or an unreleased link; released links and link-less rows are garbage', async () => {
      const [kept, pending, released, shared] = ['kept', 'pending', 'released', 'shared'].map(blob);
      await st.push('proj/a', { seed: 'a', blobs: [kept.digest, shared.digest] }, 'v1');
      const gone = await st.push('proj/b', { seed: 'b', blobs: [released.digest, shared.digest] }, 'v1');
      await st.content.linkBlob('proj/c', st.project.id, pending);
      expect(await st.content.deleteManifest('proj/b', gone.digest)).toBe(true);
      expect((await st.gc.unreferencedBlobs('', 10)).map((b) => b.digest)).toEqual([released.digest]);
      expect(await st.gc.hasBlob(released.digest)).toBe(true);
      expect(await st.gc.deleteBlobIfUnreferenced(kept.digest)).toBeNull();
      expect(await st.gc.deleteBlobIfUnreferenced(pending.digest)).toBeNull();
      expect(await st.gc.deleteBlobIfUnreferenced(released.digest)).toBe(1);
      expect(await st.gc.deleteBlobIfUnreferenced(released.digest)).toBeNull();
      expect(await st.gc.hasBlob(released.digest)).toBe(false);
      expect(await st.content.getBlobLink('proj/b', released.digest)).toBeNull();
      expect(await st.gc.unreferencedBlobs('', 10)).toEqual([]);
    });

    test('a blob linked again before the re-check is not deleted', async () => {
      const b = blob('again');
      const m = await st.push('proj/a', { seed: 'a', blobs: [b.digest] }, null);
      await st.content.deleteManifest('proj/a', m.digest);
      expect((await st.gc.unreferencedBlobs('', 10)).map((x) => x.digest)).toEqual([b.digest]);
      expect(await st.content.linkBlob('proj/a', st.project.id, b)).toEqual({ ok: true });
      expect(await st.gc.deleteBlobIfUnreferenced(b.digest)).toBeNull();
    });

    test('untagged top-level manifests: accessories go with the subject, index children after the index', async () => {
      const tagged = await st.push('proj/a', { seed: 'tagged' }, 'v1');
      const lone = await st.push('proj/a', { seed: 'lone' });
      const sig = await st.push('proj/a', { seed: 'sig', subject: lone.digest, artifactType: 'application/x-sig' });
      const kid = await st.push('proj/a', { seed: 'kid' });
      const index = await st.push('proj/a', { seed: 'index', mediaType: MediaType.ociIndex, manifests: [kid.digest] });
      const plan = await st.gc.simulate(true);
      expect(plan.artifacts.map((m) => m.digest)).toEqual([lone.digest, index.digest, kid.digest]);
      // The simulation changed nothing.
      expect((await st.gc.untaggedManifests(0, 10)).map((m) => m.digest)).toEqual([lone.digest, index.digest]);
      const at = (m: { digest: string }): { repository: string; digest: string } => ({ repository: 'proj/a', digest: m.digest });
      expect(await st.gc.deleteUntagged([at(tagged), at(kid), at(lone)])).toEqual([false, false, true]);
      expect(await st.content.getManifest('proj/a', sig.digest)).toBeNull();
      expect(await st.gc.deleteUntagged([at(index), { repository: 'proj/none', digest: index.digest }])).toEqual([true, false]);
      expect((await st.gc.untaggedManifests(0, 10)).map((m) => m.digest)).toEqual([kid.digest]);
      expect(await st.projects.recountUsage(st.project.id)).toBe((await st.projects.getProject('proj'))!.storageUsed);
    });

    test('simulate leaves the event loop free between batches (a dry run must not hold the server up)', async () => {
      for (let i = 0; i < 1200; i++) await st.push('proj/many', { seed: `many-${i}` });
      let ticks = 0;
      let running = true;
      const tick = (): void => { if (running) { ticks++; setImmediate(tick); } };
      setImmediate(tick);
      const plan = await st.gc.simulate(true);
      running = false;
      expect(plan.artifacts).toHaveLength(1200);
      // Three batches of 500 at the least: the loop turned while the plan was made (0 for one synchronous pass).
      expect(ticks).toBeGreaterThanOrEqual(3);
      expect((await st.gc.untaggedManifests(0, 2000))).toHaveLength(1200);
    });

    test('simulate reports the blobs a real run would free, without freeing them', async () => {
      const b = blob('only-untagged');
      await st.push('proj/a', { seed: 'u', blobs: [b.digest] });
      expect(await st.gc.simulate(false)).toEqual({ artifacts: [], blobs: [] });
      const plan = await st.gc.simulate(true);
      expect(plan.blobs).toEqual([{ digest: b.digest, size: 1 }]);
      expect(await st.gc.unreferencedBlobs('', 10)).toEqual([]);
      expect(await st.gc.hasBlob(b.digest)).toBe(true);
    });
  });
}
