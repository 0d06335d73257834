// What the scheduler gets from tag retention: each policy's cron as it is created, changed and
// deleted (onScheduleChange), and every scheduled policy at start (scheduled()).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { ImmutableService } from '../../src/services/immutable.js';
import { AccessControl, type Principal } from '../../src/services/rbac.js';
import { RetentionService } from '../../src/services/retention.js';
import { openSqliteStores, type SqliteStores } from '../../src/storage/meta/sqlite/index.js';

let stores: SqliteStores | undefined;
let dir = '';
afterEach(async () => {
  await stores?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const root: Principal = { kind: 'user', user: { id: 1, username: 'admin', email: '', realname: '', comment: '', passwordHash: '', sysadmin: true, createdAt: '', updatedAt: '' } };
const sel = (decoration: string) => ({ kind: 'doublestar', decoration, pattern: '**' });
const policy = (ref: number, cron: string) => ({
  algorithm: 'or', scope: { level: 'project', ref }, trigger: { kind: 'Schedule', settings: { cron } },
  rules: [{ template: 'always', tag_selectors: [sel('matches')], scope_selectors: { repository: [sel('repoMatches')] } }],
});

test('create, update and delete tell the scheduler the cron; scheduled() lists the policies with one', async () => {
  dir = await mkdtemp(join(tmpdir(), 'harborctl-ret-'));
  stores = openSqliteStores(join(dir, 'meta.db'));
  const access = new AccessControl(stores);
  const told: [number, string | null][] = [];
  const svc = new RetentionService(stores, access, new ImmutableService(stores, access), { onScheduleChange: (id, cron) => { told.push([id, cron]); } });
  const a = await stores.projects.createProject({ name: 'a', public: false });
  const b = await stores.projects.createProject({ name: 'b', public: false });
  const pa = await svc.create(root, policy(a.id, '0 0 0 * * *'));
  const pb = await svc.create(root, policy(b.id, ''));
  expect(await svc.scheduled()).toEqual([{ policyId: pa, cron: '0 0 0 * * *' }]);
  await svc.update(root, pb, policy(b.id, '0 30 2 * * *'));
  await svc.delete(root, pa);
  expect(told).toEqual([[pa, '0 0 0 * * *'], [pb, ''], [pb, '0 30 2 * * *'], [pa, null]]);
  expect(await svc.scheduled()).toEqual([{ policyId: pb, cron: '0 30 2 * * *' }]);
});
