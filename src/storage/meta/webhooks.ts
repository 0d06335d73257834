// Webhooks (issue 19): a project's webhook policies and the durable delivery queue. One delivery is
// Harbor's execution with its one task (Harbor too creates one execution and one task per policy,
// target and event): the row carries the event, the target, the attempts so far and the log.
// The queue is claimed with leases, so several replicas on one database may share it, and a
// delivery whose process died is taken again once its lease runs out.

export type WebhookNotifyType = 'http' | 'slack';
export type WebhookPayloadFormat = 'Default' | 'CloudEvents';

export interface WebhookTarget {
  type: WebhookNotifyType;
  address: string;
  authHeader: string;
  skipCertVerify: boolean;
  payloadFormat: WebhookPayloadFormat;
}

export interface WebhookPolicy {
  id: number;
  projectId: number;
  name: string;
  description: string;
  enabled: boolean;
  eventTypes: string[];
  targets: WebhookTarget[];
  creator: string;
  createdAt: string;
  updatedAt: string;
}

export type NewWebhookPolicy = Omit<WebhookPolicy, 'id' | 'createdAt' | 'updatedAt'>;
export type WebhookPolicyPatch = Partial<Pick<WebhookPolicy, 'name' | 'description' | 'enabled' | 'eventTypes' | 'targets'>>;

/** Harbor's task statuses as a delivery goes through them. */
export type WebhookDeliveryStatus = 'Pending' | 'Running' | 'Success' | 'Error';

/** One event to one target of one policy. `event` is the event as services/webhooks.ts defines it (JSON). */
export interface WebhookDelivery {
  id: number;
  policyId: number;
  projectId: number;
  eventType: string;
  event: unknown;
  target: WebhookTarget;
  status: WebhookDeliveryStatus;
  /** Attempts made so far (Harbor's run_count). */
  attempts: number;
  /** When the next attempt is due (Pending), ISO. */
  nextAttemptAt: string;
  /** One line per attempt; never holds the auth header. */
  log: string;
  statusMessage: string;
  createdAt: string;
  updatedAt: string;
  startTime: string | null;
  endTime: string | null;
}

export type NewWebhookDelivery = Pick<WebhookDelivery, 'policyId' | 'projectId' | 'eventType' | 'event' | 'target'>;

/** The outcome of one attempt: done (Success/Error) or due again at `nextAttemptAt` (Pending). */
export interface WebhookAttempt {
  status: 'Pending' | 'Success' | 'Error';
  nextAttemptAt?: string;
  logLine: string;
  statusMessage: string;
}

export interface WebhookStore {
  /** CONFLICT when the project has a policy of that name. */
  createPolicy(p: NewWebhookPolicy): Promise<WebhookPolicy>;
  getPolicy(id: number): Promise<WebhookPolicy | null>;
  /** A project's policies, or every project's with `projectId` undefined, by id. */
  listPolicies(projectId?: number): Promise<WebhookPolicy[]>;
  /** The updated policy, null when absent; CONFLICT on a taken name. */
  updatePolicy(id: number, patch: WebhookPolicyPatch): Promise<WebhookPolicy | null>;
  /** Deletes the policy and its deliveries; false when absent. */
  deletePolicy(id: number): Promise<boolean>;
  /** Queues deliveries (due now) in one transaction; returns their ids. */
  enqueue(items: NewWebhookDelivery[]): Promise<number[]>;
  /**
   * Takes up to `limit` due deliveries (Pending and due, or Running with an expired lease), marks
   * them Running until `leaseUntil`, and returns them oldest first. No target (address) gets more
   * than `perTarget` Running deliveries with a live lease, counting those already running.
   */
  claim(now: string, leaseUntil: string, limit: number, perTarget: number): Promise<WebhookDelivery[]>;
  /** Records an attempt of a claimed delivery (attempts + 1, the log line appended). */
  finishAttempt(id: number, a: WebhookAttempt): Promise<void>;
  /** A policy's deliveries, newest first; only those whose status is one of `statuses` when it is non-empty. */
  listDeliveries(policyId: number, page: { offset: number; limit: number }, statuses?: string[]): Promise<{ items: WebhookDelivery[]; total: number }>;
  /** When a policy's newest delivery of each event type was queued (ISO), by event type. */
  lastDeliveryTimes(policyId: number): Promise<Map<string, string>>;
  getDelivery(id: number): Promise<WebhookDelivery | null>;
}
