// The audit log's batch writer, on a real SQLite database in a temp dir (the store's filters are in
// contract/audit.contract.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/core/log.js';
import { AccessControl } from '../../src/services/rbac.js';
import { AuditLogService, auditResource } from '../../src/services/audit.js';
import type { AuditLogStore, MetaStores, Project } from '../../src/storage/meta/index.js';
import { openSqliteStores } from '../../src/storage/meta/sqlite/index.js';

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
  test('record() only buffers; a full batch is written on the next turn in one go; close writes the rest', async () => {
    const svc = new AuditLogService(meta, new AccessControl(meta), log, { maxBatch: 3, flushMs: 3_600_000 });
    svc.record('pull', 'u', 'p/a', project, 'v1');
    svc.record('pull', '', 'p/a', project, 'v1');
    expect((await store.list(all)).total).toBe(0);
    svc.record('create', 'robot$p+ci', 'p/a', project, 'sha256:' + 'a'.repeat(64));
    expect((await store.list(all)).total).toBe(0); // the request path never writes
    await new Promise((r) => setImmediate(r));
    expect((await store.list(all)).total).toBe(3);
    svc.record('delete', 'u', 'p/a', project, 'v2');
    await svc.close();
    const rows = (await store.list({ ...all, order: { column: 'id', dir: 'asc' } })).items;
    expect(rows.map((r) => [r.username, r.operation, r.resource])).toEqual([
      ['u', 'pull', 'p/a:v1'], ['anonymous', 'pull', 'p/a:v1'], ['robot$p+ci', 'create', `p/a@sha256:${'a'.repeat(64)}`], ['u', 'delete', 'p/a:v2'],
    ]);
    svc.record('pull', 'u', 'p/a', project, 'v1'); // after close: dropped, not thrown
    expect((await store.list(all)).total).toBe(4);
  });

  test('list() flushes first, so an answered pull is always listed', async () => {
    const svc = new AuditLogService(meta, new AccessControl(meta), log, { flushMs: 3_600_000 });
    svc.record('pull', 'u', 'p/a', project, 'v1');
    expect((await svc.list(sysadmin, all)).total).toBe(1);
    await svc.close();
  });

  test('a list waits for a batch still being written (a database that answers later), and batches are written in order', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const written: string[][] = [];
    let calls = 0;
    const slow: AuditLogStore = {
      ...store,
      insertMany: async (rows, pulls) => {
        if (calls++ === 0) await gate; // only the first batch is slow
        written.push(rows.map((r) => r.resource));
        await store.insertMany(rows, pulls);
      },
      list: (q) => store.list(q),
    };
    const svc = new AuditLogService({ ...meta, audit: slow }, new AccessControl(meta), log, { flushMs: 3_600_000 });
    svc.record('pull', 'u', 'p/a', project, 'v1');
    const first = svc.flush(); // being written: held at the gate
    svc.record('pull', 'u', 'p/a', project, 'v2');
    const listing = svc.list(sysadmin, all);
    await new Promise((r) => setImmediate(r));
    expect(written).toEqual([]);
    release();
    expect((await listing).items.map((r) => r.resource).sort()).toEqual(['p/a:v1', 'p/a:v2']);
    await first;
    expect(written).toEqual([['p/a:v1'], ['p/a:v2']]);
    await svc.close();
  });

  test('a write that fails is logged and dropped, never thrown at a request', async () => {
    const lines: string[] = [];
    const svc = new AuditLogService({ ...meta, audit: { insertMany: async () => { throw new Error('disk full'); } } as never }, new AccessControl(meta), createLogger('error', { write: (s: string) => { lines.push(s); } }));
    svc.record('pull', 'u', 'p/a', project, 'v1');
    await expect(svc.close()).resolves.toBeUndefined();
    expect(lines.join('')).toContain('could not write audit log entries');
  });
});

describe('audit resources', () => {
  test('resource names', () => {
    expect(auditResource('library/alpine', '3.20')).toBe('library/alpine:3.20');
    expect(auditResource('library/alpine', 'sha256:abc')).toBe('library/alpine@sha256:abc');
  });
});
