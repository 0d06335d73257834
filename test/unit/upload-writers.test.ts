// Two replicas in one process: two RegistryService instances, each with a database connection and
// a filesystem blob store of its own, on one SQLite file and one blob directory, exactly what two
// `harborctl serve` processes given the same --db and --storage share. Two PATCHes of one upload
// at the same offset, one to each, are both under way at the same moment (each body waits until
// the other request has started reading its own, or has been answered): only one may be accepted,
// and the upload holds exactly its bytes. (test/interop/replicas.test.ts runs the same race over
// HTTP on PostgreSQL and radosgw.)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createLogger } from '../../src/core/log.js';
import { digestOf } from '../../src/oci/digest.js';
import { RegistryService, type ResolvedRepository } from '../../src/services/registry.js';
import { CLAIM_TTL_MS, UploadWriter } from '../../src/services/upload-writer.js';
import { FsBlobStore } from '../../src/storage/blobs/fs/index.js';
import { openSqliteStores, type SqliteStores } from '../../src/storage/meta/sqlite/index.js';
import { expectHarborError, readAll, source } from './helpers.js';

let dir: string;
let dbs: SqliteStores[];
let replicas: RegistryService[];
let repo: ResolvedRepository;
/** Added to the replicas' clock: moves them past a claim's lease. */
let skew = 0;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'harborctl-upload-writers-'));
  dbs = [openSqliteStores(join(dir, 'meta.db')), openSqliteStores(join(dir, 'meta.db'))];
  const log = createLogger('error', { write: () => undefined });
  replicas = await Promise.all(dbs.map(async (stores) => {
    const blobs = new FsBlobStore(join(dir, 'blobs'));
    await blobs.init();
    return new RegistryService(stores, blobs, log, { uploadTtlMs: 3_600_000, clock: () => Date.now() + skew });
  }));
  skew = 0;
  repo = { name: 'race/app', project: await dbs[0].projects.createProject({ name: 'race', public: false }) };
});
afterEach(async () => {
  for (const s of dbs) s.db.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * Two bodies that each send their first half, then wait until both requests have started reading
 * or one of them has been answered: without a guard both are then writing the upload at once.
 */
function racingBodies(a: Buffer, b: Buffer): { bodies: [AsyncIterable<Uint8Array>, AsyncIterable<Uint8Array>]; settled: () => void } {
  let reading = 0;
  let go!: () => void;
  const both = new Promise<void>((r) => { go = r; });
  async function* body(data: Buffer): AsyncGenerator<Uint8Array> {
    if (++reading === 2) go();
    yield data.subarray(0, data.length / 2);
    await both;
    yield data.subarray(data.length / 2);
  }
  return { bodies: [body(a), body(b)], settled: go };
}

describe('one upload, two replicas, two PATCHes at the same offset at once', () => {
  test('exactly one is accepted, the other is RANGE_INVALID (416), and the upload holds the accepted bytes only', async () => {
    for (let round = 0; round < 10; round++) {
      const id = await replicas[0].startUpload(repo);
      const a = Buffer.alloc(4096, `a${round}`);
      const b = Buffer.alloc(4096, `b${round}`);
      const { bodies, settled } = racingBodies(a, b);
      const sent = [replicas[0].appendUpload(repo, id, bodies[0], { start: 0, length: a.length }), replicas[1].appendUpload(repo, id, bodies[1], { start: 0, length: b.length })];
      for (const p of sent) p.then(settled, settled);
      const results = await Promise.allSettled(sent);
      const accepted = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(accepted, `round ${round}`).toHaveLength(1);
      const loser = sent[1 - accepted[0]];
      await expectHarborError(loser, 'RANGE_INVALID');
      const winner = accepted[0] === 0 ? a : b;
      expect(await replicas[1 - accepted[0]].uploadStatus(repo, id)).toBe(winner.length);
      // The other replica commits it: the bytes are the winner's, whole and once.
      expect(await replicas[1 - accepted[0]].completeUpload(repo, id, digestOf(winner), null, {})).toBe(winner.length);
      const read = await replicas[0].readBlob(repo, digestOf(winner), () => null, false);
      expect((await readAll(read.stream!)).equals(winner)).toBe(true);
    }
  });

  test('chunks sent one after the other may alternate between the replicas, and the upload completes', async () => {
    const id = await replicas[0].startUpload(repo);
    const parts = [Buffer.from('first-'), Buffer.from('second-'), Buffer.from('third')];
    let start = 0;
    for (const [i, part] of parts.entries()) {
      start = await replicas[i % 2].appendUpload(repo, id, (async function* () { yield part; })(), { start, length: part.length });
    }
    const all = Buffer.concat(parts);
    expect(await replicas[0].completeUpload(repo, id, digestOf(all), null, {})).toBe(all.length);
  });
  test('a replica that died writing a chunk holds the upload until its claim is stale; then the chunk sent again to another replica is accepted, without the dead one\'s bytes', async () => {
    const id = await replicas[0].startUpload(repo);
    const first = Buffer.from('accepted-');
    await replicas[0].appendUpload(repo, id, source(first), { start: 0, length: first.length });
    // The dead replica: it claimed the session, stored part of its chunk, and never released or renewed.
    expect(await dbs[0].uploads.claimUpload(id, first.length, 'dead-replica', Date.now(), 0)).toBe(true);
    const dead = new FsBlobStore(join(dir, 'blobs'));
    await dead.append(id, source('part of a lost chu'), first.length);
    const second = Buffer.from('second chunk');
    await expectHarborError(replicas[1].appendUpload(repo, id, source(second), { start: first.length }), 'RANGE_INVALID');
    skew = CLAIM_TTL_MS + 1;
    expect(await replicas[1].appendUpload(repo, id, source(second), { start: first.length })).toBe(first.length + second.length);
    const all = Buffer.concat([first, second]);
    expect(await replicas[0].uploadStatus(repo, id)).toBe(all.length);
    expect(await replicas[0].completeUpload(repo, id, digestOf(all), null, {})).toBe(all.length);
  });

  test('a writer whose claim another replica took over (it stalled past the lease) has its body cut with BLOB_UPLOAD_INVALID', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const id = await replicas[0].startUpload(repo);
      const w = await UploadWriter.claim(dbs[0].uploads, id, 0, 0, () => Date.now());
      const body = w.guard(new Readable({ read() { /* a body still streaming */ } }));
      const later = Date.now() + CLAIM_TTL_MS + 1;
      expect(await dbs[1].uploads.claimUpload(id, 0, 'the-other-replica', later, later - CLAIM_TTL_MS)).toBe(true);
      const failed = once(body, 'error');
      await vi.advanceTimersByTimeAsync(CLAIM_TTL_MS);
      const [e] = await failed;
      await expectHarborError(Promise.reject(e), 'BLOB_UPLOAD_INVALID');
      w.done();
    } finally {
      vi.useRealTimers();
    }
  });
});
