// The audit log: Harbor 2.13's extended log (artifact pulls, pushes and deletes, management
// operations and logins) and the legacy AuditLog, which held the artifact operations before 2.13 and
// is now only read and purged, as in Harbor. Append-only, written in batches (services/audit.ts
// and audit-ext.ts), and listed with a query built from Harbor's q= filters. A batch of artifact
// operations carries pull counts and times (repositories.pull_count, manifests and tags'
// pull_time), written in the same transaction as its rows.
import { conditionsSql, type Column, type Condition, type Dialect } from './query.js';

export interface AuditLogRecord {
  id: number;
  projectId: number;
  username: string;
  /** project/repo:tag or project/repo@digest, as Harbor writes it. */
  resource: string;
  resourceType: string;
  operation: string;
  /** RFC 3339 UTC. */
  opTime: string;
}

export type NewAuditLog = Omit<AuditLogRecord, 'id'>;

/**
 * Harbor 2.13's extended audit log (AuditLogExt): management operations and logins. `projectId` is
 * 0 for what belongs to no project (users, registries, configuration, logins).
 */
export interface AuditLogExtRecord extends AuditLogRecord {
  operationDescription: string;
  operationResult: boolean;
}

export type NewAuditLogExt = Omit<AuditLogExtRecord, 'id'>;

/** Pulls of one repository by one reference (a tag or a digest) within a batch: how many, and the last one's time (ISO). */
export interface PullBatch { repository: string; reference: string; count: number; last: string }

export type AuditColumn = 'username' | 'resource' | 'resource_type' | 'operation' | 'op_time';

/** One condition on a column of the audit log (storage/meta/query.ts). */
export type AuditCondition = Condition<AuditColumn>;

export interface AuditQuery {
  /** Only these projects (undefined: every project). */
  projectIds?: number[];
  where: AuditCondition[];
  /** Newest first unless 'asc'. */
  order?: { column: 'op_time' | 'id'; dir: 'asc' | 'desc' };
  offset: number;
  limit: number;
}

/** The two logs: Harbor's legacy AuditLog (audit_logs, written before Harbor 2.13) and the extended one (audit_log_exts). */
export type AuditLogTable = 'legacy' | 'ext';

/** The audit log. Every method returns a promise (a network database answers later); the writer batches. */
export interface AuditLogStore {
  /**
   * Artifact operations (pull, create, delete) and the pull counts of a batch, in one transaction.
   * The rows go to the extended log, as Harbor 2.13 records them (extArtifactDescription, made when
   * read: EXT_DESCRIPTION_SQL; result true); the legacy log is no longer written. A pull of
   * something deleted since is skipped.
   */
  insertArtifacts(rows: NewAuditLog[], pulls?: PullBatch[]): Promise<void>;
  /** The legacy log (audit_logs): what was recorded before artifact operations moved to the extended log. */
  list(q: AuditQuery): Promise<{ items: AuditLogRecord[]; total: number }>;
  /** Extended entries (auditlog-exts), in one transaction. */
  insertExt(rows: NewAuditLogExt[]): Promise<void>;
  /** The same query over the extended entries. */
  listExt(q: AuditQuery): Promise<{ items: AuditLogExtRecord[]; total: number }>;
  /**
   * Deletes at most `limit` entries of one log older than `before` (ISO) and of the given kinds:
   * operations (pull, create, delete) in the legacy log, event types (`operation_resourcetype`, as
   * GET /auditlog-exts/events names them) in the extended one; returns how many.
   */
  purge(table: AuditLogTable, before: string, kinds: string[], limit: number): Promise<number>;
  /** How many entries purge would delete in all. */
  countPurgeable(table: AuditLogTable, before: string, kinds: string[]): Promise<number>;
}

/** The column a purge's kinds are matched against, per log. */
export const PURGE_KIND_SQL: Record<AuditLogTable, { table: string; kind: string }> = {
  legacy: { table: 'audit_logs', kind: 'operation' },
  ext: { table: 'audit_log_exts', kind: "operation || '_' || resource_type" },
};

/** The extended log's description of an artifact operation. */
export const extArtifactDescription = (operation: string, resource: string): string => `${operation} artifact: ${resource}`;

/**
 * The operation_description column as listExt reads it. insertArtifacts stores '' for an artifact
 * row (a row is written per pull, and the description, made of its operation and resource, was a
 * third of its bytes: ~0.7 µs of the ~3 µs a row costs), and the reader makes extArtifactDescription
 * of it; rows written before, and by the forwarding path, hold their text.
 */
export const EXT_DESCRIPTION_SQL = `CASE WHEN operation_description = '' AND resource_type = 'artifact' THEN operation || ' artifact: ' || resource
  ELSE operation_description END AS operation_description`;

const COLUMNS: Record<AuditColumn, Column> = {
  username: { sql: 'username' }, resource: { sql: 'resource' }, resource_type: { sql: 'resource_type' }, operation: { sql: 'operation' }, op_time: { sql: 'op_time' },
};

/**
 * The WHERE clause (with `?` placeholders, the same SQL on every backend) and ORDER BY of a
 * query; null when it can match nothing (no visible project).
 */
export function auditFilter(q: AuditQuery, dialect: Dialect): { where: string; args: (string | number)[]; orderBy: string } | null {
  const clauses: string[] = [];
  const args: (string | number)[] = [];
  if (q.projectIds) {
    if (q.projectIds.length === 0) return null;
    clauses.push(`project_id IN (${q.projectIds.map(() => '?').join(', ')})`);
    args.push(...q.projectIds);
  }
  const w = conditionsSql(COLUMNS, q.where, dialect);
  clauses.push(...w.clauses);
  args.push(...w.args);
  // Newest first by default: id order, which is time order (rows are appended as they happen).
  const order = q.order ?? { column: 'id', dir: 'desc' };
  const dir = order.dir === 'asc' ? 'ASC' : 'DESC';
  return {
    where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '',
    args,
    orderBy: `ORDER BY ${order.column === 'id' ? '' : `op_time ${dir}, `}id ${dir}`,
  };
}
