// Schedules and executions (tables schedules, executions, execution_logs), as sqlite/schedules.ts.
import type { ExecutionRecord, ExecutionStatus, ExecutionTrigger, ScheduleRecord, ScheduleStore } from '../index.js';
import { PgStore } from './common.js';

interface ExecRow { id: number; kind: string; status: ExecutionStatus; trigger: ExecutionTrigger; parameters: string; created_at: string; updated_at: string }
interface SchedRow { kind: string; type: ScheduleRecord['type']; cron: string; parameters: string; created_at: string; updated_at: string }

const EXEC_COLS = 'id, kind, status, trigger, parameters, created_at, updated_at';

function toSchedule(r: SchedRow): ScheduleRecord {
  return { kind: r.kind, type: r.type, cron: r.cron, parameters: JSON.parse(r.parameters) as Record<string, unknown>, createdAt: r.created_at, updatedAt: r.updated_at };
}

function toExec(r: ExecRow): ExecutionRecord {
  return {
    id: r.id, kind: r.kind, status: r.status, trigger: r.trigger, parameters: JSON.parse(r.parameters) as Record<string, unknown>,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export class PgScheduleStore extends PgStore implements ScheduleStore {
  async getSchedule(kind: string): Promise<ScheduleRecord | null> {
    const r = await this.db.get<SchedRow>('SELECT * FROM schedules WHERE kind = ?', kind);
    return r ? toSchedule(r) : null;
  }

  async putSchedule(x: Omit<ScheduleRecord, 'createdAt' | 'updatedAt'>): Promise<ScheduleRecord> {
    const t = this.iso();
    return toSchedule((await this.db.get<SchedRow>(`INSERT INTO schedules (kind, type, cron, parameters, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (kind) DO UPDATE SET type = excluded.type, cron = excluded.cron, parameters = excluded.parameters, updated_at = excluded.updated_at
      RETURNING *`, x.kind, x.type, x.cron, JSON.stringify(x.parameters), t, t))!);
  }

  async deleteSchedule(kind: string): Promise<boolean> {
    return await this.db.run('DELETE FROM schedules WHERE kind = ?', kind) > 0;
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return (await this.db.all<SchedRow>('SELECT * FROM schedules ORDER BY kind')).map(toSchedule);
  }

  async startExecution(kind: string, trigger: ExecutionTrigger, parameters: Record<string, unknown>): Promise<ExecutionRecord | null> {
    return this.tx(async (c) => {
      // One starter per kind at a time, on every replica: the check and the insert under a lock on the kind.
      await c.run("SELECT pg_advisory_xact_lock(hashtext('harborctl-execution:' || ?))", kind);
      if (await c.value("SELECT 1 FROM executions WHERE kind = ? AND status = 'Running'", kind)) return null;
      const t = this.iso();
      return toExec((await c.get<ExecRow>(`INSERT INTO executions (kind, status, trigger, parameters, created_at, updated_at) VALUES (?, 'Running', ?, ?, ?, ?)
        RETURNING ${EXEC_COLS}`, kind, trigger, JSON.stringify(parameters), t, t))!);
    });
  }

  async finishExecution(id: number, status: Exclude<ExecutionStatus, 'Pending' | 'Running'>, parameters?: Record<string, unknown>): Promise<boolean> {
    return await this.db.run("UPDATE executions SET status = ?, parameters = coalesce(?, parameters), updated_at = ? WHERE id = ? AND status = 'Running'",
      status, parameters ? JSON.stringify(parameters) : null, this.iso(), id) > 0;
  }

  async getExecution(kind: string, id: number): Promise<ExecutionRecord | null> {
    const r = await this.db.get<ExecRow>(`SELECT ${EXEC_COLS} FROM executions WHERE kind = ? AND id = ?`, kind, id);
    return r ? toExec(r) : null;
  }

  async listExecutions(kind: string, page: { offset: number; limit: number }): Promise<{ items: ExecutionRecord[]; total: number }> {
    const items = (await this.db.all<ExecRow>(`SELECT ${EXEC_COLS} FROM executions WHERE kind = ? ORDER BY id DESC LIMIT ? OFFSET ?`, kind, page.limit, page.offset)).map(toExec);
    return { items, total: (await this.db.value<number>('SELECT count(*) FROM executions WHERE kind = ?', kind))! };
  }

  async appendLog(id: number, text: string): Promise<void> {
    await this.db.run('INSERT INTO execution_logs (execution_id, text) VALUES (?, ?)', id, text);
  }

  async getLog(kind: string, id: number): Promise<string | null> {
    if (!(await this.db.value(`SELECT 1 FROM executions WHERE kind = ? AND id = ?`, kind, id))) return null;
    return (await this.db.column<string>('SELECT l.text FROM execution_logs l WHERE l.execution_id = ? ORDER BY l.id', id)).join('');
  }

  async failUnfinished(kind?: string): Promise<number> {
    if (kind !== undefined) return this.db.run("UPDATE executions SET status = 'Error', updated_at = ? WHERE status IN ('Pending', 'Running') AND kind = ?", this.iso(), kind);
    return this.db.run("UPDATE executions SET status = 'Error', updated_at = ? WHERE status IN ('Pending', 'Running')", this.iso());
  }
}
