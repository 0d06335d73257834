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

    test('a report is claimed by one replica with a lease, claimed again once it lapses; stops reach Pending and Running ones', async () => {
      const T = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
      const a = await st.push('proj/app', { seed: 'a' }, 'a');
      const b = await st.push('proj/app', { seed: 'b' }, 'b');
      await start('ca', a.digest);
      await start('cb', b.digest);
      const [first] = await st.scanReports.claimReports('A', T(0), T(10), 1);
      expect(first).toMatchObject({ uuid: 'ca', status: 'Running', leaseUntil: T(10), stopRequested: false });
      // Claimed reports are not claimed again while their lease runs.
      expect((await st.scanReports.claimReports('B', T(1), T(11), 5)).map((r) => r.uuid)).toEqual(['cb']);
      expect(await st.scanReports.claimReports('C', T(2), T(12), 5)).toEqual([]);
      expect(await st.scanReports.renewReport('ca', 'A', T(30))).toMatchObject({ uuid: 'ca', leaseUntil: T(30) });
      expect(await st.scanReports.renewReport('ca', 'B', T(31))).toBeNull();
      // cb's lease lapsed (B died, or stalled): C claims it, and B's renewals fail from then on.
      expect((await st.scanReports.claimReports('C', T(20), T(40), 5)).map((r) => [r.uuid, r.leaseUntil])).toEqual([['cb', T(40)]]);
      expect(await st.scanReports.renewReport('cb', 'B', T(41))).toBeNull();
      expect(await st.scanReports.renewReport('cb', 'C', T(41))).toMatchObject({ leaseUntil: T(41) });
      expect(await st.scanReports.stopReport('ca', T(21))).toBe('requested');
      expect(await st.scanReports.renewReport('ca', 'A', T(31))).toMatchObject({ status: 'Running', stopRequested: true });
      await st.scanReports.updateReport('ca', { status: 'Stopped', endTime: T(22) });
      expect(await st.scanReports.renewReport('ca', 'A', T(32))).toBeNull();
      expect(await st.scanReports.stopReport('ca', T(23))).toBeNull();
      // A Pending one is stopped at once, and never claimed.
      await st.scanReports.updateReport('cb', { status: 'Success' });
      await start('cb2', b.digest);
      expect(await st.scanReports.stopReport('cb2', T(24))).toBe('stopped');
      expect(await st.scanReports.getReport('cb2')).toMatchObject({ status: 'Stopped', endTime: T(24), stopRequested: false });
      expect(await st.scanReports.claimReports('A', T(50), T(60), 5)).toEqual([]);
      expect(await st.scanReports.stopReport('nope', T(25))).toBeNull();
    });

    test('two claimers at once share the reports: each goes to exactly one', async () => {
      const digests = [];
      for (let i = 0; i < 6; i++) digests.push((await st.push('proj/app', { seed: `race${i}` }, `t${i}`)).digest);
      for (const [i, d] of digests.entries()) await start(`race${i}`, d);
      const now = new Date().toISOString();
      const later = new Date(Date.now() + 60_000).toISOString();
      const got = await Promise.all(['A', 'B', 'C'].map((owner) => st.scanReports.claimReports(owner, now, later, 4)));
      const ids = got.flat().map((r) => r.uuid);
      expect(ids.sort()).toEqual(digests.map((_, i) => `race${i}`).sort());
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
