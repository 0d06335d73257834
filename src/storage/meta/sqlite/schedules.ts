// Schedules and executions (tables schedules, executions).
import type Database from 'better-sqlite3';
import type { ExecutionRecord, ExecutionStatus, ExecutionTrigger, ScheduleRecord, ScheduleStore } from '../index.js';
import { type Clock, SqliteStore } from './common.js';

interface ExecRow { id: number; kind: string; status: ExecutionStatus; trigger: ExecutionTrigger; parameters: string; created_at: string; updated_at: string }
interface SchedRow { kind: string; type: ScheduleRecord['type']; cron: string; parameters: string; created_at: string; updated_at: string }

const EXEC_COLS = 'id, kind, status, trigger, parameters, created_at, updated_at';

export class SqliteScheduleStore extends SqliteStore implements ScheduleStore {
  private readonly s;

  constructor(db: Database.Database, now: Clock) {
    super(db, now);
    this.s = {
      getSchedule: db.prepare('SELECT * FROM schedules WHERE kind = ?'),
      putSchedule: db.prepare(`INSERT INTO schedules (kind, type, cron, parameters, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (kind) DO UPDATE SET type = excluded.type, cron = excluded.cron, parameters = excluded.parameters, updated_at = excluded.updated_at`),
      deleteSchedule: db.prepare('DELETE FROM schedules WHERE kind = ?'),
      listSchedules: db.prepare('SELECT * FROM schedules ORDER BY kind'),
      running: db.prepare("SELECT 1 FROM executions WHERE kind = ? AND status = 'Running'").pluck(),
      insertExec: db.prepare(`INSERT INTO executions (kind, status, trigger, parameters, created_at, updated_at) VALUES (?, 'Running', ?, ?, ?, ?) RETURNING ${EXEC_COLS}`),
      finish: db.prepare("UPDATE executions SET status = ?, parameters = coalesce(?, parameters), updated_at = ? WHERE id = ? AND status = 'Running'"),
      getExec: db.prepare(`SELECT ${EXEC_COLS} FROM executions WHERE kind = ? AND id = ?`),
      listExec: db.prepare(`SELECT ${EXEC_COLS} FROM executions WHERE kind = ? ORDER BY id DESC LIMIT ? OFFSET ?`),
      countExec: db.prepare('SELECT count(*) FROM executions WHERE kind = ?').pluck(),
      appendLog: db.prepare('INSERT INTO execution_logs (execution_id, text) VALUES (?, ?)'),
      getLog: db.prepare('SELECT l.text FROM execution_logs l WHERE l.execution_id = ? ORDER BY l.id').pluck(),
      failUnfinished: db.prepare("UPDATE executions SET status = 'Error', updated_at = ? WHERE status IN ('Pending', 'Running')"),
      failUnfinishedOf: db.prepare("UPDATE executions SET status = 'Error', updated_at = ? WHERE status IN ('Pending', 'Running') AND kind = ?"),
    };
  }

  async getSchedule(kind: string): Promise<ScheduleRecord | null> {
    const r = this.s.getSchedule.get(kind) as SchedRow | undefined;
    return r ? toSchedule(r) : null;
  }

  async putSchedule(x: Omit<ScheduleRecord, 'createdAt' | 'updatedAt'>): Promise<ScheduleRecord> {
    const t = this.iso();
    this.s.putSchedule.run(x.kind, x.type, x.cron, JSON.stringify(x.parameters), t, t);
    return toSchedule(this.s.getSchedule.get(x.kind) as SchedRow);
  }

  async deleteSchedule(kind: string): Promise<boolean> {
    return this.s.deleteSchedule.run(kind).changes > 0;
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return (this.s.listSchedules.all() as SchedRow[]).map(toSchedule);
  }

  async startExecution(kind: string, trigger: ExecutionTrigger, parameters: Record<string, unknown>): Promise<ExecutionRecord | null> {
    return this.db.transaction(() => {
      if (this.s.running.get(kind)) return null;
      const t = this.iso();
      return toExec(this.s.insertExec.get(kind, trigger, JSON.stringify(parameters), t, t) as ExecRow);
    })();
  }

  async finishExecution(id: number, status: Exclude<ExecutionStatus, 'Pending' | 'Running'>, parameters?: Record<string, unknown>): Promise<boolean> {
    return this.s.finish.run(status, parameters ? JSON.stringify(parameters) : null, this.iso(), id).changes > 0;
  }

  async getExecution(kind: string, id: number): Promise<ExecutionRecord | null> {
    const r = this.s.getExec.get(kind, id) as ExecRow | undefined;
    return r ? toExec(r) : null;
  }

  async listExecutions(kind: string, page: { offset: number; limit: number }): Promise<{ items: ExecutionRecord[]; total: number }> {
    const items = (this.s.listExec.all(kind, page.limit, page.offset) as ExecRow[]).map(toExec);
    return { items, total: this.s.countExec.get(kind) as number };
  }

  async appendLog(id: number, text: string): Promise<void> {
    this.s.appendLog.run(id, text);
  }

  async getLog(kind: string, id: number): Promise<string | null> {
    if (!this.s.getExec.get(kind, id)) return null;
    return (this.s.getLog.all(id) as string[]).join('');
  }

  async failUnfinished(kind?: string): Promise<number> {
    return (kind === undefined ? this.s.failUnfinished.run(this.iso()) : this.s.failUnfinishedOf.run(this.iso(), kind)).changes;
  }
}

function toSchedule(r: SchedRow): ScheduleRecord {
  return { kind: r.kind, type: r.type, cron: r.cron, parameters: JSON.parse(r.parameters) as Record<string, unknown>, createdAt: r.created_at, updatedAt: r.updated_at };
}

function toExec(r: ExecRow): ExecutionRecord {
  return {
    id: r.id, kind: r.kind, status: r.status, trigger: r.trigger, parameters: JSON.parse(r.parameters) as Record<string, unknown>,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}
