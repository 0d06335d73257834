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

/** An attempt of one claimed delivery, to be recorded. */
export interface FinishedAttempt { id: number; attempt: WebhookAttempt }

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
   * `finished` attempts are recorded first (as finishAttempt), in the same transaction: a process
   * that ends a delivery and takes the next pays one commit, not two.
   */
  claim(now: string, leaseUntil: string, limit: number, perTarget: number, finished?: FinishedAttempt[]): Promise<WebhookDelivery[]>;
  /** Records an attempt of a claimed delivery (attempts + 1, the log line appended). */
  finishAttempt(id: number, a: WebhookAttempt): Promise<void>;
  /** A policy's deliveries, newest first; only those whose status is one of `statuses` when it is non-empty. */
  listDeliveries(policyId: number, page: { offset: number; limit: number }, statuses?: string[]): Promise<{ items: WebhookDelivery[]; total: number }>;
  /** When a policy's newest delivery of each event type was queued (ISO), by event type. */
  lastDeliveryTimes(policyId: number): Promise<Map<string, string>>;
  getDelivery(id: number): Promise<WebhookDelivery | null>;
}

/** A webhook_policies row as both backends read it (SQLite gives `enabled` as 0/1). */
export interface WebhookPolicyRow {
  id: number; project_id: number; name: string; description: string; enabled: boolean | number; event_types: string; targets: string;
  creator: string; created_at: string; updated_at: string;
}

/** A webhook_deliveries row. */
export interface WebhookDeliveryRow {
  id: number; policy_id: number; project_id: number; event_type: string; event: string; target: string; status: WebhookDelivery['status'];
  attempts: number; next_attempt_at: string; log: string; status_message: string; created_at: string; updated_at: string;
  start_time: string | null; end_time: string | null;
}

export const webhookPolicyOf = (r: WebhookPolicyRow): WebhookPolicy => ({
  id: r.id, projectId: r.project_id, name: r.name, description: r.description, enabled: Boolean(r.enabled),
  eventTypes: JSON.parse(r.event_types) as string[], targets: JSON.parse(r.targets) as WebhookPolicy['targets'],
  creator: r.creator, createdAt: r.created_at, updatedAt: r.updated_at,
});

export const webhookDeliveryOf = (r: WebhookDeliveryRow): WebhookDelivery => ({
  id: r.id, policyId: r.policy_id, projectId: r.project_id, eventType: r.event_type, event: JSON.parse(r.event) as unknown,
  target: JSON.parse(r.target) as WebhookDelivery['target'], status: r.status, attempts: r.attempts, nextAttemptAt: r.next_attempt_at,
  log: r.log, statusMessage: r.status_message, createdAt: r.created_at, updatedAt: r.updated_at, startTime: r.start_time, endTime: r.end_time,
});

/**
 * The ids a claim takes, as both backends select them (WebhookStore.claim): due is Pending and due,
 * or Running with a lapsed lease; per address the due ones are ranked oldest first and taken while
 * they and the live Running ones stay within perTarget; of those, the `limit` first by id.
 * Bounded, whatever the queue's length (issue 19): the addresses with Pending rows are walked one
 * index probe each (a loose index scan on webhook_deliveries_due), of each address only the
 * perTarget oldest due are read, and Running rows are few (they are leased). `oldestDue` is the
 * backend's join of each `addrs a` with those rows as `w` (SQLite has no LATERAL).
 * Parameters: now, now, perTarget, now, perTarget, limit.
 * A claim of 8 (perTarget 2), 1 or 50 addresses, 1k to 100k Pending: SQLite 0.5-1.3 ms, PostgreSQL
 * 2-13 ms on a loaded machine, flat in the length; before: SQLite 0.2 s at 1k and 10-49 s at 10k
 * (O(n²)), PostgreSQL 0.4 s at 100k (bench/webhook-claim.ts).
 */
export const claimDueSql = (oldestDue: string): string => `WITH RECURSIVE addrs(address) AS (
    SELECT MIN(address) FROM webhook_deliveries WHERE status = 'Pending'
    UNION ALL
    SELECT (SELECT MIN(x.address) FROM webhook_deliveries x WHERE x.status = 'Pending' AND x.address > a.address)
    FROM addrs a WHERE a.address IS NOT NULL
  ),
  live AS (SELECT address, COUNT(*) AS n FROM webhook_deliveries WHERE status = 'Running' AND lease_until > ? GROUP BY address),
  due AS (
    SELECT w.id, w.address, w.next_attempt_at FROM ${oldestDue}
    UNION ALL
    SELECT id, address, next_attempt_at FROM webhook_deliveries WHERE status = 'Running' AND lease_until <= ?
  )
  SELECT id FROM (
    SELECT d.id, ROW_NUMBER() OVER (PARTITION BY d.address ORDER BY d.next_attempt_at, d.id) + coalesce(l.n, 0) AS k
    FROM due d LEFT JOIN live l ON l.address = d.address
  ) AS c WHERE k <= ? ORDER BY id LIMIT ?`;

/** A due row as a claim ranks it. */
export interface DueRow { id: number; address: string; next_attempt_at: string }

/**
 * claimDueSql's choice made in code, over the rows its parts read (SQLite, where each part is a
 * function call, not a round trip): per address the due rows oldest first, as many as perTarget less
 * the address's live Running ones; of all of those, the `limit` first by id. As one statement the
 * window function and the union cost SQLite ~0.5 ms a claim at any queue length; its parts, ~30 µs.
 */
export function pickDue(due: readonly DueRow[], live: ReadonlyMap<string, number>, perTarget: number, limit: number): number[] {
  const byAddress = new Map<string, DueRow[]>();
  for (const d of due) {
    const rows = byAddress.get(d.address);
    if (rows) rows.push(d);
    else byAddress.set(d.address, [d]);
  }
  const ids: number[] = [];
  for (const [address, rows] of byAddress) {
    rows.sort((a, b) => (a.next_attempt_at < b.next_attempt_at ? -1 : a.next_attempt_at > b.next_attempt_at ? 1 : a.id - b.id));
    const free = perTarget - (live.get(address) ?? 0);
    for (let i = 0; i < free && i < rows.length; i++) ids.push(rows[i].id);
  }
  return ids.sort((a, b) => a - b).slice(0, limit);
}

/** The perTarget oldest due Pending rows of one address `a.address` (a subquery both backends read). */
export const OLDEST_DUE_OF_ADDRESS = `SELECT y.id, y.address, y.next_attempt_at FROM webhook_deliveries y
  WHERE y.status = 'Pending' AND y.address = a.address AND y.next_attempt_at <= ? ORDER BY y.next_attempt_at, y.id LIMIT ?`;
