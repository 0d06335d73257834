// Scan reports and their logs (table scan_reports). Beyond its own table: reads repositories and
// manifests to find the manifest; a report goes with its manifest (ON DELETE CASCADE).
import type Database from 'better-sqlite3';
import type { ScanReport, ScanReportStatus, ScanReportStore, ScanReportUpdate } from '../index.js';
import { CLAIMABLE_REPORTS, SCAN_REPORT_COLS, SCAN_REPORT_FROM, scanReportOf, type ScanReportRow } from '../scan-reports.js';
import { type Clock, SqliteStore } from './common.js';

export class SqliteScanReportStore extends SqliteStore implements ScanReportStore {
  private readonly s;

  constructor(db: Database.Database, now: Clock) {
    super(db, now);
    this.s = {
      manifestId: db.prepare('SELECT m.id FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE r.name = ? AND m.digest = ?').pluck(),
      unfinishedOf: db.prepare("SELECT 1 FROM scan_reports WHERE manifest_id = ? AND mime_type = ? AND status IN ('Pending', 'Running')").pluck(),
      deleteOld: db.prepare('DELETE FROM scan_reports WHERE manifest_id = ? AND mime_type = ?'),
      insert: db.prepare(`INSERT INTO scan_reports (uuid, manifest_id, registration_uuid, mime_type, status, execution_id, log, created_at)
        VALUES (?, ?, ?, ?, 'Pending', ?, '', ?)`),
      get: db.prepare(`SELECT ${SCAN_REPORT_COLS} FROM ${SCAN_REPORT_FROM} WHERE s.uuid = ?`),
      latest: db.prepare(`SELECT ${SCAN_REPORT_COLS} FROM ${SCAN_REPORT_FROM} WHERE r.name = ? AND m.digest = ? AND s.mime_type = ?`),
      unfinished: db.prepare(`SELECT ${SCAN_REPORT_COLS} FROM ${SCAN_REPORT_FROM} WHERE s.status IN ('Pending', 'Running') ORDER BY s.created_at, s.uuid`),
      appendLog: db.prepare('UPDATE scan_reports SET log = log || ? WHERE uuid = ?'),
      getLog: db.prepare('SELECT log FROM scan_reports WHERE uuid = ?').pluck(),
      byExecution: db.prepare('SELECT status, count(*) AS n FROM scan_reports WHERE execution_id = ? GROUP BY status'),
      claimable: db.prepare(CLAIMABLE_REPORTS).pluck(),
      claim: db.prepare("UPDATE scan_reports SET status = 'Running', claimed_by = ?, lease_until = ? WHERE uuid = ?"),
      renew: db.prepare("UPDATE scan_reports SET lease_until = ? WHERE uuid = ? AND claimed_by = ? AND status = 'Running'"),
      stopPending: db.prepare("UPDATE scan_reports SET status = 'Stopped', end_time = ? WHERE uuid = ? AND status = 'Pending'"),
      stopRunning: db.prepare("UPDATE scan_reports SET stop_requested = 1 WHERE uuid = ? AND status = 'Running'"),
    };
  }

  async startReport(x: Pick<ScanReport, 'uuid' | 'repository' | 'digest' | 'registrationUuid' | 'mimeType' | 'executionId'>): Promise<ScanReport | 'running' | null> {
    return this.db.transaction((): ScanReport | 'running' | null => {
      const id = this.s.manifestId.get(x.repository, x.digest) as number | undefined;
      if (id === undefined) return null;
      if (this.s.unfinishedOf.get(id, x.mimeType)) return 'running';
      this.s.deleteOld.run(id, x.mimeType);
      this.s.insert.run(x.uuid, id, x.registrationUuid, x.mimeType, x.executionId, this.iso());
      return scanReportOf(this.s.get.get(x.uuid) as ScanReportRow);
    })();
  }

  async updateReport(uuid: string, u: ScanReportUpdate): Promise<boolean> {
    const cols = { status: u.status, start_time: u.startTime, end_time: u.endTime, scan_request_id: u.scanRequestId, report: u.report };
    const set = Object.entries(cols).filter(([, v]) => v !== undefined);
    if (set.length === 0) return this.s.get.get(uuid) !== undefined;
    const sql = `UPDATE scan_reports SET ${set.map(([k]) => `${k} = ?`).join(', ')} WHERE uuid = ?`;
    return this.db.prepare(sql).run(...set.map(([, v]) => v), uuid).changes > 0;
  }

  async getReport(uuid: string): Promise<ScanReport | null> {
    const r = this.s.get.get(uuid) as ScanReportRow | undefined;
    return r ? scanReportOf(r) : null;
  }

  async latestReport(repository: string, digest: string, mimeType: string): Promise<ScanReport | null> {
    const r = this.s.latest.get(repository, digest, mimeType) as ScanReportRow | undefined;
    return r ? scanReportOf(r) : null;
  }

  async listUnfinishedReports(): Promise<ScanReport[]> {
    return (this.s.unfinished.all() as ScanReportRow[]).map(scanReportOf);
  }

  async claimReports(owner: string, now: string, leaseUntil: string, limit: number): Promise<ScanReport[]> {
    // One write transaction: no other connection claims between the SELECT and the UPDATE.
    return this.db.transaction((): ScanReport[] => {
      const ids = this.s.claimable.all(now, limit) as string[];
      for (const id of ids) this.s.claim.run(owner, leaseUntil, id);
      return ids.map((id) => scanReportOf(this.s.get.get(id) as ScanReportRow));
    }).immediate();
  }

  async renewReport(uuid: string, owner: string, leaseUntil: string): Promise<ScanReport | null> {
    if (this.s.renew.run(leaseUntil, uuid, owner).changes === 0) return null;
    return this.getReport(uuid);
  }

  async stopReport(uuid: string, endTime: string): Promise<'stopped' | 'requested' | null> {
    return this.db.transaction(() => {
      if (this.s.stopPending.run(endTime, uuid).changes > 0) return 'stopped' as const;
      return this.s.stopRunning.run(uuid).changes > 0 ? 'requested' as const : null;
    }).immediate();
  }

  async appendReportLog(uuid: string, text: string): Promise<void> {
    this.s.appendLog.run(text, uuid);
  }

  async getReportLog(uuid: string): Promise<string | null> {
    return (this.s.getLog.get(uuid) as string | undefined) ?? null;
  }

  async countReportsByExecution(executionId: number): Promise<Partial<Record<ScanReportStatus, number>>> {
    const out: Partial<Record<ScanReportStatus, number>> = {};
    for (const r of this.s.byExecution.all(executionId) as { status: ScanReportStatus; n: number }[]) out[r.status] = r.n;
    return out;
  }
}
