// The audit_logs table (migration "audit logs"): many rows written in one transaction, and a list
// query built from Harbor's q= filters. Kept out of MetadataStore: it is an append-only log with no
// part in a push's transaction, and a batch writer is its only writer (services/audit.ts).
import type Database from 'better-sqlite3';

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

const COLUMNS: ReadonlySet<string> = new Set(['username', 'resource', 'resource_type', 'operation', 'op_time']);

/** Rows per INSERT statement: one statement of 50 rows costs about half of 50 single-row ones. */
const ROWS_PER_INSERT = 50;
const INSERT = 'INSERT INTO audit_logs (project_id, username, resource, resource_type, operation, op_time) VALUES ';

export class SqliteAuditLogStore {
  private readonly insertOne;
  private readonly insertChunk;

  constructor(private readonly db: Database.Database) {
    this.insertOne = db.prepare(`${INSERT}(?, ?, ?, ?, ?, ?)`);
    this.insertChunk = db.prepare(INSERT + new Array(ROWS_PER_INSERT).fill('(?, ?, ?, ?, ?, ?)').join(', '));
  }

  /** All rows in one transaction (one WAL commit for a whole batch), in chunks of ROWS_PER_INSERT. */
  insertMany(rows: NewAuditLog[]): void {
    if (rows.length === 0) return;
    const values = (r: NewAuditLog): (string | number)[] => [r.projectId, r.username, r.resource, r.resourceType, r.operation, r.opTime];
    this.db.transaction((batch: NewAuditLog[]) => {
      let i = 0;
      for (; i + ROWS_PER_INSERT <= batch.length; i += ROWS_PER_INSERT) this.insertChunk.run(batch.slice(i, i + ROWS_PER_INSERT).flatMap(values));
      for (; i < batch.length; i++) this.insertOne.run(values(batch[i]));
    })(rows);
  }

  list(q: AuditQuery): { items: AuditLogRecord[]; total: number } {
    const clauses: string[] = [];
    const args: (string | number)[] = [];
    if (q.projectIds) {
      if (q.projectIds.length === 0) return { items: [], total: 0 };
      clauses.push(`project_id IN (${q.projectIds.map(() => '?').join(', ')})`);
      args.push(...q.projectIds);
    }
    for (const c of q.where) {
      // Column names come from a fixed set, never from the request text.
      if (!COLUMNS.has(c.column)) throw new Error(`unknown audit log column ${c.column}`);
      switch (c.kind) {
        case 'exact': clauses.push(`${c.column} = ?`); args.push(c.value); break;
        case 'fuzzy': clauses.push(`${c.column} LIKE ? ESCAPE '\\'`); args.push(`%${c.value.replace(/[\\%_]/g, (x) => `\\${x}`)}%`); break;
        case 'in': clauses.push(c.values.length === 0 ? '0' : `${c.column} IN (${c.values.map(() => '?').join(', ')})`); args.push(...c.values); break;
        case 'range':
          if (c.min !== undefined) { clauses.push(`${c.column} >= ?`); args.push(c.min); }
          if (c.max !== undefined) { clauses.push(`${c.column} <= ?`); args.push(c.max); }
          break;
      }
    }
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT count(*) AS n FROM audit_logs ${where}`).get(...args) as { n: number }).n;
    // Newest first by default: id order, which is time order (rows are appended as they happen).
    const order = q.order ?? { column: 'id', dir: 'desc' };
    const dir = order.dir === 'asc' ? 'ASC' : 'DESC';
    const rows = this.db.prepare(`SELECT id, project_id, username, resource, resource_type, operation, op_time FROM audit_logs ${where}
      ORDER BY ${order.column === 'id' ? '' : `op_time ${dir}, `}id ${dir} LIMIT ? OFFSET ?`)
      .all(...args, q.limit, q.offset) as { id: number; project_id: number; username: string; resource: string; resource_type: string; operation: string; op_time: string }[];
    return {
      total,
      items: rows.map((r) => ({ id: r.id, projectId: r.project_id, username: r.username, resource: r.resource, resourceType: r.resource_type, operation: r.operation, opTime: r.op_time })),
    };
  }
}
