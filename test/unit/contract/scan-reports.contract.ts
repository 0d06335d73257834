// The ScanReportStore contract: every backend runs it (test/unit/meta-store.sqlite.test.ts for SQLite).
import { describe, expect, test } from 'vitest';
import { digestOf } from '../../../src/oci/digest.js';
import { useStores, type StoresFactory } from './harness.js';

const MIME = 'application/vnd.security.vulnerability.report; version=1.1';

export function scanReportStoreContract(name: string, factory: StoresFactory): void {
  describe(`ScanReportStore contract: ${name}`, () => {
    const st = useStores(factory);
    const start = (uuid: string, digest: string, executionId: number | null = null) =>
      st.scanReports.startReport({ uuid, repository: 'proj/app', digest, registrationUuid: 'reg', mimeType: MIME, executionId });

    test('one unfinished report per manifest and MIME type; a new one replaces the finished one', async () => {
      const m = await st.push('proj/app', { seed: 'image' }, 'v1');
      expect(await start('r0', digestOf('absent'))).toBeNull();
      expect(await start('r1', m.digest)).toMatchObject({ uuid: 'r1', repository: 'proj/app', digest: m.digest, status: 'Pending', report: null });
      expect(await start('r2', m.digest)).toBe('running');
      expect((await st.scanReports.listUnfinishedReports()).map((r) => r.uuid)).toEqual(['r1']);
      expect(await st.scanReports.updateReport('r1', { status: 'Running', startTime: '2026-01-01T00:00:00.000Z', scanRequestId: 'adapter-1' })).toBe(true);
      expect(await start('r2', m.digest)).toBe('running');
      await st.scanReports.updateReport('r1', { status: 'Success', endTime: '2026-01-01T00:00:01.000Z', report: '{"vulnerabilities":[]}' });
      expect(await st.scanReports.latestReport('proj/app', m.digest, MIME)).toMatchObject({
        uuid: 'r1', status: 'Success', scanRequestId: 'adapter-1', report: '{"vulnerabilities":[]}', startTime: '2026-01-01T00:00:00.000Z',
      });
      expect(await st.scanReports.listUnfinishedReports()).toEqual([]);
      expect(await start('r2', m.digest)).toMatchObject({ uuid: 'r2', status: 'Pending' });
      expect(await st.scanReports.getReport('r1')).toBeNull();
      expect(await st.scanReports.updateReport('r1', { status: 'Error' })).toBe(false);
      expect(await st.scanReports.latestReport('proj/app', m.digest, 'other/mime')).toBeNull();
    });

    test('logs append; counts per scan-all execution; reports go with their manifest', async () => {
      const a = await st.push('proj/app', { seed: 'a' }, 'a');
      const b = await st.push('proj/app', { seed: 'b' }, 'b');
      await start('ra', a.digest, 7);
      await start('rb', b.digest, 7);
      await st.scanReports.updateReport('rb', { status: 'Success' });
      expect(await st.scanReports.countReportsByExecution(7)).toEqual({ Pending: 1, Success: 1 });
      expect(await st.scanReports.countReportsByExecution(8)).toEqual({});
      await st.scanReports.appendReportLog('ra', 'one\n');
      await st.scanReports.appendReportLog('ra', 'two\n');
      expect(await st.scanReports.getReportLog('ra')).toBe('one\ntwo\n');
      expect(await st.scanReports.getReportLog('nope')).toBeNull();
      await st.content.deleteManifest('proj/app', a.digest);
      expect(await st.scanReports.getReport('ra')).toBeNull();
    });
  });
}
