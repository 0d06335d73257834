// Scan reports and their logs (table scan_reports). Beyond its own table: reads repositories and
// manifests to find the manifest; a report goes with its manifest (ON DELETE CASCADE).
import type Database from 'better-sqlite3';
import type { ScanReport, ScanReportStatus, ScanReportStore, ScanReportUpdate } from '../index.js';
import { SCAN_REPORT_COLS, SCAN_REPORT_FROM, scanReportOf, type ScanReportRow } from '../scan-reports.js';
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
