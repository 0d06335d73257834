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

    test('the queue: a claim records the attempts it is given first, in its transaction, so their slots are free for it', async () => {
      const p = await st.webhooks.createPolicy(policy());
      const item = { policyId: p.id, projectId: st.project.id, eventType: 'PULL_ARTIFACT', event: {}, target: target('http://a/') };
      const ids = await st.webhooks.enqueue([item, item, item, item]);
      const now = new Date().toISOString();
      expect((await st.webhooks.claim(now, at(10 ** 9), 10, 2)).map((d) => d.id)).toEqual([ids[0], ids[1]]);
      // Both slots of http://a/ are held; the attempts given to the claim free them for it.
      const next = await st.webhooks.claim(now, at(10 ** 9), 10, 2, [
        { id: ids[0], attempt: { status: 'Success', logLine: 'a1', statusMessage: '' } },
        { id: ids[1], attempt: { status: 'Pending', nextAttemptAt: at(10 ** 9), logLine: 'b1', statusMessage: 'HTTP 500' } },
      ]);
      expect(next.map((d) => d.id)).toEqual([ids[2], ids[3]]);
      expect(await st.webhooks.getDelivery(ids[0])).toMatchObject({ status: 'Success', attempts: 1, log: 'a1\n', endTime: expect.any(String) });
      expect(await st.webhooks.getDelivery(ids[1])).toMatchObject({ status: 'Pending', attempts: 1, log: 'b1\n', statusMessage: 'HTTP 500' });
      // A claim of nothing still records what it is given.
      expect(await st.webhooks.claim(now, at(10 ** 9), 0, 2, [{ id: ids[2], attempt: { status: 'Error', logLine: 'c1', statusMessage: 'HTTP 404' } }])).toEqual([]);
      expect(await st.webhooks.getDelivery(ids[2])).toMatchObject({ status: 'Error', attempts: 1, statusMessage: 'HTTP 404' });
    });

    // The claim's rule, as a model to hold the store to (the store reads the queue with bounded
    // index probes, issue 19): due is Pending and due or Running with a lapsed lease; per address
    // the oldest due (next attempt, then id) while they and the live Running stay within perTarget;
    // of those, the `limit` first by id.
    type Row = { id: number; address: string; status: string; nextAttemptAt: string };
    const expectedClaim = (rows: Row[], leases: Map<number, string>, now: string, limit: number, perTarget: number): number[] => {
      const live = new Map<string, number>();
      for (const r of rows) if (r.status === 'Running' && leases.get(r.id)! > now) live.set(r.address, (live.get(r.address) ?? 0) + 1);
      const due = rows.filter((r) => (r.status === 'Pending' && r.nextAttemptAt <= now) || (r.status === 'Running' && leases.get(r.id)! <= now))
        .sort((a, b) => (a.nextAttemptAt < b.nextAttemptAt ? -1 : a.nextAttemptAt > b.nextAttemptAt ? 1 : a.id - b.id));
      const taken = new Map<string, number>();
      const ids = due.filter((r) => {
        const n = (taken.get(r.address) ?? 0) + 1;
        taken.set(r.address, n);
        return n + (live.get(r.address) ?? 0) <= perTarget;
      }).map((r) => r.id);
      return ids.sort((a, b) => a - b).slice(0, limit);
    };
    /** A deterministic stream of numbers in [0, 1). */
    const prng = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const queue = async (policyId: number): Promise<Row[]> => (await st.webhooks.listDeliveries(policyId, { offset: 0, limit: 100_000 })).items
      .map((d) => ({ id: d.id, address: d.target.address, status: d.status, nextAttemptAt: d.nextAttemptAt }));

    test('the queue: with many addresses and a long queue, claims keep the per-target bound and take the oldest due first', async () => {
      const p = await st.webhooks.createPolicy(policy());
      const rnd = prng(19);
      const addresses = Array.from({ length: 25 }, (_, i) => `http://receiver-${i}/`);
      const enqueue = (n: number) => st.webhooks.enqueue(Array.from({ length: n }, () => {
        const address = addresses[Math.floor(rnd() * rnd() * addresses.length)];
        return { policyId: p.id, projectId: st.project.id, eventType: 'PUSH_ARTIFACT', event: {}, target: target(address) };
      }));
      await enqueue(1500);
      const leases = new Map<number, string>();
      const base = 10 ** 9;
      for (let round = 0; round < 12; round++) {
        const now = at(base + round * 100);
        const [limit, perTarget] = [5 + (round % 4) * 10, 1 + (round % 3)];
        const expected = expectedClaim(await queue(p.id), leases, now, limit, perTarget);
        expect(expected.length).toBeGreaterThan(0);
        const claimed = await st.webhooks.claim(now, at(base + round * 100 + 150), limit, perTarget);
        expect(claimed.map((d) => d.id)).toEqual(expected);
        const after = await queue(p.id);
        for (const d of claimed) leases.set(d.id, at(base + round * 100 + 150));
        const running = new Map<string, number>();
        for (const r of after) if (r.status === 'Running' && leases.get(r.id)! > now) running.set(r.address, (running.get(r.address) ?? 0) + 1);
        expect(Math.max(...running.values())).toBeLessThanOrEqual(perTarget);
        // Some succeed, some fail and are retried later than newer deliveries, some keep running.
        for (const d of claimed) {
          const x = rnd();
          if (x < 0.4) await st.webhooks.finishAttempt(d.id, { status: 'Success', logLine: 'ok', statusMessage: '' });
          else if (x < 0.8) {
            await st.webhooks.finishAttempt(d.id, { status: 'Pending', nextAttemptAt: at(base + round * 100 + Math.floor(rnd() * 300) - 100), logLine: 'retry', statusMessage: 'HTTP 500' });
          }
        }
        if (round % 4 === 3) await enqueue(200);
      }
    });

    test('the queue: among many rows, lapsed leases are taken again and live ones hold their slots, each row by one claim only', async () => {
      const p = await st.webhooks.createPolicy(policy());
      const addresses = Array.from({ length: 10 }, (_, i) => `http://receiver-${i}/`);
      await st.webhooks.enqueue(Array.from({ length: 1500 }, (_, i) =>
        ({ policyId: p.id, projectId: st.project.id, eventType: 'PUSH_ARTIFACT', event: {}, target: target(addresses[i % addresses.length]) })));
      const leases = new Map<number, string>();
      const base = 10 ** 9;
      // Two per address: the first with a lease that lapses at base+100, the second one that does not.
      const short = await st.webhooks.claim(at(base), at(base + 100), 10, 1);
      for (const d of short) leases.set(d.id, at(base + 100));
      const long = await st.webhooks.claim(at(base), at(base + 10 ** 6), 10, 2);
      for (const d of long) leases.set(d.id, at(base + 10 ** 6));
      expect([short.length, long.length]).toEqual([10, 10]);
      const now = at(base + 200);
      const expected = expectedClaim(await queue(p.id), leases, now, 100, 2);
      // Two claims at once (replicas): between them, exactly what one claim would take.
      const [a, b] = await Promise.all([st.webhooks.claim(now, at(base + 10 ** 6), 100, 2), st.webhooks.claim(now, at(base + 10 ** 6), 100, 2)]);
      expect([...a, ...b].map((d) => d.id).sort((x, y) => x - y)).toEqual(expected);
      // Each address: its lapsed one again (the oldest due), next to the one whose lease lives.
      expect(expected).toEqual(short.map((d) => d.id));
      expect(await st.webhooks.claim(now, at(base + 10 ** 6), 100, 2)).toEqual([]);
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
