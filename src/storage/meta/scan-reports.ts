// Vulnerability scan reports (Harbor's scan_report + its scan job): one per manifest and report MIME
// type, the latest; it goes with the manifest. A report row is also the durable job, shared by every
// replica on the database: a Pending one is claimed by one of them with a lease, which its runner
// renews; a Running one whose lease ran out (its replica died or shut down) is claimed again.

export type ScanReportStatus = 'Pending' | 'Running' | 'Success' | 'Error' | 'Stopped';

export interface ScanReport {
  /** Harbor's report_id. */
  uuid: string;
  repository: string;
  digest: string;
  registrationUuid: string;
  /** The report MIME type asked of the adapter. */
  mimeType: string;
  status: ScanReportStatus;
  startTime: string | null;
  endTime: string | null;
  /** The adapter's scan request id, once it accepted the scan. */
  scanRequestId: string | null;
  /** The adapter's report (JSON text), once Success. */
  report: string | null;
  /** The scan-all execution that asked for it; null for a scan of one artifact. */
  executionId: number | null;
  /** Until when (ISO time) the replica running it holds it; null while Pending. */
  leaseUntil: string | null;
  /** A stop was asked (on any replica) while it ran: its runner stops it. */
  stopRequested: boolean;
}

export type ScanReportUpdate = Partial<Pick<ScanReport, 'status' | 'startTime' | 'endTime' | 'scanRequestId' | 'report'>>;

export interface ScanReportStore {
  /**
   * Creates a Pending report for the manifest, replacing its finished one of the same MIME type:
   * 'running' while one is Pending or Running, null when the manifest is not there. One transaction.
   */
  startReport(r: Pick<ScanReport, 'uuid' | 'repository' | 'digest' | 'registrationUuid' | 'mimeType' | 'executionId'>): Promise<ScanReport | 'running' | null>;
  /** false when there is no such report. */
  updateReport(uuid: string, u: ScanReportUpdate): Promise<boolean>;
  getReport(uuid: string): Promise<ScanReport | null>;
  latestReport(repository: string, digest: string, mimeType: string): Promise<ScanReport | null>;
  /** Pending and Running reports, oldest first. */
  listUnfinishedReports(): Promise<ScanReport[]>;
  /**
   * Claims up to `limit` reports for `owner`, oldest first: Pending ones, and Running ones whose
   * lease ended at or before `now`; each becomes Running, `owner`'s until `leaseUntil`. Of replicas
   * claiming at once, each report goes to exactly one.
   */
  claimReports(owner: string, now: string, leaseUntil: string, limit: number): Promise<ScanReport[]>;
  /**
   * Extends `owner`'s lease of a Running report: the report, or null when it is no longer Running or
   * no longer `owner`'s (its lease lapsed and another replica claimed it).
   */
  renewReport(uuid: string, owner: string, leaseUntil: string): Promise<ScanReport | null>;
  /**
   * Stops a report: a Pending one becomes Stopped at `endTime` ('stopped'), a Running one is asked
   * to stop by its runner ('requested'); null when it is neither. One transaction.
   */
  stopReport(uuid: string, endTime: string): Promise<'stopped' | 'requested' | null>;
  appendReportLog(uuid: string, text: string): Promise<void>;
  getReportLog(uuid: string): Promise<string | null>;
  /** How many reports of a scan-all execution are in each status. */
  countReportsByExecution(executionId: number): Promise<Partial<Record<ScanReportStatus, number>>>;
}

/** A scan_reports row joined with its manifest and repository, as both backends read it. */
export interface ScanReportRow {
  uuid: string; repository: string; digest: string; registration_uuid: string; mime_type: string; status: ScanReportStatus; start_time: string | null;
  end_time: string | null; scan_request_id: string | null; report: string | null; execution_id: number | null; lease_until: string | null; stop_requested: number;
}

export const SCAN_REPORT_COLS = `s.uuid, r.name AS repository, m.digest, s.registration_uuid, s.mime_type, s.status, s.start_time, s.end_time, s.scan_request_id,
  s.report, s.execution_id, s.lease_until, s.stop_requested`;
export const SCAN_REPORT_FROM = 'scan_reports s JOIN manifests m ON m.id = s.manifest_id JOIN repositories r ON r.id = m.repository_id';

export function scanReportOf(r: ScanReportRow): ScanReport {
  return {
    uuid: r.uuid, repository: r.repository, digest: r.digest, registrationUuid: r.registration_uuid, mimeType: r.mime_type, status: r.status,
    startTime: r.start_time, endTime: r.end_time, scanRequestId: r.scan_request_id, report: r.report, executionId: r.execution_id,
    leaseUntil: r.lease_until, stopRequested: Number(r.stop_requested) === 1,
  };
}

/** The reports claimReports takes, oldest first (both backends; PostgreSQL adds its row locks). */
export const CLAIMABLE_REPORTS = `SELECT uuid FROM scan_reports
  WHERE status = 'Pending' OR (status = 'Running' AND (lease_until IS NULL OR lease_until <= ?)) ORDER BY created_at, uuid LIMIT ?`;
