// The audit logs (audit_log_exts, and the legacy audit_logs, read and purged only), as
// sqlite/audit.ts: a batch is one transaction, its rows one INSERT over unnest()ed arrays, and its
// pull counts and times written beside them.
import { auditFilter, EXT_DESCRIPTION_SQL, PURGE_KIND_SQL } from '../audit.js';
import { PG_DIALECT } from '../query.js';
import type { AuditLogExtRecord, AuditLogRecord, AuditLogStore, AuditLogTable, AuditQuery, NewAuditLog, NewAuditLogExt, PullBatch } from '../index.js';
import { type Conn, PgStore } from './common.js';

interface Row {
  id: number; project_id: number; username: string; resource: string; resource_type: string; operation: string; op_time: string;
  operation_description?: string; operation_result?: boolean;
}

const record = (r: Row): AuditLogRecord => ({
  id: r.id, projectId: r.project_id, username: r.username, resource: r.resource, resourceType: r.resource_type, operation: r.operation, opTime: r.op_time,
});

/** Pull times only move forward (Harbor's artifact event handler). */
const LATER = 'CASE WHEN pull_time IS NULL OR pull_time < ? THEN ? ELSE pull_time END';

export class PgAuditLogStore extends PgStore implements AuditLogStore {
  async insertArtifacts(rows: NewAuditLog[], pulls: PullBatch[] = []): Promise<void> {
    if (rows.length === 0 && pulls.length === 0) return;
    await this.tx(async (c) => {
      if (rows.length) await this.writeExt(c, rows.map((r) => ({ ...r, operationDescription: '', operationResult: true }))); // the description is made when read
      for (const x of pulls) await this.pull(c, x);
    });
  }

  /** The repository's count, the pulled artifact's time, the tag's when pulled by tag, and the time of the indexes of the repository that reference it. */
  private async pull(c: Conn, x: PullBatch): Promise<void> {
    const repoId = await c.value<number>('UPDATE repositories SET pull_count = pull_count + ? WHERE name = ? RETURNING id', x.count, x.repository);
    if (repoId === undefined) return;
    const byDigest = x.reference.includes(':');
    const m = await c.get<{ id: number; digest: string }>(byDigest
      ? 'SELECT id, digest FROM manifests WHERE repository_id = ? AND digest = ?'
      : 'SELECT m.id, m.digest FROM repository_tags t JOIN manifests m ON m.id = t.manifest_id WHERE t.repository_id = ? AND t.name = ?', repoId, x.reference);
    if (!m) return;
    await c.run(`UPDATE manifests SET pull_time = ${LATER} WHERE id = ?`, x.last, x.last, m.id);
    if (!byDigest) await c.run(`UPDATE repository_tags SET pull_time = ${LATER} WHERE repository_id = ? AND name = ?`, x.last, x.last, repoId, x.reference);
    await c.run(`UPDATE manifests SET pull_time = ${LATER} WHERE id IN (SELECT x.manifest_id FROM manifest_refs x
        JOIN manifests p ON p.id = x.manifest_id WHERE x.kind = 'manifest' AND x.digest = ? AND p.repository_id = ?)`, x.last, x.last, m.digest, repoId);
  }

  async list(q: AuditQuery): Promise<{ items: AuditLogRecord[]; total: number }> {
    const rows = await this.select('audit_logs', '', q);
    return { total: rows.total, items: rows.rows.map(record) };
  }

  async insertExt(rows: NewAuditLogExt[]): Promise<void> {
    if (rows.length === 0) return;
    await this.writeExt(this.db, rows);
  }

  /** One INSERT of every row, in order (WITH ORDINALITY: ids follow the batch). */
  private async writeExt(c: Conn, rows: NewAuditLogExt[]): Promise<void> {
    await c.run(`INSERT INTO audit_log_exts (project_id, username, resource, resource_type, operation, operation_description, operation_result, op_time)
      SELECT project_id, username, resource, resource_type, operation, operation_description, operation_result, op_time
      FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::boolean[], ?::text[]) WITH ORDINALITY
        AS x(project_id, username, resource, resource_type, operation, operation_description, operation_result, op_time, n) ORDER BY n`,
    rows.map((r) => r.projectId), rows.map((r) => r.username), rows.map((r) => r.resource), rows.map((r) => r.resourceType), rows.map((r) => r.operation),
    rows.map((r) => r.operationDescription), rows.map((r) => r.operationResult), rows.map((r) => r.opTime));
  }

  async listExt(q: AuditQuery): Promise<{ items: AuditLogExtRecord[]; total: number }> {
    const rows = await this.select('audit_log_exts', `, ${EXT_DESCRIPTION_SQL}, operation_result`, q);
    return {
      total: rows.total,
      items: rows.rows.map((r) => ({ ...record(r), operationDescription: r.operation_description!, operationResult: r.operation_result! })),
    };
  }

  /** One of the two logs, filtered, ordered and paged (the table and the extra columns are ours, never the request's). */
  private async select(table: 'audit_logs' | 'audit_log_exts', extra: string, q: AuditQuery): Promise<{ rows: Row[]; total: number }> {
    const f = auditFilter(q, PG_DIALECT);
    if (!f) return { rows: [], total: 0 };
    const total = (await this.db.value<number>(`SELECT count(*) FROM ${table} ${f.where}`, ...f.args))!;
    const rows = await this.db.all<Row>(`SELECT id, project_id, username, resource, resource_type, operation, op_time${extra} FROM ${table} ${f.where}
      ${f.orderBy} LIMIT ? OFFSET ?`, ...f.args, q.limit, q.offset);
    return { rows, total };
  }

  async purge(table: AuditLogTable, before: string, kinds: string[], limit: number): Promise<number> {
    if (!kinds.length) return 0;
    const t = PURGE_KIND_SQL[table];
    return this.db.run(`DELETE FROM ${t.table} WHERE id IN (SELECT id FROM ${t.table} WHERE op_time < ? AND ${t.kind} = ANY(?) LIMIT ?)`, before, kinds, limit);
  }

  async countPurgeable(table: AuditLogTable, before: string, kinds: string[]): Promise<number> {
    if (!kinds.length) return 0;
    const t = PURGE_KIND_SQL[table];
    return (await this.db.value<number>(`SELECT count(*) FROM ${t.table} WHERE op_time < ? AND ${t.kind} = ANY(?)`, before, kinds))!;
  }
}
