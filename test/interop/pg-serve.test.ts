// End to end on PostgreSQL: `harborctl serve --db postgres://...` over a real PostgreSQL 15
// (test/helpers/postgres.ts): skopeo pushes and pulls an image, the metadata is in PostgreSQL (no
// SQLite file in the data dir), a restart sees it all, and the URL's password never appears in the
// server's output. Without PostgreSQL installed this fails, never skips.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_AUTHORIZATION } from '../helpers/admin-auth.js';
import { cliEnv, spawnCli } from '../helpers/cli.js';
import { ContainerClients } from '../helpers/clients.js';
import { buildTestImages, sha256File, type TestImages } from '../helpers/images.js';
import { startPostgres, type Postgres } from '../helpers/postgres.js';
import { startHarborctl } from '../helpers/registry-process.js';

const copyFlags = ['--src-tls-verify=false', '--dest-tls-verify=false'];
const PASSWORD = 'pg-Secret-4217';
let cluster: Postgres;
let dbUrl: string;
let images: TestImages;

beforeAll(async () => {
  cluster = await startPostgres();
  const db = new URL(await cluster.database());
  // A role with a password, as a real deployment has (the test cluster trusts loopback: the password is what must stay hidden).
  const c = new pg.Client({ connectionString: cluster.url });
  await c.connect();
  try {
    await c.query(`CREATE ROLE harborctl LOGIN PASSWORD '${PASSWORD}'`);
    await c.query(`ALTER DATABASE ${db.pathname.slice(1)} OWNER TO harborctl`);
  } finally {
    await c.end();
  }
  dbUrl = `postgres://harborctl:${PASSWORD}@127.0.0.1:${cluster.port}${db.pathname}?sslmode=disable`;
  images = await buildTestImages();
});
afterAll(async () => {
  await images?.dispose();
  await cluster?.stop();
});

describe('harborctl serve --db postgres://', () => {
  test('skopeo pushes and pulls through it; a restart on the same database serves the same image', async () => {
    const first = await startHarborctl({ args: ['--db', dbUrl, '--metrics-listen', 'off'] });
    const clients = await ContainerClients.create([first.host]);
    let dataDir = first.dataDir;
    try {
      await clients.skopeo(['copy', ...copyFlags, `oci:${images.layout}:tiny`, `docker://${first.host}/library/tiny:1`]);
      expect(await readdir(first.dataDir)).not.toContain('registry.db');
      const c = new pg.Client({ connectionString: dbUrl });
      await c.connect();
      try {
        const rows = await c.query("SELECT m.digest FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE r.name = 'library/tiny'");
        expect(rows.rows.map((r: { digest: string }) => r.digest)).toEqual([images.tiny.descriptor.digest]);
      } finally {
        await c.end();
      }
      expect(await first.stop({ keepData: true })).toEqual({ code: 0, signal: null });
      expect(first.logs.join('\n')).not.toContain(PASSWORD);

      const second = await startHarborctl({ dataDir, args: ['--db', dbUrl, '--metrics-listen', 'off'] });
      dataDir = second.dataDir;
      try {
        const back = join(clients.dir, 'pulled-after-restart');
        await clients.skopeo(['copy', ...copyFlags, `docker://${second.host}/library/tiny:1`, `oci:${back}:tiny`]);
        for (const d of [images.tiny.config, ...images.tiny.layers]) {
          expect(await sha256File(join(back, 'blobs', 'sha256', d.digest.slice('sha256:'.length))), d.digest).toBe(d.digest);
        }
        const listed = await fetch(`${second.url}/api/v2.0/projects/library/repositories`, { headers: { authorization: ADMIN_AUTHORIZATION } });
        expect((await listed.json() as { name: string }[]).map((r) => r.name)).toContain('library/tiny');
      } finally {
        expect(await second.stop()).toEqual({ code: 0, signal: null });
        expect(second.logs.join('\n')).not.toContain(PASSWORD);
      }
    } finally {
      await clients.dispose();
    }
  });

  test('a database that cannot be reached stops serve with one line naming it without the password', async () => {
    const { env, cleanup } = await cliEnv();
    try {
      const r = await spawnCli(env, ['serve', '--listen', '127.0.0.1:0', '--metrics-listen', 'off', '--db', `postgres://harborctl:${PASSWORD}@127.0.0.1:1/nowhere`]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^harborctl: cannot open the database postgres:\/\/harborctl:\*\*\*@127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED.*\n$/);
      expect(r.stderr).not.toContain(PASSWORD);
    } finally {
      await cleanup();
    }
  });
});
