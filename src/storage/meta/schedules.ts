// Schedules and executions of background jobs (garbage collection, audit-log purge, and later
// retention, scan-all, replication): Harbor's pkg/scheduler and pkg/task in one small store.

/** Harbor's ScheduleObj types that are stored ('Manual' runs once and 'None' removes the schedule). */
export type ScheduleType = 'Hourly' | 'Daily' | 'Weekly' | 'Custom' | 'Schedule';

export interface ScheduleRecord {
  /** The job kind, e.g. GARBAGE_COLLECTION. */
  kind: string;
  type: ScheduleType;
  /** Harbor's 6-field cron (seconds first). */
  cron: string;
  parameters: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** Harbor's execution statuses. */
export type ExecutionStatus = 'Pending' | 'Running' | 'Stopped' | 'Error' | 'Success';
export type ExecutionTrigger = 'MANUAL' | 'SCHEDULE';

export interface ExecutionRecord {
  id: number;
  kind: string;
  status: ExecutionStatus;
  trigger: ExecutionTrigger;
  parameters: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** Schedules by job kind, and the executions of every kind (newest first). Times are ISO strings. */
export interface ScheduleStore {
  getSchedule(kind: string): Promise<ScheduleRecord | null>;
  /** Creates or replaces the kind's schedule. */
  putSchedule(s: Omit<ScheduleRecord, 'createdAt' | 'updatedAt'>): Promise<ScheduleRecord>;
  deleteSchedule(kind: string): Promise<boolean>;
  listSchedules(): Promise<ScheduleRecord[]>;
  /**
   * Creates a Running execution of `kind`, unless one is Running already (one job at a time per
   * kind): null then. The check and the insert are one transaction.
   */
  startExecution(kind: string, trigger: ExecutionTrigger, parameters: Record<string, unknown>): Promise<ExecutionRecord | null>;
  /** Ends a Running execution with a final status; false when it was not Running. */
  finishExecution(id: number, status: Exclude<ExecutionStatus, 'Pending' | 'Running'>, parameters?: Record<string, unknown>): Promise<boolean>;
  getExecution(kind: string, id: number): Promise<ExecutionRecord | null>;
  listExecutions(kind: string, page: { offset: number; limit: number }): Promise<{ items: ExecutionRecord[]; total: number }>;
  appendLog(id: number, text: string): Promise<void>;
  getLog(kind: string, id: number): Promise<string | null>;
  /**
   * Ends every execution left Running (its process died) as Error, or only those of `kind`;
   * returns how many. The scheduler calls it for a kind while holding that kind's database lock.
   */
  failUnfinished(kind?: string): Promise<number>;
}
