// `serve --db` (env HARBORCTL_DB): a bad URL stops serve with exit 2 before anything is opened,
// without repeating the URL (it may hold a password); `sqlite:PATH` keeps the database at PATH. The
// PostgreSQL form runs against a real PostgreSQL in test/interop/pg-serve.test.ts.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { cliEnv, serveRefusal, spawnCli } from '../helpers/cli.js';
import { pushBlob } from '../helpers/oci.js';
import { startTestServer } from '../helpers/server.js';

const FORMS = 'expected sqlite:PATH or postgres://USER[:PASS]@HOST:PORT/DB[?sslmode=...]';

describe('harborctl serve --db', () => {
  test.each([
    [['--db', 'mysql://u:hunter2-secret@h/db'], '--db: unknown scheme'],
    [['--db', 'sqlite:'], '--db: sqlite: is followed by a file path, e.g. sqlite:/srv/harborctl/registry.db'],
    [['--db', 'postgres:///db'], '--db: a postgres URL names a host'],
    [['--db', 'postgres://u:hunter2-secret@/db'], '--db: not a valid URL'],
    [['--db', 'postgres://:hunter2-secret@db.example:5432/db'], '--db: a postgres URL names a user'],
    [['--db', 'postgres://u:hunter2-secret@db.example:5432/'], '--db: a postgres URL names one database (letters, digits, _ . $ -)'],
    [['--db', 'postgres://u:hunter2-secret@db.example:5432/a/b'], '--db: a postgres URL names one database (letters, digits, _ . $ -)'],
    [['--db', 'postgres://u:hunter2-secret@db.example:99999/db'], '--db: not a valid URL'],
    [['--db', 'postgres://u:hunter2-secret@db.example/db?sslmode=maybe'], '--db: sslmode is one of disable, prefer, require, no-verify, verify-ca, verify-full'],
    [['--db', 'postgres://u:hunter2-secret@db.example/db?host=/tmp'], '--db: unknown parameter "host": only sslmode'],
    [['--db', 'postgres://u:hunter2-secret@db.example/db?sslmode=require&sslmode=disable'], '--db: sslmode given twice'],
  ])('serve %j → exit 2, the password not repeated', async (args, line) => {
    const { result, left } = await serveRefusal(args);
    expect(result).toEqual({ code: 2, stdout: '', stderr: `harborctl: ${line} (${FORMS})\n` });
    expect(result.stderr).not.toContain('hunter2');
    // Checked before anything is opened: not even the data dir was made.
    expect(left).toEqual([]);
  });

  test('HARBORCTL_DB is read when --db is not given (the built binary, with its own environment)', async () => {
    const { env, dir, cleanup } = await cliEnv({ HARBORCTL_DB: 'postgres://u:hunter2-secret@db.example/db?sslmode=sometimes' });
    try {
      const r = await spawnCli(env, ['serve', '--listen', '127.0.0.1:0']);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 2, stdout: '',
        stderr: `harborctl: --db: sslmode is one of disable, prefer, require, no-verify, verify-ca, verify-full (${FORMS})\n` });
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await cleanup();
    }
  });

  test('sqlite:PATH keeps the database at PATH, not in the data dir', async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'harborctl-db-elsewhere-'));
    const path = join(elsewhere, 'meta.db');
    const srv = await startTestServer({ db: { kind: 'sqlite', path } });
    try {
      await pushBlob(srv.url, 'library/elsewhere', Buffer.from('a layer whose link is kept elsewhere'));
      expect(await readdir(elsewhere)).toContain('meta.db');
      expect(await readdir(srv.dataDir)).not.toContain('registry.db');
    } finally {
      await srv.close();
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});
