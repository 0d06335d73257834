// The SQLite stores: every store's contract on a temp database file, plus what only SQLite promises
// (versioned migrations, data kept across a reopen, refusing a schema from a newer harborctl).
import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { migrate, openSqliteStores, type SqliteStores } from '../../src/storage/meta/sqlite/index.js';
import { MIGRATIONS } from '../../src/storage/meta/sqlite/migrations.js';
import { CLAIM_PARTS } from '../../src/storage/meta/sqlite/webhooks.js';
import { digestOf } from '../../src/oci/digest.js';
import { manifestRecord } from './contract/harness.js';
import { metaStoresContract } from './contract/index.js';

let tmp: string;
let n = 0;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'harborctl-meta-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const dbPath = (): string => join(tmp, `meta-${++n}.db`);

metaStoresContract('sqlite', async () => openSqliteStores(dbPath()), async (stores, rows) => {
  const insert = (stores as SqliteStores).db.prepare('INSERT INTO audit_logs (project_id, username, resource, resource_type, operation, op_time) VALUES (?, ?, ?, ?, ?, ?)');
  for (const r of rows) insert.run(r.projectId, r.username, r.resource, r.resourceType, r.operation, r.opTime);
});

/** Resolves in a later turn of the event loop than the caller's (a timer runs after the turn's immediates). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

describe('SQLite stores specifics', () => {
  const opened: { close(): unknown }[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });
  function open(path: string, clock?: () => Date): SqliteStores {
    const s = openSqliteStores(path, { clock });
    opened.push(s);
    return s;
  }

  test('a new database is migrated to the latest user_version, in WAL mode', () => {
    const s = open(dbPath());
    expect(MIGRATIONS.length).toBeGreaterThan(0);
    expect(s.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  test('migrate applies each migration once and is a no-op on a current database', () => {
    const db = new Database(':memory:');
    opened.push(db);
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(migrate(db)).toBe(MIGRATIONS.length);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['blobs', 'manifests', 'project_memberships', 'project_metadata', 'projects', 'repositories', 'repository_blobs',
      'repository_tags', 'uploads', 'users']));
    // A second run must not re-run CREATE TABLE (which would throw).
    expect(migrate(db)).toBe(MIGRATIONS.length);
  });

  test('migration 2 keeps the tags and projects of a version-1 database', async () => {
    const path = dbPath();
    const raw = new Database(path);
    raw.exec(MIGRATIONS[0]);
    raw.pragma('user_version = 1');
    raw.exec(`INSERT INTO projects (id, name, public, created_at, updated_at) VALUES (1, 'old', 1, 't', 't');
      INSERT INTO repositories (id, project_id, name, created_at, updated_at) VALUES (1, 1, 'old/app', 't', 't');
      INSERT INTO manifests (id, repository_id, digest, media_type, size, content, pushed_at) VALUES (1, 1, 'sha256:aa', 'x', 1, x'00', 't');
      INSERT INTO tags (repository_id, name, manifest_id, pushed_at) VALUES (1, 'v1', 1, 't'), (1, 'v2', 1, 't');`);
    raw.close();
    const s = open(path);
    expect(s.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(await s.projects.getProject('old')).toMatchObject({ name: 'old', public: true, ownerId: null, storageLimit: -1, metadata: {} });
    expect(await s.content.listTags('old/app', {})).toEqual(['v1', 'v2']);
    const [art] = await s.artifacts.listArtifacts('old/app');
    expect(art.tags.map((t) => t.name)).toEqual(['v1', 'v2']);
    expect(art.tags.every((t) => Number.isInteger(t.id))).toBe(true);
  });

  test('a name substring whose every piece more than 256 repositories hold is a scan; a rarer piece narrows it', async () => {
    const s = open(dbPath());
    const p = await s.projects.createProject({ name: 'many', public: false });
    // 300 repositories, each with a manifest, in one transaction (the content store's path, not raw rows).
    s.db.transaction(() => {
      for (let i = 0; i < 300; i++) void s.content.putManifest(`many/common-${i}`, p.id, manifestRecord({ seed: String(i) }), null);
    })();
    const find = async (value: string): Promise<[number, string[]]> => {
      const r = await s.artifacts.queryRepositories({ projectIds: [p.id], where: [{ column: 'name', kind: 'fuzzy', value }], order: [{ column: 'name', dir: 'asc' }], offset: 0, limit: 3 });
      return [r.total, r.items.map((x) => x.name)];
    };
    expect(await find('COMMON')).toEqual([300, ['many/common-0', 'many/common-1', 'many/common-10']]);
    expect(await find('mon-10')).toEqual([11, ['many/common-10', 'many/common-100', 'many/common-101']]);
    expect(await find('n-29')).toEqual([11, ['many/common-29', 'many/common-290', 'many/common-291']]);
  });

  test('migration 29 counts the manifests of every repository and the listed repositories of every project', async () => {
    const path = dbPath();
    const raw = new Database(path);
    for (const m of MIGRATIONS.slice(0, 28)) raw.exec(m);
    raw.pragma('user_version = 28');
    raw.exec(`INSERT INTO projects (id, name, public, created_at, updated_at) VALUES (1, 'old', 1, 't', 't'), (2, 'empty', 0, 't', 't');
      INSERT INTO repositories (id, project_id, name, created_at, updated_at) VALUES (1, 1, 'old/a', 't', 't'), (2, 1, 'old/b', 't', 't'), (3, 1, 'old/blobs', 't', 't');
      INSERT INTO manifests (repository_id, digest, media_type, size, content, pushed_at) VALUES
        (1, 'sha256:a1', 'x', 1, x'00', 't'), (1, 'sha256:a2', 'x', 1, x'00', 't'), (2, 'sha256:b1', 'x', 1, x'00', 't');`);
    raw.close();
    const s = open(path);
    expect((await s.artifacts.listProjectRepositories(1)).map((r) => [r.name, r.artifactCount])).toEqual([['old/a', 2], ['old/b', 1]]);
    expect(await s.artifacts.countProjectRepositories(1)).toBe(2);
    expect(await s.artifacts.countProjectRepositories(2)).toBe(0);
    expect((await s.artifacts.queryRepositories({ projectIds: [1], where: [{ column: 'name', kind: 'fuzzy', value: 'LD/A' }], order: [], offset: 0, limit: 10 })).items.map((r) => r.name))
      .toEqual(['old/a']); // the trigrams of names already there (migration 30)
  });

  test("the content change token moves when another connection (another replica's process) commits", async () => {
    const path = dbPath();
    const a = open(path);
    const b = open(path);
    const project = await b.projects.createProject({ name: 'p', public: false });
    const before = await a.content.changeToken();
    expect(await a.content.changeToken()).toBe(before);
    await b.content.putManifest('p/app', project.id, manifestRecord({ seed: 'other-process' }), 'v1');
    // Later in a turn, another connection commits after the ask: that caller's token is read after the commit.
    await nextTurn();
    const first = await a.content.changeToken();
    expect(first).not.toBe(before);
    const asked = a.content.changeToken();
    expect((await b.content.putManifest('p/app', project.id, manifestRecord({ seed: 'other-process-2' }), 'v2')).ok).toBe(true);
    expect(await asked).not.toBe(first);
  });

  test('the change token: the first caller of a turn reads at once, the later ones share one read made after them', async () => {
    const s = open(dbPath());
    const project = await s.projects.createProject({ name: 'p', public: false });
    await nextTurn();
    const first = s.content.changeToken();
    const second = s.content.changeToken();
    expect(s.content.changeToken()).toBe(second); // one read for the turn's later callers
    // A commit of this connection after they asked, in the same turn, is in their token, not the first's.
    await s.content.putManifest('p/app', project.id, manifestRecord({ seed: 'same-turn' }), 'v1');
    const [t0, t1] = [await first, await second];
    expect(t1).not.toBe(t0);
    await nextTurn();
    expect(await s.content.changeToken()).toBe(t1);
  });

  test('reopening the same file keeps every kind of data', async () => {
    const path = dbPath();
    const first = open(path);
    const p = await first.projects.createProject({ name: 'keep', public: true });
    const cfg = digestOf('cfg');
    await first.content.linkBlob('keep/app', p.id, { digest: cfg, size: 3, mediaType: 'application/vnd.oci.image.config.v1+json' });
    const m = manifestRecord({ seed: 'persisted', blobs: [cfg] });
    expect(await first.content.putManifest('keep/app', p.id, m, 'v1')).toEqual({ ok: true, created: true });
    const sig = manifestRecord({ seed: 'sig', subject: m.digest, artifactType: 'application/x-sig' });
    await first.content.putManifest('keep/app', p.id, sig, null);
    await first.uploads.createUpload({ id: 'u-1', repository: 'keep/app', createdAt: 10, updatedAt: 20 });
    await first.close();

    const second = open(path);
    expect(await second.projects.getProject('keep')).toEqual({ ...p, storageUsed: 3 + m.size + sig.size });
    expect(await second.content.getBlobLink('keep/app', cfg)).toEqual({ digest: cfg, size: 3, mediaType: 'application/vnd.oci.image.config.v1+json' });
    expect(await second.content.getManifest('keep/app', 'v1')).toEqual({ digest: m.digest, mediaType: m.mediaType, size: m.size, content: m.content });
    expect(await second.content.listTags('keep/app', {})).toEqual(['v1']);
    expect(await second.content.listRepositories({})).toEqual(['keep/app']);
    expect((await second.content.listReferrers('keep/app', m.digest)).map((d) => d.digest)).toEqual([sig.digest]);
    expect(await second.uploads.getUpload('u-1')).toEqual({ id: 'u-1', repository: 'keep/app', createdAt: 10, updatedAt: 20, size: 0, claimedAt: null });
    expect(second.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
  });

  test('a database with a newer user_version is refused and left untouched', () => {
    const path = dbPath();
    const raw = new Database(path);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    expect(() => openSqliteStores(path)).toThrow(/newer/);
    const check = new Database(path, { readonly: true });
    opened.push(check);
    expect(check.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length + 1);
    expect(check.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'").pluck().get()).toBe(0);
  });

  test('project timestamps come from the injected clock', async () => {
    const s = open(dbPath(), () => new Date('2024-05-06T07:08:09.000Z'));
    const p = await s.projects.createProject({ name: 'clocked', public: false });
    expect(p.createdAt).toBe('2024-05-06T07:08:09.000Z');
    expect(p.updatedAt).toBe('2024-05-06T07:08:09.000Z');
  });

  test('a transaction takes the write lock at BEGIN (another process sharing the file waits instead of failing)', () => {
    const path = dbPath();
    const s = open(path);
    const other = new Database(path);
    opened.push(other);
    other.pragma('busy_timeout = 0');
    let otherGotWriteLock: boolean | undefined;
    s.db.transaction(() => {
      // Nothing written yet: a deferred transaction would not hold the write lock at this point.
      s.db.prepare('SELECT count(*) FROM projects').get();
      try {
        other.prepare('BEGIN IMMEDIATE').run();
        other.prepare('ROLLBACK').run();
        otherGotWriteLock = true;
      } catch (e) {
        expect((e as { code?: string }).code).toBe('SQLITE_BUSY');
        otherGotWriteLock = false;
      }
    })();
    expect(otherGotWriteLock).toBe(false);
  });

  test('a webhook claim reads the queue through index searches only, never a scan of it', () => {
    const s = open(dbPath());
    const args = { pendingAddresses: [], live: ['x'], lapsed: ['x'], oldestDue: ['a', 'x', 2] };
    for (const [name, sql] of Object.entries(CLAIM_PARTS)) {
      const plan = (s.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args[name as keyof typeof args]) as { detail: string }[]).map((r) => r.detail);
      expect(plan.some((d) => d.startsWith('SEARCH')), name).toBe(true);
      // Scans only of the CTE (addrs a); no automatic index over the table either.
      expect(plan.filter((d) => (d.startsWith('SCAN') && !/^SCAN (a|addrs)$/.test(d)) || /AUTOMATIC.*webhook_deliveries/.test(d)), name).toEqual([]);
    }
  });

  test('close may be called twice', async () => {
    const s = open(dbPath());
    await s.close();
    await s.close();
    expect(s.db.open).toBe(false);
  });
});
