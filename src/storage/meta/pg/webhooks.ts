// Webhook policies (webhook_policies) and the delivery queue (webhook_deliveries), as
// sqlite/webhooks.ts. Claims from several replicas take a transaction-level advisory lock, so the
// per-target bound counts every replica's running deliveries.
import type {
  FinishedAttempt, NewWebhookDelivery, NewWebhookPolicy, WebhookAttempt, WebhookDelivery, WebhookPolicy, WebhookPolicyPatch, WebhookStore,
} from '../index.js';
import { claimDueSql, OLDEST_DUE_OF_ADDRESS, webhookDeliveryOf, webhookPolicyOf, type WebhookDeliveryRow, type WebhookPolicyRow } from '../webhooks.js';
import { type Conn, PgStore, unique } from './common.js';

/** The advisory lock key of the delivery queue's claims. */
const CLAIM_LOCK = 0x776562686f6f6b;

/** The ids a claim takes (claimDueSql). */
export const CLAIM_DUE = claimDueSql(`addrs a CROSS JOIN LATERAL (${OLDEST_DUE_OF_ADDRESS}) w`);

export class PgWebhookStore extends PgStore implements WebhookStore {
  async createPolicy(p: NewWebhookPolicy): Promise<WebhookPolicy> {
    const at = this.iso();
    return webhookPolicyOf((await unique(`webhook policy ${p.name}`, () => this.db.get<WebhookPolicyRow>(`INSERT INTO webhook_policies (project_id, name, description, enabled,
      event_types, targets, creator, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`, p.projectId, p.name, p.description, p.enabled,
    JSON.stringify(p.eventTypes), JSON.stringify(p.targets), p.creator, at, at)))!);
  }

  async getPolicy(id: number): Promise<WebhookPolicy | null> {
    const r = await this.db.get<WebhookPolicyRow>('SELECT * FROM webhook_policies WHERE id = ?', id);
    return r ? webhookPolicyOf(r) : null;
  }

  async listPolicies(projectId?: number): Promise<WebhookPolicy[]> {
    const rows = projectId === undefined
      ? await this.db.all<WebhookPolicyRow>('SELECT * FROM webhook_policies ORDER BY id')
      : await this.db.all<WebhookPolicyRow>('SELECT * FROM webhook_policies WHERE project_id = ? ORDER BY id', projectId);
    return rows.map(webhookPolicyOf);
  }

  async updatePolicy(id: number, patch: WebhookPolicyPatch): Promise<WebhookPolicy | null> {
    return unique(`webhook policy ${patch.name ?? ''}`, () => this.tx(async (c) => {
      const r = await c.get<WebhookPolicyRow>('SELECT * FROM webhook_policies WHERE id = ? FOR UPDATE', id);
      if (!r) return null;
      const n = { ...webhookPolicyOf(r), ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as WebhookPolicy;
      return webhookPolicyOf((await c.get<WebhookPolicyRow>(`UPDATE webhook_policies SET name = ?, description = ?, enabled = ?, event_types = ?, targets = ?, updated_at = ?
        WHERE id = ? RETURNING *`, n.name, n.description, n.enabled, JSON.stringify(n.eventTypes), JSON.stringify(n.targets), this.iso(), id))!);
    }));
  }

  async deletePolicy(id: number): Promise<boolean> {
    return await this.db.run('DELETE FROM webhook_policies WHERE id = ?', id) > 0;
  }

  async enqueue(items: NewWebhookDelivery[]): Promise<number[]> {
    if (items.length === 0) return [];
    const at = this.iso();
    // One statement; WITH ORDINALITY keeps the ids in the order of `items`.
    return this.db.column<number>(`INSERT INTO webhook_deliveries (policy_id, project_id, event_type, event, target, address, status, attempts,
        next_attempt_at, log, status_message, created_at, updated_at)
      SELECT p, j, e, ev, tg, ad, 'Pending', 0, ?, '', '', ?, ? FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[])
        WITH ORDINALITY AS x(p, j, e, ev, tg, ad, n) ORDER BY n RETURNING id`, at, at, at,
    items.map((d) => d.policyId), items.map((d) => d.projectId), items.map((d) => d.eventType), items.map((d) => JSON.stringify(d.event)),
    items.map((d) => JSON.stringify(d.target)), items.map((d) => d.target.address));
  }

  async claim(now: string, leaseUntil: string, limit: number, perTarget: number, finished: FinishedAttempt[] = []): Promise<WebhookDelivery[]> {
    return this.tx(async (c) => {
      for (const f of finished) await this.finish(c, f.id, f.attempt);
      if (limit <= 0) return [];
      await c.run('SELECT pg_advisory_xact_lock(?)', CLAIM_LOCK);
      const ids = await c.column<number>(CLAIM_DUE, now, now, perTarget, now, perTarget, limit);
      if (ids.length === 0) return [];
      const at = this.iso();
      const rows = await c.all<WebhookDeliveryRow>(`UPDATE webhook_deliveries SET status = 'Running', lease_until = ?, updated_at = ?,
        start_time = coalesce(start_time, ?) WHERE id = ANY(?) RETURNING *`, leaseUntil, at, at, ids);
      return rows.sort((a, b) => a.id - b.id).map(webhookDeliveryOf);
    });
  }

  async finishAttempt(id: number, a: WebhookAttempt): Promise<void> {
    await this.finish(this.db, id, a);
  }

  private async finish(c: Conn, id: number, a: WebhookAttempt): Promise<void> {
    const at = this.iso();
    await c.run(`UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = coalesce(?, next_attempt_at),
        lease_until = NULL, log = log || ?, status_message = ?, updated_at = ?, end_time = ? WHERE id = ?`,
    a.status, a.nextAttemptAt ?? null, `${a.logLine}\n`, a.statusMessage.slice(0, 1000), at, a.status === 'Pending' ? null : at, id);
  }

  async listDeliveries(policyId: number, page: { offset: number; limit: number }, statuses: string[] = []): Promise<{ items: WebhookDelivery[]; total: number }> {
    const where = statuses.length === 0 ? 'WHERE policy_id = ?' : `WHERE policy_id = ? AND status IN (${statuses.map(() => '?').join(', ')})`;
    const items = (await this.db.all<WebhookDeliveryRow>(`SELECT * FROM webhook_deliveries ${where} ORDER BY id DESC LIMIT ? OFFSET ?`, policyId, ...statuses,
      page.limit, page.offset)).map(webhookDeliveryOf);
    return { items, total: (await this.db.value<number>(`SELECT COUNT(*) FROM webhook_deliveries ${where}`, policyId, ...statuses))! };
  }

  async lastDeliveryTimes(policyId: number): Promise<Map<string, string>> {
    const rows = await this.db.all<{ event_type: string; at: string }>(
      'SELECT event_type, MAX(created_at) AS at FROM webhook_deliveries WHERE policy_id = ? GROUP BY event_type', policyId);
    return new Map(rows.map((r) => [r.event_type, r.at]));
  }

  async getDelivery(id: number): Promise<WebhookDelivery | null> {
    const r = await this.db.get<WebhookDeliveryRow>('SELECT * FROM webhook_deliveries WHERE id = ?', id);
    return r ? webhookDeliveryOf(r) : null;
  }
}
