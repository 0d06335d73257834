// WAL checkpoints in a worker thread (storage/meta/sqlite/checkpoint.ts): the serving connection
// checkpoints only past a large WAL, the worker does once the WAL has grown, and if the worker dies
// the serving connection takes the job back.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { openSqliteStores, type SqliteStores } from '../../src/storage/meta/sqlite/index.js';

let dir: string;
let stores: SqliteStores | undefined;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'harborctl-ckpt-')); });
afterEach(async () => {
  await stores?.close();
  stores = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** Opens the stores with a small start size and no timer of their own: the test calls tick(). */
function open(errors: Error[] = [], maxPages?: number): SqliteStores {
  stores = openSqliteStores(join(dir, 'r.db'), { checkpoints: { startBytes: 256 * 1024, intervalMs: 3_600_000, onError: (e) => errors.push(e), maxPages } });
  stores.db.exec('CREATE TABLE scratch (v TEXT)');
  return stores;
}

function write(s: SqliteStores, rows: number): void {
  const ins = s.db.prepare('INSERT INTO scratch (v) VALUES (?)');
  s.db.transaction(() => { for (let i = 0; i < rows; i++) ins.run('x'.repeat(200)); })();
}

const walBytes = async (): Promise<number> => (await stat(join(dir, 'r.db-wal'))).size;

test('the serving connection checkpoints only past 32 MiB; the worker starts once the WAL is past its start size and checkpoints it all', async () => {
  const s = open();
  expect(s.db.pragma('wal_autocheckpoint', { simple: true })).toBe(8192);
  write(s, 200); // ~50 KiB: under the start size
  expect(await s.checkpoints.tick()).toBeNull();
  expect(s.checkpoints.started).toBe(false);
  write(s, 3000); // ~600 KB of rows: past the 256 KiB start size
  const r = await s.checkpoints.tick();
  expect(s.checkpoints.started).toBe(true);
  expect(r).toMatchObject({ busy: 0 });
  expect(r!.log).toBeGreaterThan(100);
  expect(r!.checkpointed).toBe(r!.log);
  // Nothing written since: no checkpoint.
  expect(await s.checkpoints.tick()).toBeNull();
  // Everything was copied back, so the next commit starts the WAL over instead of growing it.
  const before = await walBytes();
  write(s, 10);
  expect(await walBytes()).toBe(before);
  expect(s.db.prepare('SELECT count(*) AS n FROM scratch').get()).toEqual({ n: 3210 });
});

test('a WAL the worker never catches up with stays bounded: past its size the serving connection checkpoints, and the WAL starts over', async () => {
  // No look at all here (the worker is never started): the worst case of commits that keep coming
  // while the worker checkpoints. Without the serving connection's own checkpoints this WAL grows
  // by every commit (~14 pages each): ~820 pages.
  const s = open([], 200);
  let largest = 0;
  for (let i = 0; i < 60; i++) {
    write(s, 200);
    largest = Math.max(largest, await walBytes());
  }
  expect(s.checkpoints.started).toBe(false);
  const page = s.db.pragma('page_size', { simple: true }) as number;
  expect(largest).toBeLessThan((200 + 100) * page);
  expect(s.db.prepare('SELECT count(*) AS n FROM scratch').get()).toEqual({ n: 12000 });
});

test('two looks at once make one checkpoint', async () => {
  const s = open();
  write(s, 3000);
  const [a, b] = await Promise.all([s.checkpoints.tick(), s.checkpoints.tick()]);
  expect([a, b].filter((x) => x !== null)).toHaveLength(1);
});

test('a worker that dies hands checkpoints back to the serving connection, and says so once', async () => {
  const errors: Error[] = [];
  const s = open(errors);
  write(s, 3000);
  await s.checkpoints.tick();
  const worker = (s.checkpoints as unknown as { worker: Worker }).worker;
  await worker.terminate();
  await new Promise((r) => setImmediate(r));
  expect(errors).toHaveLength(1);
  expect(errors[0].message).toMatch(/checkpoint worker exited/);
  expect(s.checkpoints.started).toBe(false);
  expect(s.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  write(s, 3000);
  expect(await s.checkpoints.tick()).toBeNull(); // stopped for good
  expect(errors).toHaveLength(1);
});

test('close ends the worker and SQLite removes the WAL with the last connection; the data is all there on reopening', async () => {
  const s = open();
  write(s, 3000);
  await s.checkpoints.tick();
  write(s, 5);
  await s.close();
  stores = undefined;
  await expect(walBytes()).rejects.toMatchObject({ code: 'ENOENT' });
  stores = openSqliteStores(join(dir, 'r.db'));
  expect(stores.db.prepare('SELECT count(*) AS n FROM scratch').get()).toEqual({ n: 3005 });
});
