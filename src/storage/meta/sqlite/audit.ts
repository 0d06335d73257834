// The audit_logs table (migration "audit logs"): many rows written in one transaction, and a list
// query built from Harbor's q= filters. Beyond its own table: insertMany writes the batch's pull
// counts and times (repositories.pull_count, manifests.pull_time, repository_tags.pull_time) in the
// same transaction.
import type Database from 'better-sqlite3';
import { auditFilter, EXT_ARTIFACT_DESCRIPTION } from '../audit.js';
import { SQLITE_DIALECT } from '../query.js';
import type { AuditLogExtRecord, AuditLogRecord, AuditLogStore, AuditQuery, NewAuditLog, NewAuditLogExt, PullBatch } from '../index.js';

/** Rows per INSERT statement: one statement of 50 rows costs about half of 50 single-row ones. */
const ROWS_PER_INSERT = 50;
const INSERT = 'INSERT INTO audit_logs (project_id, username, resource, resource_type, operation, op_time) VALUES ';
const INSERT_EXT = `INSERT INTO audit_log_exts (project_id, username, resource, resource_type, operation, operation_description,
  operation_result, op_time) VALUES `;

/** insertMany's copy of its artifact rows into the extended log (the rows after id ?). */
const COPY_TO_EXT = `INSERT INTO audit_log_exts (project_id, username, resource, resource_type, operation, operation_description, operation_result, op_time)
  SELECT project_id, username, resource, resource_type, operation, ${EXT_ARTIFACT_DESCRIPTION}, 1, op_time FROM audit_logs WHERE id > ?`;

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
  private readonly insertOne;
  private readonly lastId;
  private readonly copies = new Map<number, Database.Statement>();
  private readonly insertChunk;
  private readonly p;

  constructor(private readonly db: Database.Database) {
    this.insertOne = db.prepare(`${INSERT}(?, ?, ?, ?, ?, ?)`);
    this.lastId = db.prepare('SELECT coalesce(max(id), 0) FROM audit_logs').pluck();
    this.insertExtOne = db.prepare(`${INSERT_EXT}(?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertExtChunk = db.prepare(INSERT_EXT + new Array(ROWS_PER_INSERT).fill('(?, ?, ?, ?, ?, ?, ?, ?)').join(', '));
    this.insertChunk = db.prepare(INSERT + new Array(ROWS_PER_INSERT).fill('(?, ?, ?, ?, ?, ?)').join(', '));
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

  /**
   * All rows and pulls in one transaction (one WAL commit for a whole batch), rows in chunks of
   * ROWS_PER_INSERT. A pull of something deleted since is skipped.
   */
  async insertMany(rows: NewAuditLog[], pulls: PullBatch[] = [], extOperations: readonly string[] = []): Promise<void> {
    if (rows.length === 0 && pulls.length === 0) return;
    const values = (r: NewAuditLog): (string | number)[] => [r.projectId, r.username, r.resource, r.resourceType, r.operation, r.opTime];
    this.db.transaction(() => {
      // Copied by SQLite from the rows just written (one writer: the transaction is IMMEDIATE).
      const before = extOperations.length && rows.length ? this.lastId.get() as number : -1;
      let i = 0;
      for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) this.insertChunk.run(rows.slice(i, i + ROWS_PER_INSERT).flatMap(values));
      for (; i < rows.length; i++) this.insertOne.run(values(rows[i]));
      if (before >= 0) this.copyToExt(extOperations.length).run(before, ...extOperations);
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

  /** The copy for `n` operations (prepared once per n: at most the three artifact operations). */
  private copyToExt(n: number): Database.Statement {
    let st = this.copies.get(n);
    if (!st) this.copies.set(n, st = this.db.prepare(`${COPY_TO_EXT} AND operation IN (${new Array(n).fill('?').join(', ')}) ORDER BY id`));
    return st;
  }

  async list(q: AuditQuery): Promise<{ items: AuditLogRecord[]; total: number }> {
    const rows = this.select('audit_logs', '', q);
    return { total: rows.total, items: rows.rows.map(record) };
  }

  /** As insertMany's rows: one transaction, in chunks of ROWS_PER_INSERT (the artifact operations come in the pull log's batches). */
  async insertExt(rows: NewAuditLogExt[]): Promise<void> {
    if (rows.length === 0) return;
    const values = (r: NewAuditLogExt): (string | number)[] => [r.projectId, r.username, r.resource, r.resourceType, r.operation,
      r.operationDescription, r.operationResult ? 1 : 0, r.opTime];
    this.db.transaction(() => {
      let i = 0;
      for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) this.insertExtChunk.run(rows.slice(i, i + ROWS_PER_INSERT).flatMap(values));
      for (; i < rows.length; i++) this.insertExtOne.run(values(rows[i]));
    })();
  }

  async listExt(q: AuditQuery): Promise<{ items: AuditLogExtRecord[]; total: number }> {
    const rows = this.select('audit_log_exts', ', operation_description, operation_result', q);
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

  async purge(before: string, operations: string[], limit: number): Promise<number> {
    if (!operations.length) return 0;
    const ops = operations.map(() => '?').join(', ');
    return this.db.prepare(`DELETE FROM audit_logs WHERE id IN (SELECT id FROM audit_logs WHERE op_time < ? AND operation IN (${ops}) LIMIT ?)`)
      .run(before, ...operations, limit).changes;
  }

  async countPurgeable(before: string, operations: string[]): Promise<number> {
    if (!operations.length) return 0;
    const ops = operations.map(() => '?').join(', ');
    return this.db.prepare(`SELECT count(*) FROM audit_logs WHERE op_time < ? AND operation IN (${ops})`).pluck().get(before, ...operations) as number;
  }
}
