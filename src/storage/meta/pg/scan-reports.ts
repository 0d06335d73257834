// Scan reports and their logs (table scan_reports), as sqlite/scan-reports.ts. startReport locks the
// manifest's row, so two replicas asking for the same scan at once make one report; claimReports
// skips the rows another replica is claiming (FOR UPDATE SKIP LOCKED).
import type { ScanReport, ScanReportStatus, ScanReportStore, ScanReportUpdate } from '../index.js';
import { CLAIMABLE_REPORTS, SCAN_REPORT_COLS, SCAN_REPORT_FROM, scanReportOf, type ScanReportRow } from '../scan-reports.js';
import { PgStore } from './common.js';

export class PgScanReportStore extends PgStore implements ScanReportStore {
  async startReport(x: Pick<ScanReport, 'uuid' | 'repository' | 'digest' | 'registrationUuid' | 'mimeType' | 'executionId'>): Promise<ScanReport | 'running' | null> {
    return this.tx(async (c): Promise<ScanReport | 'running' | null> => {
      const id = await c.value<number>(`SELECT m.id FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE r.name = ? AND m.digest = ?
        FOR UPDATE OF m`, x.repository, x.digest);
      if (id === undefined) return null;
      if (await c.value("SELECT 1 FROM scan_reports WHERE manifest_id = ? AND mime_type = ? AND status IN ('Pending', 'Running')", id, x.mimeType)) return 'running';
      await c.run('DELETE FROM scan_reports WHERE manifest_id = ? AND mime_type = ?', id, x.mimeType);
      await c.run(`INSERT INTO scan_reports (uuid, manifest_id, registration_uuid, mime_type, status, execution_id, log, created_at)
        VALUES (?, ?, ?, ?, 'Pending', ?, '', ?)`, x.uuid, id, x.registrationUuid, x.mimeType, x.executionId, this.iso());
      return scanReportOf((await c.get<ScanReportRow>(`SELECT ${SCAN_REPORT_COLS} FROM ${SCAN_REPORT_FROM} WHERE s.uuid = ?`, x.uuid))!);
    });
  }

  async updateReport(uuid: string, u: ScanReportUpdate): Promise<boolean> {
    const cols = { status: u.status, start_time: u.startTime, end_time: u.endTime, scan_request_id: u.scanRequestId, report: u.report };
    const set = Object.entries(cols).filter(([, v]) => v !== undefined);
    if (set.length === 0) return (await this.db.value('SELECT 1 FROM scan_reports WHERE uuid = ?', uuid)) !== undefined;
    return (await this.db.run(`UPDATE scan_reports SET ${set.map(([k]) => `${k} = ?`).join(', ')} WHERE uuid = ?`, ...set.map(([, v]) => v), uuid)) > 0;
  }

  async getReport(uuid: string): Promise<ScanReport | null> {
    const r = await this.db.get<ScanReportRow>(`SELECT ${SCAN_REPORT_COLS} FROM ${SCAN_REPORT_FROM} WHERE s.uuid = ?`, uuid);
    return r ? scanReportOf(r) : null;
  }

  async latestReport(repository: string, digest: string, mimeType: string): Promise<ScanReport | null> {
    const r = await this.db.get<ScanReportRow>(`SELECT ${SCAN_REPORT_COLS} FROM ${SCAN_REPORT_FROM} WHERE r.name = ? AND m.digest = ? AND s.mime_type = ?`, repository, digest, mimeType);
    return r ? scanReportOf(r) : null;
  }

  async listUnfinishedReports(): Promise<ScanReport[]> {
    return (await this.db.all<ScanReportRow>(`SELECT ${SCAN_REPORT_COLS} FROM ${SCAN_REPORT_FROM} WHERE s.status IN ('Pending', 'Running') ORDER BY s.created_at, s.uuid`)).map(scanReportOf);
  }

  async claimReports(owner: string, now: string, leaseUntil: string, limit: number): Promise<ScanReport[]> {
    return this.tx(async (c) => {
      const ids = await c.column<string>(`${CLAIMABLE_REPORTS} FOR UPDATE SKIP LOCKED`, now, limit);
      if (ids.length === 0) return [];
      await c.run("UPDATE scan_reports SET status = 'Running', claimed_by = ?, lease_until = ? WHERE uuid = ANY(?)", owner, leaseUntil, ids);
      return (await c.all<ScanReportRow>(`SELECT ${SCAN_REPORT_COLS} FROM ${SCAN_REPORT_FROM} WHERE s.uuid = ANY(?) ORDER BY s.created_at, s.uuid`, ids)).map(scanReportOf);
    });
  }

  async renewReport(uuid: string, owner: string, leaseUntil: string): Promise<ScanReport | null> {
    if ((await this.db.run("UPDATE scan_reports SET lease_until = ? WHERE uuid = ? AND claimed_by = ? AND status = 'Running'", leaseUntil, uuid, owner)) === 0) return null;
    return this.getReport(uuid);
  }

  async stopReport(uuid: string, endTime: string): Promise<'stopped' | 'requested' | null> {
    // Each UPDATE is atomic on its row: a claim between the two makes the second one find it Running.
    if ((await this.db.run("UPDATE scan_reports SET status = 'Stopped', end_time = ? WHERE uuid = ? AND status = 'Pending'", endTime, uuid)) > 0) return 'stopped';
    return (await this.db.run("UPDATE scan_reports SET stop_requested = 1 WHERE uuid = ? AND status = 'Running'", uuid)) > 0 ? 'requested' : null;
  }

  async appendReportLog(uuid: string, text: string): Promise<void> {
    await this.db.run('UPDATE scan_reports SET log = log || ? WHERE uuid = ?', text, uuid);
  }

  async getReportLog(uuid: string): Promise<string | null> {
    return (await this.db.value<string>('SELECT log FROM scan_reports WHERE uuid = ?', uuid)) ?? null;
  }

  async countReportsByExecution(executionId: number): Promise<Partial<Record<ScanReportStatus, number>>> {
    const out: Partial<Record<ScanReportStatus, number>> = {};
    for (const r of await this.db.all<{ status: ScanReportStatus; n: number }>('SELECT status, count(*) AS n FROM scan_reports WHERE execution_id = ? GROUP BY status', executionId)) {
      out[r.status] = r.n;
    }
    return out;
  }
}
