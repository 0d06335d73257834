// The project-row cache of token pulls (services/project-rows.ts): two caches on one database are two
// replicas. A write made on a replica is seen there at once; another replica's write within MAX_AGE_MS.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { MAX_AGE_MS, ProjectRowCache } from '../../src/services/project-rows.js';
import type { Project, ProjectStore } from '../../src/storage/meta/index.js';
import { openSqliteStores, type SqliteStores } from '../../src/storage/meta/sqlite/index.js';

let dir: string;
let stores: SqliteStores;
let now: number;
let reads: number;
/** The store, counting the project reads that reach it. */
let counted: Pick<ProjectStore, 'getProject'>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'harborctl-project-rows-'));
  stores = openSqliteStores(join(dir, 'db'));
  now = Date.parse('2030-01-01T00:00:00Z');
  reads = 0;
  counted = { getProject: (name) => { reads++; return stores.projects.getProject(name); } };
  await stores.projects.createProject({ name: 'lib', public: true });
});
afterEach(async () => {
  await stores.close();
  await rm(dir, { recursive: true, force: true });
});

test('a row is read once per MAX_AGE_MS; another replica\'s change is seen once it is that old', async () => {
  const here = new ProjectRowCache(counted, () => now);
  const p = (await here.getProject('lib'))!;
  expect((await here.getProject('lib'))!.public).toBe(true);
  expect(reads).toBe(1);
  await stores.projects.updateProject(p.id, { public: false }); // the other replica: not through `here`
  now += MAX_AGE_MS - 1;
  expect((await here.getProject('lib'))!.public).toBe(true);
  now += 1;
  expect((await here.getProject('lib'))!.public).toBe(false);
  expect(reads).toBe(2);
});

test('an update or a delete made through the wrapped store is seen at once', async () => {
  const here = new ProjectRowCache(counted, () => now);
  const projects = here.wrapWrites(stores.projects);
  const p = (await here.getProject('lib'))!;
  await projects.updateProject(p.id, { metadata: { enable_content_trust_cosign: 'true' } });
  expect((await here.getProject('lib'))!.metadata.enable_content_trust_cosign).toBe('true');
  await projects.deleteProject(p.id);
  expect(await here.getProject('lib')).toBeNull();
  // The wrapper is still the store for everything else.
  expect((await projects.createProject({ name: 'lib', public: false })).name).toBe('lib');
  expect((await here.getProject('lib'))!.public).toBe(false);
});

test('a missing project is not kept: one created elsewhere is seen at once', async () => {
  const here = new ProjectRowCache(counted, () => now);
  expect(await here.getProject('later')).toBeNull();
  await stores.projects.createProject({ name: 'later', public: true });
  expect((await here.getProject('later'))!.name).toBe('later');
});

test('a read begun before a local write does not keep the row it read', async () => {
  let release!: () => void;
  const old = (await stores.projects.getProject('lib'))!;
  const slow: Pick<ProjectStore, 'getProject'> = {
    getProject: async (): Promise<Project | null> => { reads++; await new Promise<void>((r) => { release = r; }); return old; },
  };
  const here = new ProjectRowCache(slow, () => now);
  const pending = here.getProject('lib');
  await here.wrapWrites(stores.projects).updateProject(old.id, { public: false });
  release();
  expect((await pending)!.public).toBe(true); // what that read saw
  const again = here.getProject('lib'); // not kept: read again
  release();
  await again;
  expect(reads).toBe(2);
});
