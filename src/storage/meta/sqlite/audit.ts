// The audit logs (audit_log_exts, and the legacy audit_logs, read and purged only): many rows
// written in one transaction, and a list query built from Harbor's q= filters. Beyond its own
// tables: insertArtifacts writes the batch's pull counts and times (repositories.pull_count,
// manifests.pull_time, repository_tags.pull_time) in the same transaction. The writes run in the
// SQLite worker (worker.ts), the reads and purges on the serving connection.
import type Database from 'better-sqlite3';
import { auditFilter, EXT_DESCRIPTION_SQL, PURGE_KIND_SQL } from '../audit.js';
import { SQLITE_DIALECT } from '../query.js';
import type { Step, SqliteWorker } from './worker.js';
import type { AuditLogExtRecord, AuditLogRecord, AuditLogStore, AuditLogTable, AuditQuery, NewAuditLog, NewAuditLogExt, PullBatch } from '../index.js';

/** Rows per INSERT statement: one statement of 50 rows costs about half of 50 single-row ones. */
const ROWS_PER_INSERT = 50;
const INSERT_EXT = `INSERT INTO audit_log_exts (project_id, username, resource, resource_type, operation, operation_description,
  operation_result, op_time) VALUES `;
const INSERT_EXT_ONE = `${INSERT_EXT}(?, ?, ?, ?, ?, ?, ?, ?)`;
const INSERT_EXT_CHUNK = INSERT_EXT + new Array(ROWS_PER_INSERT).fill('(?, ?, ?, ?, ?, ?, ?, ?)').join(', ');

// Pull counts and times (migration 9), as Harbor's artifact event handler keeps them: the
// repository's count, the pulled artifact's time, the tag's when pulled by tag, and the time of the
// indexes in the repository that reference the artifact. Each statement finds what it changes by the
// repository's name and the reference (they run in the SQLite worker, which has nothing but SQL); a
// pull of something deleted since changes nothing. Parameters, in their order in the text: the
// pulled artifact's (repository, reference), then the pull time twice.
const LATER = 'CASE WHEN pull_time IS NULL OR pull_time < ? THEN ? ELSE pull_time END';
const pullSql = (pulled: string): { artifact: string; parents: string } => ({
  artifact: `WITH pulled AS (${pulled}) UPDATE manifests SET pull_time = ${LATER} WHERE id = (SELECT id FROM pulled)`,
  parents: `WITH pulled AS (${pulled}) UPDATE manifests SET pull_time = ${LATER} WHERE id IN (SELECT x.manifest_id FROM manifest_refs x
    JOIN manifests p ON p.id = x.manifest_id WHERE x.kind = 'manifest' AND x.digest = (SELECT digest FROM pulled)
    AND p.repository_id = (SELECT repository_id FROM pulled))`,
});
const PULL_SQL = {
  /** (count, repository) */
  count: 'UPDATE repositories SET pull_count = pull_count + ? WHERE name = ?',
  /** (repository, tag, time, time) */
  tag: `WITH pulled AS (SELECT t.id FROM repository_tags t JOIN repositories r ON r.id = t.repository_id WHERE r.name = ? AND t.name = ?)
    UPDATE repository_tags SET pull_time = ${LATER} WHERE id = (SELECT id FROM pulled)`,
  digest: pullSql('SELECT m.id, m.digest, m.repository_id FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE r.name = ? AND m.digest = ?'),
  byTag: pullSql(`SELECT m.id, m.digest, m.repository_id FROM repository_tags t JOIN repositories r ON r.id = t.repository_id
    JOIN manifests m ON m.id = t.manifest_id WHERE r.name = ? AND t.name = ?`),
};

interface Row {
  id: number; project_id: number; username: string; resource: string; resource_type: string; operation: string; op_time: string;
  operation_description?: string; operation_result?: number;
}

const record = (r: Row): AuditLogRecord => ({
  id: r.id, projectId: r.project_id, username: r.username, resource: r.resource, resourceType: r.resource_type, operation: r.operation, opTime: r.op_time,
});

export class SqliteAuditLogStore implements AuditLogStore {
  constructor(private readonly db: Database.Database, private readonly worker: SqliteWorker) {}

  /**
   * The rows (to the extended log, their description made when read) and the pulls in one
   * transaction, in the SQLite worker: one WAL commit for a whole batch, none of it on the serving
   * thread. A pull of something deleted since is skipped.
   */
  async insertArtifacts(rows: NewAuditLog[], pulls: PullBatch[] = []): Promise<void> {
    const steps = extSteps(rows, (r) => [r.projectId, r.username, r.resource, r.resourceType, r.operation, '', 1, r.opTime]);
    for (const x of pulls) {
      const byDigest = x.reference.includes(':');
      const sql = byDigest ? PULL_SQL.digest : PULL_SQL.byTag;
      const params = [x.repository, x.reference, x.last, x.last];
      steps.push([PULL_SQL.count, [x.count, x.repository]], [sql.artifact, params]);
      if (!byDigest) steps.push([PULL_SQL.tag, params]);
      steps.push([sql.parents, params]);
    }
    await this.worker.transact(steps);
  }

  async list(q: AuditQuery): Promise<{ items: AuditLogRecord[]; total: number }> {
    const rows = this.select('audit_logs', '', q);
    return { total: rows.total, items: rows.rows.map(record) };
  }

  /** One transaction, in the SQLite worker as insertArtifacts (the artifact operations come in the pull log's batches there). */
  async insertExt(rows: NewAuditLogExt[]): Promise<void> {
    await this.worker.transact(extSteps(rows, (r) => [r.projectId, r.username, r.resource, r.resourceType, r.operation,
      r.operationDescription, r.operationResult ? 1 : 0, r.opTime]));
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

/** The INSERTs of rows to the extended log, ROWS_PER_INSERT a statement; `values` gives a row's columns in INSERT_EXT's order. */
function extSteps<T>(rows: T[], values: (r: T) => (string | number)[]): Step[] {
  const steps: Step[] = [];
  for (let i = 0; i < rows.length;) {
    const n = rows.length - i >= ROWS_PER_INSERT ? ROWS_PER_INSERT : 1;
    const params: (string | number)[] = [];
    for (const end = i + n; i < end; i++) params.push(...values(rows[i]));
    steps.push([n === 1 ? INSERT_EXT_ONE : INSERT_EXT_CHUNK, params]);
  }
  return steps;
}
