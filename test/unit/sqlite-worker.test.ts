// The SQLite worker (storage/meta/sqlite/worker.ts): WAL checkpoints, where the serving connection
// checkpoints only past a large WAL and the worker does once the WAL has grown; background
// transactions, written by the worker's connection in the order sent; and if the worker dies the
// serving connection takes both jobs back, losing nothing.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { openSqliteStores, type SqliteStores } from '../../src/storage/meta/sqlite/index.js';
import type { Step } from '../../src/storage/meta/sqlite/worker.js';

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
  stores = openSqliteStores(join(dir, 'r.db'), { worker: { startBytes: 256 * 1024, intervalMs: 3_600_000, onError: (e) => errors.push(e), maxPages } });
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
  expect(await s.worker.tick()).toBeNull();
  expect(s.worker.started).toBe(false);
  write(s, 3000); // ~600 KB of rows: past the 256 KiB start size
  const r = await s.worker.tick();
  expect(s.worker.started).toBe(true);
  expect(r).toMatchObject({ busy: 0 });
  expect(r!.log).toBeGreaterThan(100);
  expect(r!.checkpointed).toBe(r!.log);
  // Nothing written since: no checkpoint.
  expect(await s.worker.tick()).toBeNull();
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
  expect(s.worker.started).toBe(false);
  const page = s.db.pragma('page_size', { simple: true }) as number;
  expect(largest).toBeLessThan((200 + 100) * page);
  expect(s.db.prepare('SELECT count(*) AS n FROM scratch').get()).toEqual({ n: 12000 });
});

test('two looks at once make one checkpoint', async () => {
  const s = open();
  write(s, 3000);
  const [a, b] = await Promise.all([s.worker.tick(), s.worker.tick()]);
  expect([a, b].filter((x) => x !== null)).toHaveLength(1);
});

test('a worker that dies hands checkpoints back to the serving connection, and says so once', async () => {
  const errors: Error[] = [];
  const s = open(errors);
  write(s, 3000);
  await s.worker.tick();
  const worker = (s.worker as unknown as { worker: Worker }).worker;
  await worker.terminate();
  await new Promise((r) => setImmediate(r));
  expect(errors).toHaveLength(1);
  expect(errors[0].message).toMatch(/SQLite worker exited/);
  expect(s.worker.started).toBe(false);
  expect(s.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  write(s, 3000);
  expect(await s.worker.tick()).toBeNull(); // stopped for good
  expect(errors).toHaveLength(1);
});

test('close ends the worker and SQLite removes the WAL with the last connection; the data is all there on reopening', async () => {
  const s = open();
  write(s, 3000);
  await s.worker.tick();
  write(s, 5);
  await s.close();
  stores = undefined;
  await expect(walBytes()).rejects.toMatchObject({ code: 'ENOENT' });
  stores = openSqliteStores(join(dir, 'r.db'));
  expect(stores.db.prepare('SELECT count(*) AS n FROM scratch').get()).toEqual({ n: 3005 });
});

const insert = (v: string): Step => ['INSERT INTO scratch (v) VALUES (?)', [v]];
const rows = (s: SqliteStores): unknown[] => s.db.prepare('SELECT v FROM scratch ORDER BY rowid').pluck().all();
/** Rows changed by the serving connection since it opened (SQLite counts each connection's own). */
const ownChanges = (s: SqliteStores): number => s.db.prepare('SELECT total_changes()').pluck().get() as number;

/** Grows the WAL past the start size and lets the worker checkpoint it: the worker is running. */
async function startWorker(s: SqliteStores): Promise<void> {
  write(s, 3000);
  await s.worker.tick();
  expect(s.worker.started).toBe(true);
  s.db.exec('DELETE FROM scratch');
}

test('before the WAL has started the worker, transactions are written by the serving connection', async () => {
  const s = open();
  const before = ownChanges(s);
  const sent = s.worker.transact([insert('a'), insert('b')]);
  expect(rows(s)).toEqual(['a', 'b']); // written before it resolves
  await sent;
  expect(ownChanges(s) - before).toBe(2);
  expect(s.worker.started).toBe(false);
});

test('transactions are written by the worker, in the order sent, and the serving connection reads them once they resolve', async () => {
  const s = open();
  await startWorker(s);
  const before = ownChanges(s);
  const sent = [s.worker.transact([insert('a'), insert('b')]), s.worker.transact([insert('c')])];
  await Promise.all(sent);
  expect(rows(s)).toEqual(['a', 'b', 'c']);
  expect(ownChanges(s)).toBe(before); // written by the worker's connection, not this one
  // The serving connection's own transactions wait for the worker's lock and see its commits.
  const late = s.worker.transact([insert('d')]);
  s.db.transaction(() => { s.db.prepare('INSERT INTO scratch (v) VALUES (?)').run(`after ${rows(s).length}`); })();
  await late;
  expect(rows(s)).toHaveLength(5);
});

test('a transaction that fails rejects with its own error and leaves nothing behind; the worker goes on', async () => {
  const errors: Error[] = [];
  const s = open(errors);
  await startWorker(s);
  await expect(s.worker.transact([insert('a'), ['INSERT INTO nowhere (v) VALUES (?)', ['b']]])).rejects.toThrow(/no such table: nowhere/);
  await expect(s.worker.transact([insert('a'), ['INSERT INTO scratch (v) VALUES (?, ?)', ['b']]])).rejects.toThrow(/values for 2 columns|2 values/);
  await s.worker.transact([insert('c')]);
  expect(rows(s)).toEqual(['c']);
  expect(s.worker.started).toBe(true);
  expect(errors).toEqual([]);
});

test('a worker that dies: the serving connection writes what was in flight and every later transaction; nothing is lost', async () => {
  const errors: Error[] = [];
  const s = open(errors);
  await startWorker(s);
  await s.worker.transact([insert('a')]);
  const worker = (s.worker as unknown as { worker: Worker }).worker;
  const inFlight = [s.worker.transact([insert('b')]), s.worker.transact([insert('c')])];
  await worker.terminate();
  await Promise.all(inFlight);
  await s.worker.transact([insert('d')]);
  expect(s.worker.started).toBe(false);
  expect(errors).toHaveLength(1);
  expect(errors[0].message).toMatch(/SQLite worker exited/);
  // 'b' and 'c' were written by the worker, or by this thread when the worker never answered (twice
  // only if it was stopped between its commit and its answer); 'd' here, after the worker was gone.
  const written = rows(s) as string[];
  expect(written[0]).toBe('a');
  expect(written.at(-1)).toBe('d');
  expect(new Set(written)).toEqual(new Set(['a', 'b', 'c', 'd']));
  expect(written.filter((v) => v === 'a' || v === 'd')).toEqual(['a', 'd']);
});
