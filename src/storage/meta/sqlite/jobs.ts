// Job state: SBOM generation status (table sbom_status, one row per manifest, deleted with it) and
// paused job queues (table job_queue_status).
// Beyond its own table: reads repositories and manifests to find the manifest.
import type Database from 'better-sqlite3';
import type { JobStore, SbomStatus } from '../index.js';
import { type Clock, SqliteStore } from './common.js';

export class SqliteJobStore extends SqliteStore implements JobStore {
  private readonly s;

  constructor(db: Database.Database, now: Clock) {
    super(db, now);
    this.s = {
      manifestId: db.prepare('SELECT m.id FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE r.name = ? AND m.digest = ?').pluck(),
      upsertSbom: db.prepare(`INSERT INTO sbom_status (manifest_id, report_id, status, start_time, end_time, sbom_digest, cyclonedx_digest, error)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (manifest_id) DO UPDATE SET report_id = excluded.report_id, status = excluded.status,
        start_time = excluded.start_time, end_time = excluded.end_time, sbom_digest = excluded.sbom_digest,
        cyclonedx_digest = excluded.cyclonedx_digest, error = excluded.error`),
      getSbom: db.prepare(`SELECT s.* FROM sbom_status s JOIN manifests m ON m.id = s.manifest_id
        JOIN repositories r ON r.id = m.repository_id WHERE r.name = ? AND m.digest = ?`),
      unfinishedSbom: db.prepare(`SELECT r.name AS repository, m.digest FROM sbom_status s JOIN manifests m ON m.id = s.manifest_id
        JOIN repositories r ON r.id = m.repository_id WHERE s.status IN ('Pending', 'Running') ORDER BY s.rowid`),
      setPaused: db.prepare(`INSERT INTO job_queue_status (job_type, paused) VALUES (?, ?)
        ON CONFLICT (job_type) DO UPDATE SET paused = excluded.paused`),
      paused: db.prepare('SELECT job_type FROM job_queue_status WHERE paused = 1 ORDER BY job_type').pluck(),
    };
  }

  async setSbomStatus(repository: string, digest: string, x: SbomStatus): Promise<boolean> {
    const id = this.s.manifestId.get(repository, digest) as number | undefined;
    if (id === undefined) return false;
    this.s.upsertSbom.run(id, x.reportId, x.status, x.startTime, x.endTime, x.sbomDigest, x.cyclonedxDigest, x.error);
    return true;
  }

  async getSbomStatus(repository: string, digest: string): Promise<SbomStatus | null> {
    const r = this.s.getSbom.get(repository, digest) as { report_id: string; status: SbomStatus['status']; start_time: string | null;
      end_time: string | null; sbom_digest: string | null; cyclonedx_digest: string | null; error: string | null } | undefined;
    return r ? {
      reportId: r.report_id, status: r.status, startTime: r.start_time, endTime: r.end_time, sbomDigest: r.sbom_digest,
      cyclonedxDigest: r.cyclonedx_digest, error: r.error,
    } : null;
  }

  async listUnfinishedSbom(): Promise<{ repository: string; digest: string }[]> {
    return this.s.unfinishedSbom.all() as { repository: string; digest: string }[];
  }

  async setQueuePaused(jobType: string, paused: boolean): Promise<void> {
    this.s.setPaused.run(jobType, paused ? 1 : 0);
  }

  async listPausedQueues(): Promise<string[]> {
    return this.s.paused.all() as string[];
  }
}
