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
