// The PostgreSQL stores: every store's contract against a real PostgreSQL 15 (one cluster for the
// file, a fresh database per store set), plus what only this backend promises: versioned
// migrations applied once under an advisory lock (two openers at once), a newer schema refused,
// data kept across a reopen, and quotas exact under concurrent pushes (row locks).
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { digestOf } from '../../src/oci/digest.js';
import type { MetaStores } from '../../src/storage/meta/index.js';
import { openPgStores } from '../../src/storage/meta/pg/index.js';
import { numberParams } from '../../src/storage/meta/pg/common.js';
import { MIGRATIONS, migrate } from '../../src/storage/meta/pg/migrations.js';
import { CLAIM_DUE } from '../../src/storage/meta/pg/webhooks.js';
import { startPostgres, type Postgres } from '../helpers/postgres.js';
import { manifestRecord } from '../unit/contract/harness.js';
import { metaStoresContract } from '../unit/contract/index.js';

let cluster: Postgres;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
});

/** Each store set's database (keyed by its audit store: the contract's harness copies the set's properties). */
const databases = new WeakMap<object, string>();
metaStoresContract('postgres', async () => {
  const url = await cluster.database();
  const stores = await openPgStores(url);
  databases.set(stores.audit, url);
  return stores;
}, async (stores, rows) => {
  for (const r of rows) {
    await query(databases.get(stores.audit)!, 'INSERT INTO audit_logs (project_id, username, resource, resource_type, operation, op_time) VALUES ($1, $2, $3, $4, $5, $6)',
      [r.projectId, r.username, r.resource, r.resourceType, r.operation, r.opTime]);
  }
});

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('PostgreSQL stores specifics', () => {
  const opened: MetaStores[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });
  async function open(url: string, clock?: () => Date): Promise<MetaStores> {
    const s = await openPgStores(url, { clock });
    opened.push(s);
    return s;
  }

  test('a new database gets every migration once, recorded in schema_migrations; migrating again changes nothing', async () => {
    const url = await cluster.database();
    await open(url);
    const versions = await query<{ version: number }>(url, 'SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    const tables = (await query<{ tablename: string }>(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).map((t) => t.tablename);
    expect(tables).toEqual(expect.arrayContaining(['blobs', 'manifests', 'project_memberships', 'projects', 'repositories', 'repository_blobs', 'repository_tags', 'uploads', 'users']));
    const pool = new pg.Pool({ connectionString: url });
    try {
      expect(await migrate(pool)).toBe(MIGRATIONS.length);
    } finally {
      await pool.end();
    }
    expect(await query(url, 'SELECT version FROM schema_migrations')).toHaveLength(MIGRATIONS.length);
  });

  test('two openers migrating one empty database at the same time: both succeed, each migration applied once', async () => {
    const url = await cluster.database();
    const [a, b] = await Promise.all([open(url), open(url)]);
    expect(await query(url, 'SELECT version FROM schema_migrations')).toHaveLength(MIGRATIONS.length);
    const p = await a.projects.createProject({ name: 'both', public: false });
    expect(await b.projects.getProject('both')).toEqual(p);
  });

  test('a database with a newer schema version is refused and left untouched', async () => {
    const url = await cluster.database();
    await query(url, 'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    await query(url, 'INSERT INTO schema_migrations VALUES ($1, $2)', [MIGRATIONS.length + 1, 'later']);
    await expect(openPgStores(url)).rejects.toThrow(/newer than this harborctl/);
    const tables = await query<{ tablename: string }>(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    expect(tables.map((t) => t.tablename)).toEqual(['schema_migrations']);
  });

  test('reopening the database keeps every kind of data', async () => {
    const url = await cluster.database();
    const first = await openPgStores(url);
    const p = await first.projects.createProject({ name: 'keep', public: true, metadata: { auto_scan: 'true' } });
    const cfg = digestOf('cfg');
    await first.content.linkBlob('keep/app', p.id, { digest: cfg, size: 3, mediaType: 'application/vnd.oci.image.config.v1+json' });
    const m = manifestRecord({ seed: 'persisted', blobs: [cfg] });
    expect(await first.content.putManifest('keep/app', p.id, m, 'v1')).toEqual({ ok: true, created: true });
    await first.uploads.createUpload({ id: 'u-1', repository: 'keep/app', createdAt: 10, updatedAt: 20 });
    await first.close();
    await first.close(); // a second close does nothing

    const second = await open(url);
    expect(await second.projects.getProject('keep')).toEqual({ ...p, storageUsed: 3 + m.size });
    expect(await second.content.getManifest('keep/app', 'v1')).toEqual({ digest: m.digest, mediaType: m.mediaType, size: m.size, content: m.content });
    expect(await second.uploads.getUpload('u-1')).toEqual({ id: 'u-1', repository: 'keep/app', createdAt: 10, updatedAt: 20, size: 0, claimedAt: null });
  });

  test('timestamps come from the injected clock', async () => {
    const s = await open(await cluster.database(), () => new Date('2024-05-06T07:08:09.000Z'));
    const p = await s.projects.createProject({ name: 'clocked', public: false });
    expect(p.createdAt).toBe('2024-05-06T07:08:09.000Z');
  });

  test('concurrent pushes racing one project quota: usage stays exact and never passes the limit', async () => {
    const url = await cluster.database();
    // Several stores (pools) on one database, as several replicas are.
    const replicas = [await open(url), await open(url), await open(url)];
    const limit = 1000;
    const p = await replicas[0].projects.createProject({ name: 'race', public: false, storageLimit: limit });
    // 40 writes of distinct content at once: 100-byte layer links and blob-less manifests (about 60
    // bytes), together far more than the limit allows.
    const results = await Promise.all(Array.from({ length: 40 }, async (_, i) => {
      const s = replicas[i % replicas.length];
      if (i % 2) {
        const r = await s.content.linkBlob(`race/app${i % 4}`, p.id, { digest: digestOf(`layer-${i}`), size: 100 });
        return r.ok ? 100 : 0;
      }
      const m = manifestRecord({ seed: `m-${i}` });
      const r = await s.content.putManifest(`race/app${i % 4}`, p.id, m, `t${i}`);
      return r.ok ? m.size : 0;
    }));
    expect(results.filter((n) => n === 0).length).toBeGreaterThan(0);
    const after = (await replicas[1].projects.getProjectById(p.id))!;
    expect(after.storageUsed).toBeLessThanOrEqual(limit);
    expect(after.storageUsed).toBe(results.reduce((a, b) => a + b, 0));
    expect(after.storageUsed).toBe(await replicas[2].projects.recountUsage(p.id));
  });

  test('migration 10 counts the manifests of every repository and the listed repositories of every project', async () => {
    const url = await cluster.database();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
      for (let v = 0; v < 9; v++) {
        await c.query(MIGRATIONS[v]);
        await c.query('INSERT INTO schema_migrations VALUES ($1, $2)', [v + 1, 't']);
      }
      await c.query(`INSERT INTO projects (id, name, created_at, updated_at) VALUES (1, 'old', 't', 't'), (2, 'empty', 't', 't');
        INSERT INTO repositories (id, project_id, name, created_at, updated_at) VALUES (1, 1, 'old/a', 't', 't'), (2, 1, 'old/b', 't', 't'), (3, 1, 'old/blobs', 't', 't');
        INSERT INTO manifests (repository_id, digest, media_type, size, content, pushed_at) VALUES
          (1, 'sha256:a1', 'x', 1, '\\x00', 't'), (1, 'sha256:a2', 'x', 1, '\\x00', 't'), (2, 'sha256:b1', 'x', 1, '\\x00', 't');`);
    } finally {
      await c.end();
    }
    const s = await open(url);
    expect((await s.artifacts.listProjectRepositories(1)).map((r) => [r.name, r.artifactCount])).toEqual([['old/a', 2], ['old/b', 1]]);
    expect(await s.artifacts.countProjectRepositories(1)).toBe(2);
    expect(await s.artifacts.countProjectRepositories(2)).toBe(0);
    expect((await s.artifacts.queryRepositories({ projectIds: [1], where: [{ column: 'name', kind: 'fuzzy', value: 'LD/A' }], order: [], offset: 0, limit: 10 })).items.map((r) => r.name))
      .toEqual(['old/a']); // the trigrams of names already there (migration 11)
  });

  test('repository counts stay exact under concurrent pushes and deletes from several replicas', async () => {
    const url = await cluster.database();
    const replicas = [await open(url), await open(url), await open(url)];
    const p = await replicas[0].projects.createProject({ name: 'busy', public: false });
    const pushed = await Promise.all(Array.from({ length: 48 }, async (_, i) => {
      const m = manifestRecord({ seed: `m-${i}` });
      expect(await replicas[i % 3].content.putManifest(`busy/r${i % 6}`, p.id, m, null)).toMatchObject({ ok: true });
      return { repository: `busy/r${i % 6}`, digest: m.digest };
    }));
    // Every manifest of r0 and r1 deleted (so they leave the list), r2 deleted whole, all at once.
    await Promise.all([
      ...pushed.filter((x) => x.repository === 'busy/r0' || x.repository === 'busy/r1').map((x, i) => replicas[i % 3].content.deleteManifest(x.repository, x.digest)),
      replicas[2].content.deleteRepository('busy/r2'),
      ...Array.from({ length: 6 }, (_, i) => replicas[i % 3].content.putManifest('busy/r5', p.id, manifestRecord({ seed: `late-${i}` }), null)),
    ]);
    const truth = await query<{ name: string; n: number }>(url, `SELECT r.name, count(m.id)::int AS n FROM repositories r JOIN manifests m ON m.repository_id = r.id
      WHERE r.project_id = $1 GROUP BY r.name ORDER BY r.name`, [p.id]);
    expect(truth.map((t) => [t.name, t.n])).toEqual([['busy/r3', 8], ['busy/r4', 8], ['busy/r5', 14]]);
    expect((await replicas[1].artifacts.listProjectRepositories(p.id)).map((r) => [r.name, r.artifactCount])).toEqual(truth.map((t) => [t.name, t.n]));
    expect(await replicas[0].artifacts.countProjectRepositories(p.id)).toBe(3);
  });

  test('two creates of one name racing: one wins, the other is CONFLICT (never a 500)', async () => {
    const url = await cluster.database();
    const [a, b] = [await open(url), await open(url)];
    const got = await Promise.allSettled([a.projects.createProject({ name: 'twin', public: false }), b.projects.createProject({ name: 'twin', public: false })]);
    expect(got.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((got.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT' });
  });

  test('a webhook claim reads a few rows of the queue, not all of it (index probes per address)', async () => {
    const url = await cluster.database();
    const s = await open(url);
    const project = await s.projects.createProject({ name: 'hooks', public: false });
    const target = (address: string) => ({ type: 'http' as const, address, authHeader: '', skipCertVerify: false, payloadFormat: 'Default' as const });
    const p = await s.webhooks.createPolicy({ projectId: project.id, name: 'p', description: '', enabled: true, eventTypes: ['PULL_ARTIFACT'],
      targets: [target('http://a/')], creator: 'admin' });
    await s.webhooks.enqueue(Array.from({ length: 5000 }, (_, i) =>
      ({ policyId: p.id, projectId: project.id, eventType: 'PULL_ARTIFACT', event: {}, target: target(`http://receiver-${i % 5}/`) })));
    const now = new Date(Date.now() + 1000).toISOString();
    await s.webhooks.claim(now, new Date(Date.now() + 60_000).toISOString(), 3, 2);
    const [{ 'QUERY PLAN': [plan] }] = await query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(url, `EXPLAIN (ANALYZE, FORMAT JSON) ${numberParams(CLAIM_DUE)}`,
      [now, now, 2, now, 2, 8]);
    // Every row any node of the plan produced: the old query's ranked the whole queue (> 5000).
    type PlanNode = { 'Actual Rows': number; 'Actual Loops': number; Plans?: PlanNode[] };
    const rows = (n: PlanNode): number => n['Actual Rows'] * n['Actual Loops'] + (n.Plans ?? []).reduce((a, c) => a + rows(c), 0);
    expect(rows(plan.Plan)).toBeLessThan(200);
  });
});
