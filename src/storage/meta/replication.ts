// Replication (issue 18): policies, their executions and the executions' tasks, as Harbor keeps them
// (replication_policy, execution and task with vendor_type REPLICATION). A task is one repository's
// worth of artifacts to copy (or one deletion) between two registries; it is durable from the moment
// its execution is planned, claimed by a worker with a lease (so several replicas may share the
// queue, and a task whose process died is taken again when its lease lapses), tried again with
// backoff, and carries its log and its byte counts.

export interface ReplicationFilter { type: 'name' | 'tag' | 'label' | 'resource'; value: string | string[]; decoration?: string }

export interface ReplicationTrigger { type: 'manual' | 'scheduled' | 'event_based'; cron: string }

export interface ReplicationPolicy {
  id: number;
  name: string;
  description: string;
  /** null: this registry (a push-based policy has no source registry, a pull-based no destination). */
  srcRegistryId: number | null;
  destRegistryId: number | null;
  destNamespace: string;
  /** -1: Harbor's legacy flattening (the namespace replaces every component but the last). */
  destNamespaceReplaceCount: number;
  trigger: ReplicationTrigger;
  filters: ReplicationFilter[];
  replicateDeletion: boolean;
  override: boolean;
  enabled: boolean;
  /** KB/s per task, 0 or -1 for no limit. */
  speed: number;
  copyByChunk: boolean;
  singleActiveReplication: boolean;
  creator: string;
  createdAt: string;
  updatedAt: string;
}

export type NewReplicationPolicy = Omit<ReplicationPolicy, 'id' | 'createdAt' | 'updatedAt'>;
export type ReplicationPolicyPatch = Partial<Omit<NewReplicationPolicy, 'creator'>>;

/** Harbor's execution statuses as its replication API shows them. */
export type ReplicationExecutionStatus = 'InProgress' | 'Succeed' | 'Failed' | 'Stopped';
export type ReplicationTaskStatus = 'Pending' | 'InProgress' | 'Succeed' | 'Failed' | 'Stopped';
export type ReplicationTriggerType = 'manual' | 'scheduled' | 'event_based';

export interface ReplicationExecution {
  id: number;
  policyId: number;
  status: ReplicationExecutionStatus;
  statusText: string;
  trigger: ReplicationTriggerType;
  /** Whether its tasks are in the database (an execution interrupted before is planned again). */
  planned: boolean;
  /** What an event-based execution was started for (services/replication); null for a full run. */
  event: unknown;
  startTime: string;
  endTime: string | null;
  /** Task counts by status. */
  total: number;
  failed: number;
  succeed: number;
  inProgress: number;
  stopped: number;
}

/** What one task does; `payload` is the engine's (JSON): which artifacts, from where to where. */
export interface NewReplicationTask {
  operation: 'copy' | 'deletion';
  resourceType: string;
  srcResource: string;
  dstResource: string;
  payload: unknown;
}

export interface ReplicationTask extends NewReplicationTask {
  id: number;
  executionId: number;
  policyId: number;
  status: ReplicationTaskStatus;
  statusMessage: string;
  /** Attempts made so far. */
  attempts: number;
  /** Bytes copied and the bytes the task found it has to copy. */
  bytes: number;
  totalBytes: number;
  log: string;
  createdAt: string;
  updatedAt: string;
  startTime: string | null;
  endTime: string | null;
}

export interface ReplicationExecutionQuery { policyId?: number; status?: string; trigger?: string }
export interface ReplicationTaskQuery { status?: string; resourceType?: string }

/** The end of one attempt: done (Succeed/Failed) or due again at `nextAttemptAt` (Pending). */
export interface ReplicationAttempt {
  status: 'Pending' | 'Succeed' | 'Failed' | 'Stopped';
  nextAttemptAt?: string;
  logLine: string;
  statusMessage: string;
}

export interface ReplicationStore {
  /** CONFLICT on a taken name. */
  createPolicy(p: NewReplicationPolicy): Promise<ReplicationPolicy>;
  getPolicy(id: number): Promise<ReplicationPolicy | null>;
  listPolicies(): Promise<ReplicationPolicy[]>;
  /** The updated policy, null when absent; CONFLICT on a taken name. */
  updatePolicy(id: number, patch: ReplicationPolicyPatch): Promise<ReplicationPolicy | null>;
  /** Deletes the policy with its executions; 'running' (nothing deleted) while one is InProgress, false when absent. */
  deletePolicy(id: number): Promise<boolean | 'running'>;
  /**
   * Starts an execution (InProgress, not planned); null when `singleActive` and the policy has one
   * InProgress already.
   */
  createExecution(policyId: number, trigger: ReplicationTriggerType, event: unknown, singleActive: boolean): Promise<ReplicationExecution | null>;
  /**
   * Adds an execution's tasks (Pending, due now) and marks it planned, in one transaction; an
   * execution with no task ends Succeed with `emptyText`. False when it is no longer InProgress.
   */
  planExecution(executionId: number, tasks: NewReplicationTask[], emptyText: string): Promise<boolean>;
  /** Ends an execution that could not be planned: Failed with the reason. */
  failExecution(executionId: number, statusText: string): Promise<void>;
  getExecution(id: number): Promise<ReplicationExecution | null>;
  /** Newest first. */
  listExecutions(q: ReplicationExecutionQuery, page: { offset: number; limit: number }): Promise<{ items: ReplicationExecution[]; total: number }>;
  /** InProgress executions that are not planned (a restart plans them again). */
  listUnplannedExecutions(): Promise<ReplicationExecution[]>;
  /**
   * Stops an execution: it and its Pending and InProgress tasks end Stopped at once (their logs say
   * so). Returns the ids of the tasks that were InProgress (their workers abort); null when absent.
   */
  stopExecution(id: number): Promise<number[] | null>;
  /**
   * Takes up to `limit` due tasks (Pending and due, or InProgress with a lapsed lease), marks them
   * InProgress until `leaseUntil` (attempts counted from the claim), oldest first.
   */
  claimTasks(now: string, leaseUntil: string, limit: number): Promise<ReplicationTask[]>;
  /**
   * Records progress of a claimed task and extends its lease; log lines are appended (to a task that
   * ended too). False when the task is no longer InProgress (stopped): its worker must abort.
   */
  progressTask(id: number, p: { bytes: number; totalBytes: number; leaseUntil: string; log: string }): Promise<boolean>;
  /**
   * Ends an attempt of an InProgress task and settles its execution's status, in one transaction; a
   * task that ended already (stopped) keeps its status and gets the log line only.
   */
  finishTask(id: number, a: ReplicationAttempt): Promise<void>;
  getTask(id: number): Promise<ReplicationTask | null>;
  /** An execution's tasks by id. */
  listTasks(executionId: number, q: ReplicationTaskQuery, page: { offset: number; limit: number }): Promise<{ items: ReplicationTask[]; total: number }>;
}

// ---- what both backends share: the rows as stored (SQLite's 0/1 flags and PostgreSQL's booleans
// both read through Boolean()), their mapping to records, and the statements that read them.

/** A replication_policies row. */
export interface ReplicationPolicyRow {
  id: number; name: string; description: string; src_registry_id: number | null; dest_registry_id: number | null; dest_namespace: string;
  dest_namespace_replace_count: number; trigger_json: string; filters: string; replicate_deletion: number | boolean; override: number | boolean;
  enabled: number | boolean; speed: number; copy_by_chunk: number | boolean; single_active: number | boolean; creator: string; created_at: string; updated_at: string;
}

/** A replication_executions row with its task counts (REPLICATION_EXECUTION_SQL). */
export interface ReplicationExecutionRow {
  id: number; policy_id: number; status: ReplicationExecutionStatus; status_text: string; trigger_type: ReplicationTriggerType;
  planned: number | boolean; event: string | null; start_time: string; end_time: string | null;
  total: number; failed: number; succeed: number; in_progress: number; stopped: number;
}

/** A replication_tasks row with its execution's policy (REPLICATION_TASK_SQL). */
export interface ReplicationTaskRow {
  id: number; execution_id: number; policy_id: number; operation: 'copy' | 'deletion'; resource_type: string; src_resource: string; dst_resource: string;
  payload: string; status: ReplicationTaskStatus; status_message: string; attempts: number; bytes: number; total_bytes: number; log: string;
  created_at: string; updated_at: string; start_time: string | null; end_time: string | null;
}

export const replicationPolicyOf = (r: ReplicationPolicyRow): ReplicationPolicy => ({
  id: r.id, name: r.name, description: r.description, srcRegistryId: r.src_registry_id, destRegistryId: r.dest_registry_id,
  destNamespace: r.dest_namespace, destNamespaceReplaceCount: r.dest_namespace_replace_count,
  trigger: JSON.parse(r.trigger_json) as ReplicationTrigger, filters: JSON.parse(r.filters) as ReplicationFilter[],
  replicateDeletion: Boolean(r.replicate_deletion), override: Boolean(r.override), enabled: Boolean(r.enabled), speed: r.speed,
  copyByChunk: Boolean(r.copy_by_chunk), singleActiveReplication: Boolean(r.single_active), creator: r.creator, createdAt: r.created_at, updatedAt: r.updated_at,
});

export const replicationExecutionOf = (r: ReplicationExecutionRow): ReplicationExecution => ({
  id: r.id, policyId: r.policy_id, status: r.status, statusText: r.status_text, trigger: r.trigger_type, planned: Boolean(r.planned),
  event: r.event === null ? null : JSON.parse(r.event) as unknown, startTime: r.start_time, endTime: r.end_time,
  total: r.total, failed: r.failed, succeed: r.succeed, inProgress: r.in_progress, stopped: r.stopped,
});

export const replicationTaskOf = (r: ReplicationTaskRow): ReplicationTask => ({
  id: r.id, executionId: r.execution_id, policyId: r.policy_id, operation: r.operation, resourceType: r.resource_type, srcResource: r.src_resource,
  dstResource: r.dst_resource, payload: JSON.parse(r.payload) as unknown, status: r.status, statusMessage: r.status_message, attempts: r.attempts,
  bytes: r.bytes, totalBytes: r.total_bytes, log: r.log, createdAt: r.created_at, updatedAt: r.updated_at, startTime: r.start_time, endTime: r.end_time,
});

/** A policy's column values in the order of both backends' INSERT and UPDATE (name ... single_active). */
export function replicationPolicyValues(p: Omit<NewReplicationPolicy, 'creator'>): unknown[] {
  return [p.name, p.description, p.srcRegistryId, p.destRegistryId, p.destNamespace, p.destNamespaceReplaceCount, JSON.stringify(p.trigger),
    JSON.stringify(p.filters), p.replicateDeletion, p.override, p.enabled, p.speed, p.copyByChunk, p.singleActiveReplication];
}

/** Executions with their task counts; append ` WHERE ...`. */
export const REPLICATION_EXECUTION_SQL = `SELECT e.*,
    (SELECT COUNT(*) FROM replication_tasks t WHERE t.execution_id = e.id) AS total,
    (SELECT COUNT(*) FROM replication_tasks t WHERE t.execution_id = e.id AND t.status = 'Failed') AS failed,
    (SELECT COUNT(*) FROM replication_tasks t WHERE t.execution_id = e.id AND t.status = 'Succeed') AS succeed,
    (SELECT COUNT(*) FROM replication_tasks t WHERE t.execution_id = e.id AND t.status IN ('Pending', 'InProgress')) AS in_progress,
    (SELECT COUNT(*) FROM replication_tasks t WHERE t.execution_id = e.id AND t.status = 'Stopped') AS stopped
  FROM replication_executions e`;

/** Tasks with their execution's policy; append ` WHERE ...`. */
export const REPLICATION_TASK_SQL = 'SELECT t.*, e.policy_id FROM replication_tasks t JOIN replication_executions e ON e.id = t.execution_id';

/** The WHERE clause (with `?` placeholders) of an execution or task query. */
export function replicationFilter(q: ReplicationExecutionQuery & ReplicationTaskQuery & { executionId?: number }): { where: string; args: unknown[] } {
  const cond: [string, unknown][] = [];
  if (q.executionId !== undefined) cond.push(['t.execution_id = ?', q.executionId]);
  if (q.policyId !== undefined) cond.push(['e.policy_id = ?', q.policyId]);
  if (q.status !== undefined) cond.push([q.executionId !== undefined ? 't.status = ?' : 'e.status = ?', q.status]);
  if (q.trigger !== undefined) cond.push(['e.trigger_type = ?', q.trigger]);
  if (q.resourceType !== undefined) cond.push(['t.resource_type = ?', q.resourceType]);
  return { where: cond.length ? ` WHERE ${cond.map(([c]) => c).join(' AND ')}` : '', args: cond.map(([, v]) => v) };
}
