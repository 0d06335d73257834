// The audit log (Harbor's legacy AuditLog of artifact pulls, pushes and deletes, and 2.13's extended
// log of management operations and logins): append-only logs
// written in batches by one writer (services/audit.ts), and a list query built from Harbor's q= filters.
// The same batch carries pull counts and times (repositories.pull_count, manifests and tags'
// pull_time), written in the same transaction as the rows.
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

/** The audit log. Every method returns a promise (a network database answers later); the writer batches. */
export interface AuditLogStore {
  /**
   * All rows and pulls in one transaction; a pull of something deleted since is skipped. The rows
   * whose operation is in `extOperations` are also written to the extended log in that transaction,
   * as Harbor 2.13 records artifact operations there (EXT_ARTIFACT_DESCRIPTION, result true).
   */
  insertMany(rows: NewAuditLog[], pulls?: PullBatch[], extOperations?: readonly string[]): Promise<void>;
  list(q: AuditQuery): Promise<{ items: AuditLogRecord[]; total: number }>;
  /** Extended entries (auditlog-exts), in one transaction. */
  insertExt(rows: NewAuditLogExt[]): Promise<void>;
  /** The same query over the extended entries. */
  listExt(q: AuditQuery): Promise<{ items: AuditLogExtRecord[]; total: number }>;
  /** Deletes at most `limit` entries older than `before` (ISO) whose operation is one of `operations`; returns how many. */
  purge(before: string, operations: string[], limit: number): Promise<number>;
  /** How many entries purge would delete in all. */
  countPurgeable(before: string, operations: string[]): Promise<number>;
}

/** The extended log's description of an artifact operation, and the same as an SQL expression over an audit_logs row. */
export const extArtifactDescription = (operation: string, resource: string): string => `${operation} artifact: ${resource}`;
export const EXT_ARTIFACT_DESCRIPTION = "operation || ' artifact: ' || resource";

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
