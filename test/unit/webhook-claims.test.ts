// The webhook dispatcher's claims (issue 19): a newly queued event is claimed at once, unless every
// slot of its target is held by this process's own deliveries; then the end of one of those claims
// it. So a busy target does not cost a claim (a database transaction) per queued event: under a
// PULL_ARTIFACT policy that was one claim per pull.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { createLogger } from '../../src/core/log.js';
import { WebhookService, type WebhookEvent } from '../../src/services/webhooks.js';
import type { AccessControl } from '../../src/services/rbac.js';
import type { SecretBox } from '../../src/services/registries.js';
import type { WebhookStore } from '../../src/storage/meta/index.js';
import { openSqliteStores, type SqliteStores } from '../../src/storage/meta/sqlite/index.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A webhook target that holds every request until release(); then answers all, and later ones at once, with 200. */
async function heldReceiver(): Promise<{ url: string; held(n: number): Promise<void>; release(): void; count(): number }> {
  const waiting: http.ServerResponse[] = [];
  let released = false;
  let count = 0;
  let want: { n: number; resolve: () => void } | undefined;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count++;
      if (released) res.end('ok');
      else waiting.push(res);
      if (want && waiting.length >= want.n) want.resolve();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => { server.closeAllConnections(); server.close(r); }));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    held: (n) => new Promise((resolve) => { if (waiting.length >= n) resolve(); else want = { n, resolve }; }),
    release: () => { released = true; for (const r of waiting.splice(0)) r.end('ok'); },
    count: () => count,
  };
}

/** A database with one project whose policy sends PULL_ARTIFACT to a held receiver. */
async function queueWithPolicy(): Promise<{ stores: SqliteStores; rx: Awaited<ReturnType<typeof heldReceiver>>; project: { id: number } }> {
  const dir = await mkdtemp(join(tmpdir(), 'harborctl-webhook-claims-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const stores: SqliteStores = openSqliteStores(join(dir, 'meta.db'));
  cleanup.push(() => stores.close());
  const rx = await heldReceiver();
  const project = await stores.projects.createProject({ name: 'hooks', public: false });
  await stores.webhooks.createPolicy({ projectId: project.id, name: 'p', description: '', enabled: true, eventTypes: ['PULL_ARTIFACT'],
    targets: [{ type: 'http', address: rx.url, authHeader: '', skipCertVerify: false, payloadFormat: 'Default' }], creator: 'admin' });
  return { stores, rx, project };
}

/** A started dispatcher on `webhooks`; no poll during a test (it would claim too), and nothing reaches the access control or the secret box. */
async function dispatcher(webhooks: WebhookStore, stores: SqliteStores, perTarget: number, concurrency: number): Promise<WebhookService> {
  const svc = new WebhookService({ webhooks, projects: stores.projects }, {} as AccessControl, {} as SecretBox, createLogger('silent'),
    { perTarget, concurrency, pollMs: 3_600_000 });
  await svc.start();
  cleanup.push(() => svc.close());
  return svc;
}

test('events queued for a target whose slots this process fills cost no claim; they are delivered as slots free up', async () => {
  const { stores, rx, project } = await queueWithPolicy();
  let claims = 0;
  const webhooks: WebhookStore = Object.create(stores.webhooks, {
    claim: { value: (...a: Parameters<WebhookStore['claim']>) => { claims++; return stores.webhooks.claim(...a); } },
  });
  const svc = await dispatcher(webhooks, stores, 2, 8);
  const pull = (): WebhookEvent => ({ type: 'PULL_ARTIFACT', projectId: project.id, occurAt: 0, operator: 'u', data: {} });
  svc.emit(pull());
  svc.emit(pull());
  await svc.settle();
  await rx.held(2);
  const before = claims;
  for (let i = 0; i < 20; i++) {
    svc.emit(pull());
    await svc.settle();
  }
  expect(claims - before).toBe(0);
  rx.release();
  await svc.idle();
  expect(rx.count()).toBe(22);
  expect((await stores.webhooks.listDeliveries(1, { offset: 0, limit: 100 }, ['Success'])).total).toBe(22);
});

test('an ended attempt is recorded by the claim that follows it, in its transaction; a claim that fails keeps it for the next', async () => {
  const { stores, rx, project } = await queueWithPolicy();
  rx.release();
  const given: number[][] = [];
  let failNext = false;
  let finishes = 0;
  const webhooks: WebhookStore = Object.create(stores.webhooks, {
    claim: { value: (...a: Parameters<WebhookStore['claim']>) => {
      given.push((a[4] ?? []).map((f) => f.id));
      if (failNext && a[4]?.length) {
        failNext = false;
        return Promise.reject(new Error('database is locked'));
      }
      return stores.webhooks.claim(...a);
    } },
    finishAttempt: { value: (...a: Parameters<WebhookStore['finishAttempt']>) => { finishes++; return stores.webhooks.finishAttempt(...a); } },
  });
  const svc = await dispatcher(webhooks, stores, 1, 1);
  const pull = (): WebhookEvent => ({ type: 'PULL_ARTIFACT', projectId: project.id, occurAt: 0, operator: 'u', data: {} });
  failNext = true;
  svc.emit(pull());
  await svc.idle();
  // The delivery was made; the claim that was to record it failed, so it is still Running.
  expect(rx.count()).toBe(1);
  expect(await stores.webhooks.getDelivery(1)).toMatchObject({ status: 'Running', attempts: 0 });
  // The next claim (a new event kicks one) records it, then takes and delivers the new one.
  svc.emit(pull());
  await svc.idle();
  expect(rx.count()).toBe(2);
  expect(given.filter((ids) => ids.includes(1))).toEqual([[1], [1]]);
  expect(await stores.webhooks.getDelivery(1)).toMatchObject({ status: 'Success', attempts: 1 });
  expect(await stores.webhooks.getDelivery(2)).toMatchObject({ status: 'Success', attempts: 1 });
  expect(finishes).toBe(0);
});
