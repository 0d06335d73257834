// `harborctl migrate` end to end: a single-node `serve` (SQLite + files) filled by skopeo (an image,
// an index, a referrer, a project with a quota, a robot), stopped, then moved into a real PostgreSQL
// 15 and a real Ceph radosgw bucket; a `serve --db postgres://... --storage s3://...` on the result
// answers as the first did. Also: a migration killed in the middle of the blob copy completes when
// run again; a target with data, or a source a serve is running on, is refused; bad URLs are one line and exit 2; the
// copier keeps ids and moves the sequences past them. Without PostgreSQL or Ceph this fails, never skips.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { api, getToken } from '../helpers/api.js';
import { startCeph, type Ceph } from '../helpers/ceph.js';
import { cliEnv, json, spawnCli, type CliEnv } from '../helpers/cli.js';
import { ContainerClients } from '../helpers/clients.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { buildTestImages, type TestImages } from '../helpers/images.js';
import { call, digestOf, EMPTY_JSON, manifestBytes, MT, pushBlob, pushManifest } from '../helpers/oci.js';
import { startPostgres, type Postgres } from '../helpers/postgres.js';
import { startHarborctl, type RegistryProcess } from '../helpers/registry-process.js';
import { MetaCopy } from '../../src/storage/meta/copy.js';
import { openSqliteStores } from '../../src/storage/meta/sqlite/index.js';
import { openPgStores } from '../../src/storage/meta/pg/index.js';

const copyFlags = ['--src-tls-verify=false', '--dest-tls-verify=false'];
let postgres: Postgres;
let ceph: Ceph;
let images: TestImages;
let source: RegistryProcess;
let sandbox: CliEnv;
let s3env: NodeJS.ProcessEnv;
/** What the source held, to compare with the target's answers. */
const before = {
  tags: [] as { ref: string; digest: string }[],
  referrer: '',
  quota: undefined as unknown,
  robot: { username: '', password: '' },
  projectId: 0,
};

interface Summary {
  from: { db: string; storage: string };
  to: { db: string; storage: string };
  blobs: { total: number; copied: number; skipped: number; bytes: number; damaged: string[] };
  tables: { table: string; source: number; target: number; match: boolean }[];
  verified: boolean;
}

function migrate(args: string[], onSpawn?: (pid: number) => void): ReturnType<typeof spawnCli> {
  return spawnCli({ ...sandbox.env, ...s3env }, ['migrate', '--data-dir', source.dataDir, ...args], { onSpawn });
}

async function rawDigest(host: string, ref: string, clients: ContainerClients): Promise<string> {
  return digestOf(Buffer.from((await clients.skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${host}/${ref}`])).stdout));
}

beforeAll(async () => {
  [postgres, ceph, images] = await Promise.all([startPostgres(), startCeph(), buildTestImages()]);
  s3env = { AWS_ACCESS_KEY_ID: ceph.accessKeyId, AWS_SECRET_ACCESS_KEY: ceph.secretAccessKey };
  sandbox = await cliEnv();
  source = await startHarborctl({ args: ['--metrics-listen', 'off'] });
  const clients = await ContainerClients.create([source.host]);
  try {
    const p = await api(source.url, 'POST', '/projects', { body: { project_name: 'quota-p', storage_limit: 50 * 1024 * 1024, metadata: { public: 'false' } } });
    expect(p.status, p.text).toBe(201);
    before.projectId = Number(p.headers.location.split('/').pop());
    await clients.skopeo(['copy', ...copyFlags, `oci:${images.layout}:tiny`, `docker://${source.host}/library/tiny:1`]);
    await clients.skopeo(['copy', '--all', ...copyFlags, `oci:${images.layout}:multi`, `docker://${source.host}/library/multi:1`]);
    await clients.skopeo(['copy', ...copyFlags, `oci:${images.layout}:tiny`, `docker://${source.host}/quota-p/app:v1`]);
    for (const ref of ['library/tiny:1', 'library/multi:1', 'quota-p/app:v1']) before.tags.push({ ref, digest: await rawDigest(source.host, ref, clients) });
    // An SBOM-like referrer of the tiny image (image-spec 1.1 subject).
    const tiny = before.tags[0].digest;
    const tinyBytes = (await call(source.url, `/v2/library/tiny/manifests/${tiny}`, { headers: { accept: MT.ociManifest } })).body;
    await pushBlob(source.url, 'library/tiny', EMPTY_JSON, MT.ociEmpty);
    const sbom = await pushBlob(source.url, 'library/tiny', Buffer.from('{"spdxVersion":"SPDX-2.3"}'), 'application/spdx+json');
    const doc = {
      schemaVersion: 2, mediaType: MT.ociManifest, artifactType: 'application/spdx+json',
      config: { mediaType: MT.ociEmpty, digest: digestOf(EMPTY_JSON), size: 2 }, layers: [sbom],
      subject: { mediaType: MT.ociManifest, digest: tiny, size: tinyBytes.length },
    };
    before.referrer = (await pushManifest(source.url, 'library/tiny', digestOf(manifestBytes(doc)), doc, MT.ociManifest)).digest;
    const robot = await api(source.url, 'POST', '/robots', { body: {
      name: 'ci', description: 'pulls', duration: -1, level: 'project',
      permissions: [{ kind: 'project', namespace: 'quota-p', access: [{ resource: 'repository', action: 'pull' }] }],
    } });
    expect(robot.status, robot.text).toBe(201);
    before.robot = { username: robot.body.name, password: robot.body.secret };
    before.quota = (await api(source.url, 'GET', '/projects/quota-p/summary')).body.quota;
    expect(before.quota).toMatchObject({ hard: { storage: 50 * 1024 * 1024 }, used: { storage: expect.any(Number) } });
  } finally {
    await clients.dispose();
  }
  expect(await source.stop({ keepData: true })).toEqual({ code: 0, signal: null });
});

afterAll(async () => {
  await sandbox?.cleanup();
  if (source) await rm(source.dataDir, { recursive: true, force: true });
  await images?.dispose();
  await ceph?.stop();
  await postgres?.stop();
});

describe('harborctl migrate', () => {
  test('bad URLs end with one line and exit 2 before anything is opened; a password is never shown', async () => {
    const bucket = 's3://b-1?endpoint=http://127.0.0.1:1&path_style=true';
    const bad = await migrate(['--to-db', 'mysql://u@h/db', '--to-storage', bucket]);
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr).toBe('harborctl: --to-db: unknown scheme (expected sqlite:PATH or postgres://USER[:PASS]@HOST:PORT/DB[?sslmode=...])\n');
    const storage = await migrate(['--to-db', 'postgres://u@h/db', '--to-storage', 'ftp://x']);
    expect(storage).toMatchObject({ code: 2, stdout: '' });
    expect(storage.stderr).toMatch(/^harborctl: --to-storage: unknown scheme \(expected [^\n]+\)\n$/);
    const from = await migrate(['--from-db', 'postgres://u@h/db', '--to-db', 'postgres://u@h/db', '--to-storage', bucket]);
    expect(from.stderr).toBe('harborctl: --from-db: the source database is a SQLite file (sqlite:PATH)\n');
    expect(from.code).toBe(2);
    // A database nobody listens on: exit 1, one line, the password as ***.
    const closed = await migrate(['--to-db', 'postgres://u:s3cret-pw@127.0.0.1:1/db', '--to-storage', bucket]);
    expect(closed).toMatchObject({ code: 1, stdout: '' });
    expect(closed.stderr).toMatch(/^harborctl: cannot open the database postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db: [^\n]+\n$/);
    expect(closed.stderr).not.toContain('s3cret-pw');
  });

  test('a source a running serve holds is refused (one line, exit 1) and the target is left untouched', async () => {
    const running = await startHarborctl({ args: ['--metrics-listen', 'off'] });
    try {
      const url = await postgres.database();
      const r = await spawnCli({ ...sandbox.env, ...s3env }, ['migrate', '--data-dir', running.dataDir, '--to-db', url, '--to-storage', ceph.storageUrl(await ceph.bucket())]);
      expect(r).toMatchObject({ code: 1, stdout: '' });
      expect(r.stderr).toMatch(/^harborctl: the source database is in use by a running harborctl serve \(its lease runs until [0-9TZ:.-]+\): stop it first\n$/);
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        expect((await c.query("SELECT to_regclass('users') AS t")).rows[0].t, 'no schema was created in the target').toBeNull();
      } finally {
        await c.end();
      }
    } finally {
      expect(await running.stop()).toEqual({ code: 0, signal: null });
    }
  });

  let db = '';
  let bucket = '';
  test('killed in the middle of the blob copy, a second run skips what was copied and completes', async () => {
    db = await postgres.database();
    bucket = await ceph.bucket();
    const proxy = await startFaultProxy(ceph.endpoint, { keepHost: true });
    try {
      // The first blob committed into the bucket: from then on the bucket does not answer, and the
      // migration is killed while it waits for the next one.
      const firstBlob = new Promise<void>((resolve) => {
        proxy.onForward = (line) => {
          if (/^PUT \/[^/]+\/blobs\/sha256\/[0-9a-f]{2}\/[0-9a-f]{64}(\?|$)/.test(line)) { proxy.mode = 'hang'; resolve(); }
        };
      });
      let pid = 0;
      const killed = migrate(['--to-db', db, '--to-storage', `s3://${bucket}?endpoint=${encodeURIComponent(proxy.url)}&path_style=true`], (p) => { pid = p; });
      await firstBlob;
      process.kill(pid, 'SIGKILL');
      const k = await killed;
      expect(k.signal, k.stderr).toBe('SIGKILL');
    } finally {
      await proxy.close();
    }
    const copiedBefore = (await ceph.keys(bucket)).filter((k) => /^blobs\/sha256\//.test(k));
    expect(copiedBefore.length).toBeGreaterThanOrEqual(1);
    const c = new pg.Client({ connectionString: db });
    await c.connect();
    try {
      expect(Number((await c.query('SELECT count(*) AS n FROM users')).rows[0].n), 'the metadata is copied after the blobs').toBe(0);
    } finally {
      await c.end();
    }

    const r = await migrate(['--to-db', db, '--to-storage', ceph.storageUrl(bucket), '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const s = json<Summary>(r);
    expect(s.verified).toBe(true);
    expect(s.blobs.skipped).toBeGreaterThanOrEqual(copiedBefore.length);
    expect(s.blobs.copied + s.blobs.skipped).toBe(s.blobs.total);
    expect(s.blobs.damaged).toEqual([]);
    for (const t of s.tables) expect(t, t.table).toMatchObject({ source: t.target, match: true });
    expect(s.tables.find((t) => t.table === 'users')!.target).toBeGreaterThanOrEqual(1);
    expect(s.tables.map((t) => t.table)).not.toContain('locks');
    expect(s.from.db).toBe(`sqlite:${join(source.dataDir, 'registry.db')}`);
  });

  test('a target that holds data is refused without --force (one line, exit 1); with --force it is replaced and verified', async () => {
    const again = await migrate(['--to-db', db, '--to-storage', ceph.storageUrl(bucket)]);
    expect(again).toMatchObject({ code: 1, stdout: '' });
    expect(again.stderr).toMatch(/^harborctl: the target is not empty: its database has rows \(in [a-z_, .]+\); pass --force to replace its metadata \(blobs are kept\)\n$/);
    const forced = await migrate(['--to-db', db, '--to-storage', ceph.storageUrl(bucket), '--force', '-o', 'json']);
    expect(forced.code, forced.stderr).toBe(0);
    const s = json<Summary>(forced);
    expect(s).toMatchObject({ verified: true, blobs: { copied: 0, damaged: [] } });
    expect(s.blobs.skipped).toBe(s.blobs.total);
  });

  test('serve on PostgreSQL + radosgw answers as the single node did: digests, referrer, quota, robot, admin password', async () => {
    const target = await startHarborctl({ args: ['--metrics-listen', 'off', '--db', db, '--storage', ceph.storageUrl(bucket)], env: s3env });
    const clients = await ContainerClients.create([target.host]);
    try {
      for (const { ref, digest } of before.tags) expect(await rawDigest(target.host, ref, clients), ref).toBe(digest);
      const back = join(clients.dir, 'pulled');
      await clients.skopeo(['copy', '--all', '--preserve-digests', ...copyFlags, `docker://${target.host}/library/multi:1`, `oci:${back}:multi`]);
      await clients.skopeo(['copy', '--preserve-digests', ...copyFlags, `docker://${target.host}/quota-p/app:v1`, `oci:${back}:app`]);
      const referrers = await call(target.url, `/v2/library/tiny/referrers/${before.tags[0].digest}`);
      expect(referrers.status).toBe(200);
      expect(referrers.json<{ manifests: { digest: string }[] }>().manifests.map((m) => m.digest)).toEqual([before.referrer]);
      // The admin's password (api() logs in as admin) and the project's quota moved.
      expect((await api(target.url, 'GET', '/projects/quota-p/summary')).body.quota).toEqual(before.quota);
      // The robot's secret still logs in, and its token is signed by the key that moved with the database.
      const token = await getToken(target.url, ['repository:quota-p/app:pull'], before.robot);
      expect(token.status, token.text).toBe(200);
      expect(token.claims!.access).toEqual([{ type: 'repository', name: 'quota-p/app', actions: ['pull'] }]);
      // The sequences were moved past the copied ids: new rows get new ids.
      const p = await api(target.url, 'POST', '/projects', { body: { project_name: 'after-move', metadata: { public: 'false' } } });
      expect(p.status, p.text).toBe(201);
      expect(Number(p.headers.location.split('/').pop())).toBeGreaterThan(before.projectId);
    } finally {
      await clients.dispose();
      expect(await target.stop()).toEqual({ code: 0, signal: null });
    }
  });

  test('the copier keeps ids, copies in foreign-key order and moves every sequence past the highest id', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'harborctl-copy-'));
    try {
      const path = join(dir, 'registry.db');
      const src = openSqliteStores(path);
      const ids: number[] = [];
      for (const u of ['a', 'b', 'c']) ids.push((await src.identity.createUser({ username: u, passwordHash: 'x' })).id);
      await src.identity.deleteUser(ids[1]);
      const p = await src.projects.createProject({ name: 'p', public: true, ownerId: ids[2], storageLimit: 7 });
      await src.close();
      const url = await postgres.database();
      const copy = await MetaCopy.open({ kind: 'sqlite', path }, { kind: 'postgres', url });
      try {
        expect(copy.tables.findIndex((t) => t.name === 'users')).toBeLessThan(copy.tables.findIndex((t) => t.name === 'projects'));
        await copy.copy({ replace: false });
        expect((await copy.counts()).filter((c) => c.source !== c.target)).toEqual([]);
      } finally {
        await copy.close();
      }
      const dst = await openPgStores(url);
      try {
        expect((await dst.identity.getUserByName('c'))?.id).toBe(ids[2]);
        expect(await dst.projects.getProject('p')).toMatchObject({ id: p.id, ownerId: ids[2], storageLimit: 7, public: true });
        expect((await dst.identity.createUser({ username: 'd', passwordHash: 'x' })).id).toBe(ids[2] + 1);
        expect((await dst.projects.createProject({ name: 'q', public: false })).id).toBe(p.id + 1);
      } finally {
        await dst.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
