// The audit logs (audit_log_exts, and the legacy audit_logs, read and purged only): many rows
// written in one transaction, and a list query built from Harbor's q= filters. Beyond its own
// tables: insertArtifacts writes the batch's pull counts and times (repositories.pull_count,
// manifests.pull_time, repository_tags.pull_time) in the same transaction.
import type Database from 'better-sqlite3';
import { auditFilter, EXT_DESCRIPTION_SQL, PURGE_KIND_SQL } from '../audit.js';
import { SQLITE_DIALECT } from '../query.js';
import type { AuditLogExtRecord, AuditLogRecord, AuditLogStore, AuditLogTable, AuditQuery, NewAuditLog, NewAuditLogExt, PullBatch } from '../index.js';

/** Rows per INSERT statement: one statement of 50 rows costs about half of 50 single-row ones. */
const ROWS_PER_INSERT = 50;
const INSERT_EXT = `INSERT INTO audit_log_exts (project_id, username, resource, resource_type, operation, operation_description,
  operation_result, op_time) VALUES `;

interface Row {
  id: number; project_id: number; username: string; resource: string; resource_type: string; operation: string; op_time: string;
  operation_description?: string; operation_result?: number;
}

const record = (r: Row): AuditLogRecord => ({
  id: r.id, projectId: r.project_id, username: r.username, resource: r.resource, resourceType: r.resource_type, operation: r.operation, opTime: r.op_time,
});

export class SqliteAuditLogStore implements AuditLogStore {
  private readonly insertExtOne;
  private readonly insertExtChunk;
  private readonly p;

  constructor(private readonly db: Database.Database) {
    this.insertExtOne = db.prepare(`${INSERT_EXT}(?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertExtChunk = db.prepare(INSERT_EXT + new Array(ROWS_PER_INSERT).fill('(?, ?, ?, ?, ?, ?, ?, ?)').join(', '));
    // Pull counts and times (migration 9), as Harbor's artifact event handler keeps them: the
    // repository's count, the pulled artifact's time, the tag's when pulled by tag, and the time of
    // the indexes in the repository that reference the artifact.
    const later = 'CASE WHEN pull_time IS NULL OR pull_time < ? THEN ? ELSE pull_time END';
    this.p = {
      count: db.prepare('UPDATE repositories SET pull_count = pull_count + ? WHERE name = ? RETURNING id').pluck(),
      byDigest: db.prepare('SELECT id, digest FROM manifests WHERE repository_id = ? AND digest = ?'),
      byTag: db.prepare(`SELECT m.id, m.digest FROM repository_tags t JOIN manifests m ON m.id = t.manifest_id
        WHERE t.repository_id = ? AND t.name = ?`),
      artifact: db.prepare(`UPDATE manifests SET pull_time = ${later} WHERE id = ?`),
      tag: db.prepare(`UPDATE repository_tags SET pull_time = ${later} WHERE repository_id = ? AND name = ?`),
      parents: db.prepare(`UPDATE manifests SET pull_time = ${later} WHERE id IN (SELECT x.manifest_id FROM manifest_refs x
        JOIN manifests p ON p.id = x.manifest_id WHERE x.kind = 'manifest' AND x.digest = ? AND p.repository_id = ?)`),
    };
  }

  /** The rows (to the extended log, their description made when read) and the pulls in one transaction: one WAL commit for a whole batch. A pull of something deleted since is skipped. */
  async insertArtifacts(rows: NewAuditLog[], pulls: PullBatch[] = []): Promise<void> {
    if (rows.length === 0 && pulls.length === 0) return;
    this.db.transaction(() => {
      this.writeExt(rows, (r) => [r.projectId, r.username, r.resource, r.resourceType, r.operation, '', 1, r.opTime]);
      for (const x of pulls) {
        const repoId = this.p.count.get(x.count, x.repository) as number | undefined;
        if (repoId === undefined) continue;
        const byDigest = x.reference.includes(':');
        const m = (byDigest ? this.p.byDigest : this.p.byTag).get(repoId, x.reference) as { id: number; digest: string } | undefined;
        if (!m) continue;
        this.p.artifact.run(x.last, x.last, m.id);
        if (!byDigest) this.p.tag.run(x.last, x.last, repoId, x.reference);
        this.p.parents.run(x.last, x.last, m.digest, repoId);
      }
    })();
  }

  async list(q: AuditQuery): Promise<{ items: AuditLogRecord[]; total: number }> {
    const rows = this.select('audit_logs', '', q);
    return { total: rows.total, items: rows.rows.map(record) };
  }

  /** One transaction (the artifact operations come in the pull log's batches, insertArtifacts). */
  async insertExt(rows: NewAuditLogExt[]): Promise<void> {
    if (rows.length === 0) return;
    this.db.transaction(() => this.writeExt(rows, (r) => [r.projectId, r.username, r.resource, r.resourceType, r.operation,
      r.operationDescription, r.operationResult ? 1 : 0, r.opTime]))();
  }

  /** Rows in chunks of ROWS_PER_INSERT, within the caller's transaction; `values` gives a row's columns in INSERT_EXT's order. */
  private writeExt<T>(rows: T[], values: (r: T) => (string | number)[]): void {
    let i = 0;
    for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) this.insertExtChunk.run(rows.slice(i, i + ROWS_PER_INSERT).flatMap(values));
    for (; i < rows.length; i++) this.insertExtOne.run(values(rows[i]));
  }

  async listExt(q: AuditQuery): Promise<{ items: AuditLogExtRecord[]; total: number }> {
    const rows = this.select('audit_log_exts', `, ${EXT_DESCRIPTION_SQL}, operation_result`, q);
    return {
      total: rows.total,
      items: rows.rows.map((r) => ({ ...record(r), operationDescription: r.operation_description!, operationResult: r.operation_result === 1 })),
    };
  }

  /** One of the two logs, filtered, ordered and paged (the table and the extra columns are ours, never the request's). */
  private select(table: 'audit_logs' | 'audit_log_exts', extra: string, q: AuditQuery): { rows: Row[]; total: number } {
    const f = auditFilter(q, SQLITE_DIALECT);
    if (!f) return { rows: [], total: 0 };
    const { where, args } = f;
    const total = (this.db.prepare(`SELECT count(*) AS n FROM ${table} ${where}`).get(...args) as { n: number }).n;
    const rows = this.db.prepare(`SELECT id, project_id, username, resource, resource_type, operation, op_time${extra} FROM ${table} ${where}
      ${f.orderBy} LIMIT ? OFFSET ?`).all(...args, q.limit, q.offset) as Row[];
    return { rows, total };
  }

  async purge(table: AuditLogTable, before: string, kinds: string[], limit: number): Promise<number> {
    if (!kinds.length) return 0;
    const t = PURGE_KIND_SQL[table];
    return this.db.prepare(`DELETE FROM ${t.table} WHERE id IN (SELECT id FROM ${t.table} WHERE op_time < ? AND ${t.kind} IN (${kinds.map(() => '?').join(', ')}) LIMIT ?)`)
      .run(before, ...kinds, limit).changes;
  }

  async countPurgeable(table: AuditLogTable, before: string, kinds: string[]): Promise<number> {
    if (!kinds.length) return 0;
    const t = PURGE_KIND_SQL[table];
    return this.db.prepare(`SELECT count(*) FROM ${t.table} WHERE op_time < ? AND ${t.kind} IN (${kinds.map(() => '?').join(', ')})`).pluck().get(before, ...kinds) as number;
  }
}
