// Webhook policies (webhook_policies) and the delivery queue (webhook_deliveries); see ../webhooks.ts.
// Event types and targets are kept as JSON text: they are read and written whole with the policy.
import type Database from 'better-sqlite3';
import type {
  FinishedAttempt, NewWebhookDelivery, NewWebhookPolicy, WebhookAttempt, WebhookDelivery, WebhookPolicy, WebhookPolicyPatch, WebhookStore,
} from '../index.js';
import { pickDue, webhookDeliveryOf, webhookPolicyOf, type DueRow, type WebhookDeliveryRow, type WebhookPolicyRow } from '../webhooks.js';
import { type Clock, SqliteStore, unique } from './common.js';

/** What a claim reads (pickDue ranks it): each an index search of webhook_deliveries_due, whatever the queue's length. */
export const CLAIM_PARTS = {
  /** The addresses with Pending rows, one probe each (a loose index scan). */
  pendingAddresses: `WITH RECURSIVE addrs(address) AS (
      SELECT MIN(address) FROM webhook_deliveries WHERE status = 'Pending'
      UNION ALL
      SELECT (SELECT MIN(x.address) FROM webhook_deliveries x WHERE x.status = 'Pending' AND x.address > a.address)
      FROM addrs a WHERE a.address IS NOT NULL
    ) SELECT address FROM addrs WHERE address IS NOT NULL`,
  /** Per address, the Running ones whose lease is live. */
  live: `SELECT address, COUNT(*) AS n FROM webhook_deliveries WHERE status = 'Running' AND lease_until > ? GROUP BY address`,
  /** Running ones whose lease lapsed: due again. */
  lapsed: `SELECT id, address, next_attempt_at FROM webhook_deliveries WHERE status = 'Running' AND lease_until <= ?`,
  /** One address's perTarget oldest due Pending rows. */
  oldestDue: `SELECT id, address, next_attempt_at FROM webhook_deliveries
    WHERE status = 'Pending' AND address = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`,
};

export class SqliteWebhookStore extends SqliteStore implements WebhookStore {
  private readonly s;

  constructor(db: Database.Database, now: Clock) {
    super(db, now);
    this.s = {
      insertPolicy: db.prepare(`INSERT INTO webhook_policies (project_id, name, description, enabled, event_types, targets, creator, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      getPolicy: db.prepare('SELECT * FROM webhook_policies WHERE id = ?'),
      listAll: db.prepare('SELECT * FROM webhook_policies ORDER BY id'),
      listProject: db.prepare('SELECT * FROM webhook_policies WHERE project_id = ? ORDER BY id'),
      updatePolicy: db.prepare(`UPDATE webhook_policies SET name = ?, description = ?, enabled = ?, event_types = ?, targets = ?, updated_at = ?
        WHERE id = ?`),
      deletePolicy: db.prepare('DELETE FROM webhook_policies WHERE id = ?'),
      insertDelivery: db.prepare(`INSERT INTO webhook_deliveries (policy_id, project_id, event_type, event, target, address, status, attempts,
        next_attempt_at, log, status_message, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'Pending', 0, ?, '', '', ?, ?)`),
      pendingAddresses: db.prepare(CLAIM_PARTS.pendingAddresses).pluck(),
      live: db.prepare(CLAIM_PARTS.live),
      lapsed: db.prepare(CLAIM_PARTS.lapsed),
      oldestDue: db.prepare(CLAIM_PARTS.oldestDue),
      take: db.prepare(`UPDATE webhook_deliveries SET status = 'Running', lease_until = ?, updated_at = ?,
        start_time = coalesce(start_time, ?) WHERE id = ? RETURNING *`),
      finish: db.prepare(`UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = coalesce(?, next_attempt_at),
        lease_until = NULL, log = log || ?, status_message = ?, updated_at = ?, end_time = ? WHERE id = ?`),
      getDelivery: db.prepare('SELECT * FROM webhook_deliveries WHERE id = ?'),
      lastDeliveryTimes: db.prepare('SELECT event_type, MAX(created_at) AS at FROM webhook_deliveries WHERE policy_id = ? GROUP BY event_type'),
    };
  }

  async createPolicy(p: NewWebhookPolicy): Promise<WebhookPolicy> {
    const at = this.iso();
    const id = unique(`webhook policy ${p.name}`, () => this.s.insertPolicy.run(p.projectId, p.name, p.description, p.enabled ? 1 : 0,
      JSON.stringify(p.eventTypes), JSON.stringify(p.targets), p.creator, at, at)).lastInsertRowid;
    return webhookPolicyOf(this.s.getPolicy.get(id) as WebhookPolicyRow);
  }

  async getPolicy(id: number): Promise<WebhookPolicy | null> {
    const r = this.s.getPolicy.get(id) as WebhookPolicyRow | undefined;
    return r ? webhookPolicyOf(r) : null;
  }

  async listPolicies(projectId?: number): Promise<WebhookPolicy[]> {
    const rows = (projectId === undefined ? this.s.listAll.all() : this.s.listProject.all(projectId)) as WebhookPolicyRow[];
    return rows.map(webhookPolicyOf);
  }

  async updatePolicy(id: number, patch: WebhookPolicyPatch): Promise<WebhookPolicy | null> {
    const cur = await this.getPolicy(id);
    if (!cur) return null;
    const n = { ...cur, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as WebhookPolicy;
    unique(`webhook policy ${n.name}`, () => this.s.updatePolicy.run(n.name, n.description, n.enabled ? 1 : 0, JSON.stringify(n.eventTypes),
      JSON.stringify(n.targets), this.iso(), id));
    return this.getPolicy(id);
  }

  async deletePolicy(id: number): Promise<boolean> {
    return this.s.deletePolicy.run(id).changes > 0;
  }

  async enqueue(items: NewWebhookDelivery[]): Promise<number[]> {
    const at = this.iso();
    return this.db.transaction(() => items.map((d) => Number(this.s.insertDelivery.run(d.policyId, d.projectId, d.eventType,
      JSON.stringify(d.event), JSON.stringify(d.target), d.target.address, at, at, at).lastInsertRowid)))();
  }

  async claim(now: string, leaseUntil: string, limit: number, perTarget: number, finished: FinishedAttempt[] = []): Promise<WebhookDelivery[]> {
    return this.db.transaction(() => {
      for (const f of finished) this.finish(f.id, f.attempt);
      if (limit <= 0) return [];
      const live = new Map((this.s.live.all(now) as { address: string; n: number }[]).map((r) => [r.address, r.n]));
      const due = this.s.lapsed.all(now) as DueRow[];
      for (const address of this.s.pendingAddresses.all() as string[]) due.push(...(this.s.oldestDue.all(address, now, perTarget) as DueRow[]));
      const ids = pickDue(due, live, perTarget, limit);
      const at = this.iso();
      return ids.map((id) => webhookDeliveryOf(this.s.take.get(leaseUntil, at, at, id) as WebhookDeliveryRow));
    }).immediate();
  }

  async finishAttempt(id: number, a: WebhookAttempt): Promise<void> {
    this.finish(id, a);
  }

  private finish(id: number, a: WebhookAttempt): void {
    const at = this.iso();
    this.s.finish.run(a.status, a.nextAttemptAt ?? null, `${a.logLine}\n`, a.statusMessage.slice(0, 1000), at, a.status === 'Pending' ? null : at, id);
  }

  async listDeliveries(policyId: number, page: { offset: number; limit: number }, statuses: string[] = []): Promise<{ items: WebhookDelivery[]; total: number }> {
    const where = statuses.length === 0 ? 'WHERE policy_id = ?' : `WHERE policy_id = ? AND status IN (${statuses.map(() => '?').join(', ')})`;
    const items = (this.db.prepare(`SELECT * FROM webhook_deliveries ${where} ORDER BY id DESC LIMIT ? OFFSET ?`)
      .all(policyId, ...statuses, page.limit, page.offset) as WebhookDeliveryRow[]).map(webhookDeliveryOf);
    return { items, total: this.db.prepare(`SELECT COUNT(*) FROM webhook_deliveries ${where}`).pluck().get(policyId, ...statuses) as number };
  }

  async lastDeliveryTimes(policyId: number): Promise<Map<string, string>> {
    const rows = this.s.lastDeliveryTimes.all(policyId) as { event_type: string; at: string }[];
    return new Map(rows.map((r) => [r.event_type, r.at]));
  }

  async getDelivery(id: number): Promise<WebhookDelivery | null> {
    const r = this.s.getDelivery.get(id) as WebhookDeliveryRow | undefined;
    return r ? webhookDeliveryOf(r) : null;
  }
}
