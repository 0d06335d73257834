// Job state: SBOM generation status (table sbom_status) and paused job queues (job_queue_status), as sqlite/jobs.ts.
import type { JobStore, SbomStatus } from '../index.js';
import { PgStore } from './common.js';

export class PgJobStore extends PgStore implements JobStore {
  async setSbomStatus(repository: string, digest: string, x: SbomStatus): Promise<boolean> {
    // One statement: the manifest found and the status written together (none when the manifest is gone).
    return await this.db.run(`INSERT INTO sbom_status (manifest_id, report_id, status, start_time, end_time, sbom_digest, cyclonedx_digest, error)
      SELECT m.id, ?, ?, ?, ?, ?, ?, ? FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE r.name = ? AND m.digest = ?
      ON CONFLICT (manifest_id) DO UPDATE SET report_id = excluded.report_id, status = excluded.status,
        start_time = excluded.start_time, end_time = excluded.end_time, sbom_digest = excluded.sbom_digest,
        cyclonedx_digest = excluded.cyclonedx_digest, error = excluded.error`,
    x.reportId, x.status, x.startTime, x.endTime, x.sbomDigest, x.cyclonedxDigest, x.error, repository, digest) > 0;
  }

  async getSbomStatus(repository: string, digest: string): Promise<SbomStatus | null> {
    const r = await this.db.get<{ report_id: string; status: SbomStatus['status']; start_time: string | null; end_time: string | null;
      sbom_digest: string | null; cyclonedx_digest: string | null; error: string | null }>(`SELECT s.* FROM sbom_status s JOIN manifests m ON m.id = s.manifest_id
        JOIN repositories r ON r.id = m.repository_id WHERE r.name = ? AND m.digest = ?`, repository, digest);
    return r ? {
      reportId: r.report_id, status: r.status, startTime: r.start_time, endTime: r.end_time, sbomDigest: r.sbom_digest,
      cyclonedxDigest: r.cyclonedx_digest, error: r.error,
    } : null;
  }

  async listUnfinishedSbom(): Promise<{ repository: string; digest: string }[]> {
    return this.db.all(`SELECT r.name AS repository, m.digest FROM sbom_status s JOIN manifests m ON m.id = s.manifest_id
        JOIN repositories r ON r.id = m.repository_id WHERE s.status IN ('Pending', 'Running') ORDER BY s.manifest_id`);
  }

  async setQueuePaused(jobType: string, paused: boolean): Promise<void> {
    await this.db.run(`INSERT INTO job_queue_status (job_type, paused) VALUES (?, ?)
      ON CONFLICT (job_type) DO UPDATE SET paused = excluded.paused`, jobType, paused);
  }

  async listPausedQueues(): Promise<string[]> {
    return this.db.column<string>('SELECT job_type FROM job_queue_status WHERE paused ORDER BY job_type');
  }
}
