// The audit log (Harbor's legacy AuditLog of artifact pulls, pushes and deletes, and 2.13's extended
// log of management operations and logins): append-only logs
// written in batches by one writer (services/audit.ts), and a list query built from Harbor's q= filters.
// The same batch carries pull counts and times (repositories.pull_count, manifests and tags'
// pull_time), written in the same transaction as the rows.

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

/** One condition on a column: exact, substring, any of, or a range (inclusive). */
export type AuditCondition =
  | { column: AuditColumn; kind: 'exact'; value: string }
  | { column: AuditColumn; kind: 'fuzzy'; value: string }
  | { column: AuditColumn; kind: 'in'; values: string[] }
  | { column: AuditColumn; kind: 'range'; min?: string; max?: string };

export interface AuditQuery {
  /** Only these projects (undefined: every project). */
  projectIds?: number[];
  where: AuditCondition[];
  /** Newest first unless 'asc'. */
  order?: { column: 'op_time' | 'id'; dir: 'asc' | 'desc' };
  offset: number;
  limit: number;
}

/**
 * The audit log. Synchronous, as the batch writer's flush is (better-sqlite3); a backend on a
 * network database will need these to return promises (issue 16).
 */
export interface AuditLogStore {
  /** All rows and pulls in one transaction; a pull of something deleted since is skipped. */
  insertMany(rows: NewAuditLog[], pulls?: PullBatch[]): void;
  list(q: AuditQuery): { items: AuditLogRecord[]; total: number };
  /** Extended entries (auditlog-exts), in one transaction. */
  insertExt(rows: NewAuditLogExt[]): void;
  /** The same query over the extended entries. */
  listExt(q: AuditQuery): { items: AuditLogExtRecord[]; total: number };
  /** Deletes at most `limit` entries older than `before` (ISO) whose operation is one of `operations`; returns how many. */
  purge(before: string, operations: string[], limit: number): number;
  /** How many entries purge would delete in all. */
  countPurgeable(before: string, operations: string[]): number;
}
