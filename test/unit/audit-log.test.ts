// The audit log's batch writer and its SQL filters, on a real SQLite database in a temp dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/core/log.js';
import { AccessControl } from '../../src/services/rbac.js';
import { AuditLogService, auditResource } from '../../src/services/audit.js';
import { SqliteAuditLogStore } from '../../src/storage/meta/sqlite/audit.js';
import { SqliteMetadataStore } from '../../src/storage/meta/sqlite/index.js';
import type { Project } from '../../src/storage/meta/types.js';

let dir: string;
let meta: SqliteMetadataStore;
let store: SqliteAuditLogStore;
let project: Project;
const log = createLogger('silent');
const all = { where: [], offset: 0, limit: 100 };
const sysadmin = { kind: 'user' as const, user: { id: 1, username: 'admin', sysadmin: true } as never };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'harborctl-audit-'));
  meta = new SqliteMetadataStore(join(dir, 'r.db'));
  store = new SqliteAuditLogStore(meta.db);
  project = await meta.createProject({ name: 'p', public: false, ownerId: null });
});
afterEach(async () => {
  await meta.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('AuditLogService', () => {
  test('record() only buffers; a full batch is written on the next turn in one go; close writes the rest', async () => {
    const svc = new AuditLogService(store, meta, new AccessControl(meta), log, { maxBatch: 3, flushMs: 3_600_000 });
    svc.record('pull', 'u', 'p/a', project, 'v1');
    svc.record('pull', '', 'p/a', project, 'v1');
    expect(store.list(all).total).toBe(0);
    svc.record('create', 'robot$p+ci', 'p/a', project, 'sha256:' + 'a'.repeat(64));
    expect(store.list(all).total).toBe(0); // the request path never writes
    await new Promise((r) => setImmediate(r));
    expect(store.list(all).total).toBe(3);
    svc.record('delete', 'u', 'p/a', project, 'v2');
    svc.close();
    const rows = store.list({ ...all, order: { column: 'id', dir: 'asc' } }).items;
    expect(rows.map((r) => [r.username, r.operation, r.resource])).toEqual([
      ['u', 'pull', 'p/a:v1'], ['anonymous', 'pull', 'p/a:v1'], ['robot$p+ci', 'create', `p/a@sha256:${'a'.repeat(64)}`], ['u', 'delete', 'p/a:v2'],
    ]);
    svc.record('pull', 'u', 'p/a', project, 'v1'); // after close: dropped, not thrown
    expect(store.list(all).total).toBe(4);
  });

  test('list() flushes first, so an answered pull is always listed', async () => {
    const svc = new AuditLogService(store, meta, new AccessControl(meta), log, { flushMs: 3_600_000 });
    svc.record('pull', 'u', 'p/a', project, 'v1');
    expect((await svc.list(sysadmin, all)).total).toBe(1);
    svc.close();
  });

  test('a write that fails is logged and dropped, never thrown at a request', () => {
    const lines: string[] = [];
    const svc = new AuditLogService({ insertMany: () => { throw new Error('disk full'); } } as never, meta, new AccessControl(meta), createLogger('error', { write: (s: string) => { lines.push(s); } }));
    svc.record('pull', 'u', 'p/a', project, 'v1');
    expect(() => svc.close()).not.toThrow();
    expect(lines.join('')).toContain('could not write audit log entries');
  });
});

describe('SqliteAuditLogStore filters', () => {
  beforeEach(() => {
    const row = (resource: string, username: string, opTime: string) => ({ projectId: project.id, username, resource, resourceType: 'artifact', operation: 'pull', opTime });
    store.insertMany([row('p/a_b:1', 'x', '2026-01-01T00:00:00.000Z'), row('p/axb:1', 'y', '2026-02-01T00:00:00.000Z'), row('p/100%:1', 'x', '2026-03-01T00:00:00.000Z')]);
  });

  test('fuzzy treats % and _ literally', () => {
    expect(store.list({ ...all, where: [{ column: 'resource', kind: 'fuzzy', value: 'a_b' }] }).items.map((r) => r.resource)).toEqual(['p/a_b:1']);
    expect(store.list({ ...all, where: [{ column: 'resource', kind: 'fuzzy', value: '0%' }] }).items.map((r) => r.resource)).toEqual(['p/100%:1']);
  });

  test('range, any-of, project scope, paging with a total', () => {
    expect(store.list({ ...all, where: [{ column: 'op_time', kind: 'range', min: '2026-01-15T00:00:00.000Z' }] }).total).toBe(2);
    expect(store.list({ ...all, where: [{ column: 'username', kind: 'in', values: ['y', 'z'] }] }).total).toBe(1);
    expect(store.list({ ...all, projectIds: [] }).total).toBe(0);
    expect(store.list({ ...all, projectIds: [project.id + 1] }).total).toBe(0);
    const page = store.list({ where: [], offset: 1, limit: 1 });
    expect(page).toMatchObject({ total: 3, items: [{ resource: 'p/axb:1' }] });
  });

  test('a batch larger than one INSERT statement keeps every row, in order', () => {
    const rows = Array.from({ length: 123 }, (_, i) => ({ projectId: project.id, username: 'u', resource: `p/r:${i}`, resourceType: 'artifact', operation: 'pull', opTime: '2026-04-01T00:00:00.000Z' }));
    store.insertMany(rows);
    const got = store.list({ where: [{ column: 'username', kind: 'exact', value: 'u' }], offset: 0, limit: 200, order: { column: 'id', dir: 'asc' } });
    expect(got.total).toBe(123);
    expect(got.items.map((r) => r.resource)).toEqual(rows.map((r) => r.resource));
  });

  test('resource names', () => {
    expect(auditResource('library/alpine', '3.20')).toBe('library/alpine:3.20');
    expect(auditResource('library/alpine', 'sha256:abc')).toBe('library/alpine@sha256:abc');
  });
});
