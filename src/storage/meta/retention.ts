// Tag retention (Harbor's /retentions): one policy per project, kept as JSON (the services parse
// it), its executions and their per-repository tasks with each task's log.

export interface RetentionPolicyRecord { id: number; projectId: number; policy: string }

export type RetentionStatus = 'Running' | 'Success' | 'Error' | 'Stopped';

export interface RetentionExecutionRecord {
  id: number;
  policyId: number;
  status: RetentionStatus;
  /** Harbor's trigger: MANUAL or SCHEDULE. */
  trigger: string;
  dryRun: boolean;
  startTime: string;
  endTime: string | null;
}

export interface RetentionTaskRecord {
  id: number;
  executionId: number;
  repository: string;
  status: RetentionStatus;
  statusCode: number;
  startTime: string;
  endTime: string | null;
  /** Artifacts the task looked at, and how many of them it kept. */
  total: number;
  retained: number;
}

export interface RetentionTaskResult { status: RetentionStatus; total: number; retained: number; log: string }

/** Retention policies, executions and tasks. */
export interface RetentionStore {
  /**
   * Stores the project's policy and sets the project's `retention_id` metadata to its id, in one
   * transaction; CONFLICT when the project has a policy already.
   */
  createRetentionPolicy(projectId: number, policy: string): Promise<RetentionPolicyRecord>;
  getRetentionPolicy(id: number): Promise<RetentionPolicyRecord | null>;
  /** Every project's policy, by id (the scheduler registers their crons at start). */
  listRetentionPolicies(): Promise<RetentionPolicyRecord[]>;
  updateRetentionPolicy(id: number, policy: string): Promise<boolean>;
  /** Removes the policy with its executions and the project's `retention_id`. */
  deleteRetentionPolicy(id: number): Promise<boolean>;
  /** A new execution, Running from now. */
  createRetentionExecution(policyId: number, trigger: string, dryRun: boolean): Promise<RetentionExecutionRecord>;
  /** Ends a Running execution with `status`; false when it is not running (stopped already). */
  finishRetentionExecution(id: number, status: RetentionStatus): Promise<boolean>;
  getRetentionExecution(id: number): Promise<RetentionExecutionRecord | null>;
  /** The policy's executions, newest first. */
  listRetentionExecutions(policyId: number): Promise<RetentionExecutionRecord[]>;
  /** A new task of an execution, Running from now. */
  addRetentionTask(executionId: number, repository: string): Promise<RetentionTaskRecord>;
  finishRetentionTask(id: number, result: RetentionTaskResult): Promise<boolean>;
  listRetentionTasks(executionId: number): Promise<RetentionTaskRecord[]>;
  /**
   * Ends every Running execution and task as Error (a restart interrupted them), or only those of
   * execution `executionId` (its replica died); how many executions.
   */
  interruptRetentionRuns(executionId?: number): Promise<number>;
  /** A task with its log. */
  getRetentionTask(id: number): Promise<(RetentionTaskRecord & { log: string }) | null>;
}
