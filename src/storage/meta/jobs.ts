// Background jobs and their state: SBOM generation today (issue 7); GC, retention and schedules
// with their executions belong here too.

/**
 * Where SBOM generation stands for one manifest (Harbor's sbom_overview). `status` is Harbor's task
 * status: Pending, Running, Success or Error. Times are ISO strings.
 */
export interface SbomStatus {
  reportId: string;
  status: 'Pending' | 'Running' | 'Success' | 'Error';
  startTime: string | null;
  endTime: string | null;
  /** The SPDX accessory (Harbor's sbom_digest) and the CycloneDX one beside it. */
  sbomDigest: string | null;
  cyclonedxDigest: string | null;
  /** Why it failed, for Error. */
  error: string | null;
}

/** Job state. A manifest's SBOM status goes with the manifest. */
export interface JobStore {
  /** Records the status of a manifest's SBOM generation; false when the manifest is not there. */
  setSbomStatus(repository: string, digest: string, s: SbomStatus): Promise<boolean>;
  getSbomStatus(repository: string, digest: string): Promise<SbomStatus | null>;
  /** Manifests whose generation was Pending or Running (a restart requeues them). */
  listUnfinishedSbom(): Promise<{ repository: string; digest: string }[]>;
  /** Pauses or resumes a job queue (/jobservice/queues): kept across restarts. */
  setQueuePaused(jobType: string, paused: boolean): Promise<void>;
  /** The job types whose queue is paused. */
  listPausedQueues(): Promise<string[]>;
}
