// The audit log's batch writer, on a real SQLite database in a temp dir (the store's filters are in
// contract/audit.contract.ts). Artifact operations land in the extended log (listExt), as in Harbor
// 2.13; the legacy log is never written.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/core/log.js';
import { AccessControl } from '../../src/services/rbac.js';
import { AuditLogService, auditResource } from '../../src/services/audit.js';
import { AuditExtService, DEFAULT_AUDIT_SETTINGS, type AuditSettings } from '../../src/services/audit-ext.js';
import type { AuditLogStore, MetaStores, Project } from '../../src/storage/meta/index.js';
import { openSqliteStores, type SqliteStores } from '../../src/storage/meta/sqlite/index.js';
import { manifestRecord } from './contract/harness.js';

let dir: string;
let meta: MetaStores;
let store: AuditLogStore;
let project: Project;
const log = createLogger('silent');
const all = { where: [], offset: 0, limit: 100 };
const sysadmin = { kind: 'user' as const, user: { id: 1, username: 'admin', sysadmin: true } as never };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'harborctl-audit-'));
  meta = openSqliteStores(join(dir, 'r.db'));
  store = meta.audit;
  project = await meta.projects.createProject({ name: 'p', public: false, ownerId: null });
});
afterEach(async () => {
  await meta.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('AuditLogService', () => {
  test('record() only buffers; a full batch is taken on the next turn and written on the one after; close writes the rest', async () => {
    const svc = new AuditLogService(meta, new AccessControl(meta), log, { maxBatch: 3, flushMs: 3_600_000 });
    svc.record('pull', 'u', 'p/a', project, 'v1');
    svc.record('pull', '', 'p/a', project, 'v1');
    expect((await store.listExt(all)).total).toBe(0);
    svc.record('create', 'robot$p+ci', 'p/a', project, 'sha256:' + 'a'.repeat(64));
    expect((await store.listExt(all)).total).toBe(0); // the request path never writes
    await new Promise((r) => setImmediate(r)); // the batch is taken
    await new Promise((r) => setImmediate(r)); // its one chunk is written (by the serving connection: the WAL has not started the SQLite worker)
    expect((await store.listExt(all)).total).toBe(3);
    svc.record('delete', 'u', 'p/a', project, 'v2');
    await svc.close();
    const rows = (await store.listExt({ ...all, order: { column: 'id', dir: 'asc' } })).items;
    expect(rows.map((r) => [r.username, r.operation, r.resource, r.resourceType, r.operationDescription, r.operationResult])).toEqual([
      ['u', 'pull', 'p/a:v1', 'artifact', 'pull artifact: p/a:v1', true], ['anonymous', 'pull', 'p/a:v1', 'artifact', 'pull artifact: p/a:v1', true],
      ['robot$p+ci', 'create', `p/a@sha256:${'a'.repeat(64)}`, 'artifact', `create artifact: p/a@sha256:${'a'.repeat(64)}`, true],
      ['u', 'delete', 'p/a:v2', 'artifact', 'delete artifact: p/a:v2', true],
    ]);
    expect((await store.list(all)).total).toBe(0); // the legacy log is no longer written (Harbor 2.13)
    svc.record('pull', 'u', 'p/a', project, 'v1'); // after close: dropped, not thrown
    expect((await store.listExt(all)).total).toBe(4);
  });

  test('the extended log\'s list flushes this one first, so an answered pull is always listed', async () => {
    const { pulls, ext } = bothLogs(store);
    pulls.record('pull', 'u', 'p/a', project, 'v1');
    expect((await ext.list(sysadmin, all)).total).toBe(1);
    await pulls.close();
    await ext.close();
  });

  test('the legacy log lists what an earlier version wrote there', async () => {
    (meta as SqliteStores).db.prepare(`INSERT INTO audit_logs (project_id, username, resource, resource_type, operation, op_time)
      VALUES (?, 'u', 'p/a:v0', 'artifact', 'pull', '2026-01-01T00:00:00.000Z')`).run(project.id);
    const svc = new AuditLogService(meta, new AccessControl(meta), log, { flushMs: 3_600_000 });
    svc.record('pull', 'u', 'p/a', project, 'v1');
    expect((await svc.list(sysadmin, all)).items.map((r) => r.resource)).toEqual(['p/a:v0']);
    await svc.close();
  });

  test('a list waits for a batch still being written (a database that answers later), and batches are written in order', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const written: string[][] = [];
    let calls = 0;
    const slow: AuditLogStore = {
      ...store,
      insertArtifacts: async (rows, pulls) => {
        if (calls++ === 0) await gate; // only the first batch is slow
        written.push(rows.map((r) => r.resource));
        await store.insertArtifacts(rows, pulls);
      },
      listExt: (q) => store.listExt(q),
    };
    const { pulls: svc, ext } = bothLogs(slow);
    svc.record('pull', 'u', 'p/a', project, 'v1');
    const first = svc.flush(); // being written: held at the gate
    svc.record('pull', 'u', 'p/a', project, 'v2');
    const listing = ext.list(sysadmin, all);
    await new Promise((r) => setImmediate(r));
    expect(written).toEqual([]);
    release();
    expect((await listing).items.map((r) => r.resource).sort()).toEqual(['p/a:v1', 'p/a:v2']);
    await first;
    expect(written).toEqual([['p/a:v1'], ['p/a:v2']]);
    await svc.close();
    await ext.close();
  });

  test('a write that fails is logged and dropped, never thrown at a request', async () => {
    const lines: string[] = [];
    const svc = new AuditLogService({ ...meta, audit: { insertArtifacts: async () => { throw new Error('disk full'); } } as never }, new AccessControl(meta), createLogger('error', { write: (s: string) => { lines.push(s); } }));
    svc.record('pull', 'u', 'p/a', project, 'v1');
    await expect(svc.close()).resolves.toBeUndefined();
    expect(lines.join('')).toContain('could not write audit log entries');
  });
});

/**
 * The event loop's turns and the audit transactions in the order they happened: a ticker notes 't'
 * on every turn (setImmediate), the store double 'pull:<rows>' (the pull log's artifact rows) or
 * 'ext:<rows>' (the extended log's own) per transaction, so
 * two transactions side by side ran in one turn.
 */
function turnsAndTransactions(): { seen: string[]; audit: AuditLogStore; stop: () => void } {
  const seen: string[] = [];
  let on = true;
  const tick = (): void => {
    if (!on) return;
    seen.push('t');
    setImmediate(tick);
  };
  setImmediate(tick);
  const audit: AuditLogStore = {
    ...store,
    insertArtifacts: async (rows, pulls = []) => {
      seen.push(`pull:${rows.length}`);
      await store.insertArtifacts(rows, pulls);
    },
    insertExt: async (rows) => {
      seen.push(`ext:${rows.length}`);
      await store.insertExt(rows);
    },
    list: (q) => store.list(q),
    listExt: (q) => store.listExt(q),
  };
  return { seen, audit, stop: () => { on = false; } };
}

/**
 * The two logs wired as the server wires them (the pull log feeds the extended one: it writes the
 * artifact rows there with its pull counts, or hands them over when they are forwarded), 100 rows per transaction.
 */
function bothLogs(audit: AuditLogStore, settings?: () => AuditSettings): { pulls: AuditLogService; ext: AuditExtService } {
  const stores = { ...meta, audit };
  const opts = { writeChunk: 100, flushMs: 3_600_000 };
  const ext: AuditExtService = new AuditExtService(stores, new AccessControl(meta), log, settings, { ...opts, flushFeeds: () => pulls.flush() });
  const pulls = new AuditLogService(stores, new AccessControl(meta), log, {
    ...opts, maxBatch: 1000, onBatch: (rows) => ext.artifactBatch(rows), extOperations: () => ext.inlineArtifactOperations(),
  });
  return { pulls, ext };
}

const transactions = (seen: string[]): string[] => seen.filter((x) => x !== 't');
/** Transactions that ran in the same turn as the one before them. */
const sameTurn = (seen: string[]): string[] => seen.filter((x, i) => x !== 't' && i > 0 && seen[i - 1] !== 't');

describe('a batch is written in chunks, a turn each (better-sqlite3 blocks the event loop while it writes)', () => {
  test('the pull log: chunks of writeChunk rows in order, each with its own pull counts; flush() resolves after the last', async () => {
    const t = turnsAndTransactions();
    const counted: number[] = [];
    const audit: AuditLogStore = { ...t.audit, insertArtifacts: async (rows, pulls = []) => {
      // The pull counts written with these rows are those of these rows.
      expect(pulls.reduce((n, p) => n + p.count, 0)).toBe(rows.filter((r) => r.operation === 'pull').length);
      counted.push(pulls.length);
      await t.audit.insertArtifacts(rows, pulls);
    } };
    const svc = new AuditLogService({ ...meta, audit }, new AccessControl(meta), log, { maxBatch: 1000, writeChunk: 100, flushMs: 3_600_000 });
    for (let i = 0; i < 250; i++) svc.record(i % 5 === 0 ? 'create' : 'pull', `u${i % 3}`, 'p/a', project, `v${i}`);
    await svc.flush();
    t.stop();
    expect(transactions(t.seen)).toEqual(['pull:100', 'pull:100', 'pull:50']);
    expect(counted).toEqual([80, 80, 40]);
    expect(sameTurn(t.seen)).toEqual([]);
    const rows = (await store.listExt({ ...all, limit: 1000, order: { column: 'id', dir: 'asc' } })).items;
    expect(rows.map((r) => r.resource)).toEqual(Array.from({ length: 250 }, (_, i) => `p/a:v${i}`));
    await svc.close();
  });

  test('the extended log, fed by the pull log: chunks in order, never two transactions in one turn; its flush waits for both logs', async () => {
    const t = turnsAndTransactions();
    const { pulls, ext } = bothLogs(t.audit);
    for (let i = 0; i < 120; i++) ext.event({ operation: 'create', resourceType: 'user', resource: `user${i}`, username: 'admin' });
    for (let i = 0; i < 250; i++) pulls.record('pull', 'u', 'p/a', project, `v${i}`);
    await ext.flush();
    t.stop();
    // The pulls reach the extended log in the pull log's own transactions; only the users' rows are written apart.
    expect(transactions(t.seen)).toEqual(['pull:100', 'pull:100', 'pull:50', 'ext:100', 'ext:20']);
    expect(sameTurn(t.seen)).toEqual([]);
    const rows = (await store.listExt({ ...all, limit: 1000, order: { column: 'id', dir: 'asc' } })).items;
    expect(rows.map((r) => r.resource)).toEqual([
      ...Array.from({ length: 250 }, (_, i) => `p/a:v${i}`), ...Array.from({ length: 120 }, (_, i) => `user${i}`),
    ]);
    await pulls.close();
    await ext.close();
  });

  test('the two logs writing at once: one chunk per turn between them too', async () => {
    const t = turnsAndTransactions();
    const { pulls, ext } = bothLogs(t.audit);
    for (let i = 0; i < 300; i++) pulls.record('pull', 'u', 'p/a', project, `v${i}`);
    const pulled = pulls.flush();
    for (let i = 0; i < 500; i++) ext.event({ operation: 'create', resourceType: 'user', resource: `user${i}`, username: 'admin' }); // a full batch: written now
    await pulled;
    await ext.flush();
    t.stop();
    expect(transactions(t.seen).filter((x) => x.startsWith('pull'))).toEqual(new Array(3).fill('pull:100'));
    expect(transactions(t.seen).filter((x) => x.startsWith('ext'))).toEqual(new Array(5).fill('ext:100')); // its 500 (the pulls went with the pull log)
    expect(sameTurn(t.seen)).toEqual([]);
    await pulls.close();
    await ext.close();
  });

  test('the artifact rows go with the pull log only for the operations not disabled, and through the extended log when forwarded', async () => {
    const settings: AuditSettings = { ...DEFAULT_AUDIT_SETTINGS, disabledEventTypes: new Set(['pull_artifact']) };
    const t = turnsAndTransactions();
    const { pulls, ext } = bothLogs(t.audit, () => settings);
    await meta.content.putManifest('p/a', project.id, manifestRecord({ seed: 'a' }), 'v1');
    pulls.record('pull', 'u', 'p/a', project, 'v1');
    pulls.record('create', 'u', 'p/a', project, 'v2');
    await ext.flush();
    expect(transactions(t.seen)).toEqual(['pull:1']);
    // A pull left out of the log still counts (Harbor's pull_count is not an audit setting).
    expect((await meta.artifacts.getRepository(project.id, 'p/a'))?.pullCount).toBe(1);
    expect((await store.listExt(all)).items.map((r) => [r.operation, r.resource, r.operationDescription])).toEqual([['create', 'p/a:v2', 'create artifact: p/a:v2']]);
    // A forward endpoint needs every row in the extended log's hands: none is written inline then.
    expect(ext.inlineArtifactOperations()).toEqual(['create', 'delete']);
    settings.forwardEndpoint = '127.0.0.1:1';
    expect(ext.inlineArtifactOperations()).toBeNull();
    t.stop();
    await pulls.close();
    await ext.close();
  });

  test('a chunk that fails is logged and the rest of the batch is still written', async () => {
    const lines: string[] = [];
    let calls = 0;
    const failing: AuditLogStore = {
      ...store,
      insertArtifacts: async (rows, p) => {
        if (calls++ === 1) throw new Error('disk full');
        await store.insertArtifacts(rows, p);
      },
    };
    const svc = new AuditLogService({ ...meta, audit: failing }, new AccessControl(meta), createLogger('error', { write: (s: string) => { lines.push(s); } }),
      { maxBatch: 1000, writeChunk: 10, flushMs: 3_600_000 });
    for (let i = 0; i < 30; i++) svc.record('pull', 'u', 'p/a', project, `v${i}`);
    await expect(svc.close()).resolves.toBeUndefined();
    expect(lines.join('')).toContain('could not write audit log entries');
    const rows = (await store.listExt({ ...all, order: { column: 'id', dir: 'asc' } })).items;
    expect(rows.map((r) => r.resource)).toEqual([...Array.from({ length: 10 }, (_, i) => `p/a:v${i}`), ...Array.from({ length: 10 }, (_, i) => `p/a:v${i + 20}`)]);
  });
});

describe('audit resources', () => {
  test('resource names', () => {
    expect(auditResource('library/alpine', '3.20')).toBe('library/alpine:3.20');
    expect(auditResource('library/alpine', 'sha256:abc')).toBe('library/alpine@sha256:abc');
  });
});
