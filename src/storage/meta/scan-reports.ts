// Vulnerability scan reports (Harbor's scan_report + its scan job): one per manifest and report MIME
// type, the latest; it goes with the manifest. A report row is also the durable job: Pending and
// Running rows are resumed after a restart.

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
  appendReportLog(uuid: string, text: string): Promise<void>;
  getReportLog(uuid: string): Promise<string | null>;
  /** How many reports of a scan-all execution are in each status. */
  countReportsByExecution(executionId: number): Promise<Partial<Record<ScanReportStatus, number>>>;
}
