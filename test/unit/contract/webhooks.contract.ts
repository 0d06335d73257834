// The WebhookStore contract: every backend runs it (test/unit/meta-store.sqlite.test.ts for SQLite).
import { describe, expect, test } from 'vitest';
import type { NewWebhookPolicy, WebhookTarget } from '../../../src/storage/meta/index.js';
import { useStores, type StoresFactory } from './harness.js';

const target = (address: string): WebhookTarget => ({ type: 'http', address, authHeader: '', skipCertVerify: false, payloadFormat: 'Default' });
const T0 = '2026-01-01T00:00:00.000Z';
const at = (s: number): string => new Date(Date.parse(T0) + s * 1000).toISOString();

export function webhookStoreContract(name: string, factory: StoresFactory): void {
  describe(`WebhookStore contract: ${name}`, () => {
    const st = useStores(factory);
    const policy = (over: Partial<NewWebhookPolicy> = {}): NewWebhookPolicy => ({
      projectId: st.project.id, name: 'p', description: '', enabled: true, eventTypes: ['PUSH_ARTIFACT'], targets: [target('http://a/')],
      creator: 'admin', ...over,
    });

    test('policies: create, unique name per project, update, list, delete with their deliveries', async () => {
      const p = await st.webhooks.createPolicy(policy());
      expect(p).toMatchObject({ id: expect.any(Number), name: 'p', enabled: true, eventTypes: ['PUSH_ARTIFACT'], targets: [target('http://a/')] });
      await expect(st.webhooks.createPolicy(policy())).rejects.toMatchObject({ code: 'CONFLICT' });
      const other = await st.projects.createProject({ name: 'other', public: false });
      const q = await st.webhooks.createPolicy(policy({ projectId: other.id }));
      expect((await st.webhooks.updatePolicy(p.id, { enabled: false, eventTypes: ['PULL_ARTIFACT'] }))).toMatchObject({ name: 'p', enabled: false, eventTypes: ['PULL_ARTIFACT'] });
      expect(await st.webhooks.updatePolicy(9999, { enabled: true })).toBeNull();
      expect((await st.webhooks.listPolicies(st.project.id)).map((x) => x.id)).toEqual([p.id]);
      expect((await st.webhooks.listPolicies()).map((x) => x.id)).toEqual([p.id, q.id]);
      const [d] = await st.webhooks.enqueue([{ policyId: p.id, projectId: st.project.id, eventType: 'PUSH_ARTIFACT', event: { a: 1 }, target: target('http://a/') }]);
      expect(await st.webhooks.deletePolicy(p.id)).toBe(true);
      expect(await st.webhooks.deletePolicy(p.id)).toBe(false);
      expect(await st.webhooks.getDelivery(d)).toBeNull();
    });

    test('the queue: claims take due deliveries within the per-target bound; attempts are recorded; a lapsed lease is taken again', async () => {
      const p = await st.webhooks.createPolicy(policy());
      const item = (address: string): Parameters<typeof st.webhooks.enqueue>[0][number] =>
        ({ policyId: p.id, projectId: st.project.id, eventType: 'PUSH_ARTIFACT', event: { address }, target: target(address) });
      const ids = await st.webhooks.enqueue([item('http://a/'), item('http://a/'), item('http://a/'), item('http://b/')]);
      const now = new Date().toISOString();
      // Two per target: a, a and b; the third to a waits.
      const first = await st.webhooks.claim(now, at(10 ** 9), 10, 2);
      expect(first.map((d) => d.id)).toEqual([ids[0], ids[1], ids[3]]);
      expect(first[0]).toMatchObject({ status: 'Running', attempts: 0, event: { address: 'http://a/' }, target: target('http://a/') });
      expect(await st.webhooks.claim(now, at(10 ** 9), 10, 2)).toEqual([]);
      // A retry later frees the slot but is not due yet; the waiting one is taken.
      await st.webhooks.finishAttempt(ids[0], { status: 'Pending', nextAttemptAt: at(10 ** 9), logLine: 'a1', statusMessage: 'HTTP 500' });
      expect((await st.webhooks.claim(now, at(10 ** 9), 10, 2)).map((d) => d.id)).toEqual([ids[2]]);
      await st.webhooks.finishAttempt(ids[1], { status: 'Success', logLine: 'b1', statusMessage: '' });
      await st.webhooks.finishAttempt(ids[3], { status: 'Error', logLine: 'c1', statusMessage: 'HTTP 404' });
      expect(await st.webhooks.getDelivery(ids[0])).toMatchObject({ status: 'Pending', attempts: 1, log: 'a1\n', statusMessage: 'HTTP 500', endTime: null });
      expect(await st.webhooks.getDelivery(ids[1])).toMatchObject({ status: 'Success', attempts: 1, endTime: expect.any(String) });
      // ids[2] is Running with a lease until `now`+; once it lapses another claim takes it again.
      expect((await st.webhooks.claim(at(2 * 10 ** 9), at(2 * 10 ** 9 + 60), 10, 2)).map((d) => d.id)).toEqual([ids[0], ids[2]]);
      const page = await st.webhooks.listDeliveries(p.id, { offset: 1, limit: 2 });
      expect(page).toMatchObject({ total: 4, items: [{ id: ids[2] }, { id: ids[1] }] });
      const pending = await st.webhooks.listDeliveries(p.id, { offset: 0, limit: 10 }, ['Success', 'Error']);
      expect(pending).toMatchObject({ total: 2, items: [{ id: ids[3] }, { id: ids[1] }] });
    });

    test('the newest delivery of each event type of a policy', async () => {
      const p = await st.webhooks.createPolicy(policy({ eventTypes: ['PUSH_ARTIFACT', 'PULL_ARTIFACT'] }));
      const other = await st.webhooks.createPolicy(policy({ name: 'q' }));
      expect(await st.webhooks.lastDeliveryTimes(p.id)).toEqual(new Map());
      const item = (policyId: number, eventType: string): Parameters<typeof st.webhooks.enqueue>[0][number] =>
        ({ policyId, projectId: st.project.id, eventType, event: {}, target: target('http://a/') });
      const [first] = await st.webhooks.enqueue([item(p.id, 'PUSH_ARTIFACT')]);
      const [second] = await st.webhooks.enqueue([item(p.id, 'PUSH_ARTIFACT'), item(other.id, 'PULL_ARTIFACT')]);
      const times = await st.webhooks.lastDeliveryTimes(p.id);
      expect([...times.keys()]).toEqual(['PUSH_ARTIFACT']);
      const [a, b] = [(await st.webhooks.getDelivery(first))!.createdAt, (await st.webhooks.getDelivery(second))!.createdAt];
      expect(times.get('PUSH_ARTIFACT')).toBe(a > b ? a : b);
    });
  });
}
