// The JobStore contract: every backend runs it (test/unit/meta-store.sqlite.test.ts for SQLite).
import { describe, expect, test } from 'vitest';
import { digestOf } from '../../../src/oci/digest.js';
import type { SbomStatus } from '../../../src/storage/meta/index.js';
import { useStores, type StoresFactory } from './harness.js';

export function jobStoreContract(name: string, factory: StoresFactory): void {
  describe(`JobStore contract: ${name}`, () => {
    const st = useStores(factory);

    describe('SBOM generation status (issue 7)', () => {
      const status = (over: Partial<SbomStatus> = {}): SbomStatus => ({
        reportId: 'r1', status: 'Pending', startTime: null, endTime: null, sbomDigest: null, cyclonedxDigest: null, error: null, ...over,
      });

      test('a status is kept per manifest, listed while unfinished, and goes with the manifest', async () => {
        const image = await st.push('proj/app', { seed: 'image' }, 'v1');
        expect(await st.jobs.getSbomStatus('proj/app', image.digest)).toBeNull();
        expect(await st.jobs.setSbomStatus('proj/app', digestOf('absent'), status())).toBe(false);
        expect(await st.jobs.setSbomStatus('proj/app', image.digest, status())).toBe(true);
        expect(await st.jobs.listUnfinishedSbom()).toEqual([{ repository: 'proj/app', digest: image.digest }]);
        const done = status({ status: 'Success', startTime: '2026-01-01T00:00:00Z', endTime: '2026-01-01T00:00:02Z', sbomDigest: digestOf('s'), cyclonedxDigest: digestOf('c') });
        expect(await st.jobs.setSbomStatus('proj/app', image.digest, done)).toBe(true);
        expect(await st.jobs.getSbomStatus('proj/app', image.digest)).toEqual(done);
        expect(await st.jobs.listUnfinishedSbom()).toEqual([]);
        await st.content.deleteManifest('proj/app', image.digest);
        await st.push('proj/app', { seed: 'image' }, 'v1');
        expect(await st.jobs.getSbomStatus('proj/app', image.digest)).toBeNull();
      });
    });

    test('paused job queues are kept; resuming one unpauses it', async () => {
      expect(await st.jobs.listPausedQueues()).toEqual([]);
      await st.jobs.setQueuePaused('IMAGE_SCAN', true);
      await st.jobs.setQueuePaused('SCHEDULER', true);
      await st.jobs.setQueuePaused('IMAGE_SCAN', false);
      expect(await st.jobs.listPausedQueues()).toEqual(['SCHEDULER']);
    });
  });
}
