// Tag retention (issue 15 §4): Harbor's /retentions API, each rule template on a server with an
// injected clock, the `or` algorithm, immutable artifacts kept, and a dry run that reports exactly
// what the real run then deletes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addMember, admin, api, basicHeader, createProject, createUser, expectApiError, http, pushImageWith, type Creds } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
let now = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const auth = basicHeader(admin);
const dev: Creds = { username: 'rdev', password: 'Rdev12345' };
const guest: Creds = { username: 'rguest', password: 'Rguest12345' };

const sel = (decoration: string, pattern: string, extras?: string) => ({ kind: 'doublestar', decoration, pattern, ...(extras ? { extras } : {}) });
const rule = (template: string, n: number | null, tags = '**', repo = '**', tagDecoration = 'matches') => ({
  disabled: false, action: 'retain', template, params: n === null ? {} : { [template]: n },
  tag_selectors: [sel(tagDecoration, tags)], scope_selectors: { repository: [sel('repoMatches', repo)] },
});

async function project(name: string): Promise<number> {
  const id = await createProject(srv.url, name);
  await addMember(srv.url, name, dev.username, 2);
  await addMember(srv.url, name, guest.username, 3);
  return id;
}

/** Pushes `repo:tag` at the clock's `at`. */
async function pushAt(at: number, repo: string, tag: string, seed = `${repo}:${tag}`): Promise<string> {
  now = at;
  const r = await pushImageWith(srv.url, repo, tag, auth, seed);
  if (!r.ok) throw new Error(r.text);
  return r.digest;
}

async function pullAt(at: number, repo: string, tag: string): Promise<void> {
  now = at;
  const r = await http(srv.url, 'GET', `/v2/${repo}/manifests/${tag}`, { headers: { ...auth, accept: 'application/vnd.oci.image.manifest.v1+json' } });
  expect(r.status).toBe(200);
}

async function createPolicy(pid: number, rules: unknown[], as: Creds = admin): Promise<number> {
  const r = await api(srv.url, 'POST', '/retentions', { as, body: { algorithm: 'or', rules, trigger: { kind: 'Schedule', settings: { cron: '' } }, scope: { level: 'project', ref: pid } } });
  expect(r.status, r.text).toBe(201);
  return Number(r.headers.location.split('/').pop());
}

interface RunResult { execution: Record<string, unknown>; marks: Record<string, string>; logs: string[] }

/** Triggers an execution, waits for it, and reads each task's log: tag list (or digest) → mark. */
async function run(id: number, dryRun: boolean): Promise<RunResult> {
  const t = await api(srv.url, 'POST', `/retentions/${id}/executions`, { body: { dry_run: dryRun } });
  expect(t.status, t.text).toBe(201);
  const eid = Number(t.headers.location.split('/').pop());
  await srv.app.retention.idle();
  const execs = await api(srv.url, 'GET', `/retentions/${id}/executions`);
  const execution = execs.body.find((e: { id: number }) => e.id === eid);
  const tasks = await api(srv.url, 'GET', `/retentions/${id}/executions/${eid}/tasks`);
  expect(tasks.status).toBe(200);
  const marks: Record<string, string> = {};
  const logs: string[] = [];
  for (const task of tasks.body as { id: number; repository: string }[]) {
    const log = await api(srv.url, 'GET', `/retentions/${id}/executions/${eid}/tasks/${task.id}`);
    expect(log.status).toBe(200);
    logs.push(log.text);
    for (const line of log.text.split('\n').filter((l) => l.startsWith('| sha256:'))) {
      const cells = line.split('|').map((c) => c.trim());
      marks[`${task.repository}:${cells[2] || cells[1]}`] = cells[5];
    }
  }
  return { execution, marks, logs };
}

async function tags(repo: string): Promise<string[]> {
  const r = await http(srv.url, 'GET', `/v2/${repo}/tags/list`, { headers: auth });
  return r.status === 200 ? (r.body.tags as string[]).sort() : [];
}

/** A dry run, then the real run: both decide the same, and the real run deletes exactly the DEL marks. */
async function dryThenReal(id: number): Promise<Record<string, string>> {
  const dry = await run(id, true);
  expect(dry.execution).toMatchObject({ status: 'Success', dry_run: true, trigger: 'MANUAL' });
  expect(dry.logs.every((l) => l.startsWith('dry run'))).toBe(true);
  const real = await run(id, false);
  expect(real.execution).toMatchObject({ status: 'Success', dry_run: false });
  expect(real.marks).toEqual(dry.marks);
  return real.marks;
}

beforeAll(async () => {
  srv = await startTestServer({ clock: () => now });
  await createUser(srv.url, dev.username, dev.password);
  await createUser(srv.url, guest.username, guest.password);
});
afterAll(async () => {
  await srv.close();
});

describe('retention policies API', () => {
  test('metadatas, create with retention_id, one policy per project, get, update, delete', async () => {
    const meta = await api(srv.url, 'GET', '/retentions/metadatas');
    expect(meta.body.templates.map((t: { rule_template: string }) => t.rule_template)).toEqual(['latestPushedK', 'latestPulledN', 'nDaysSinceLastPush', 'nDaysSinceLastPull', 'always']);
    expectApiError(await api(srv.url, 'GET', '/retentions/metadatas', { as: null }), 401, 'UNAUTHORIZED');
    const pid = await project('rapi');
    const id = await createPolicy(pid, [rule('latestPushedK', 3)], dev);
    expect((await api(srv.url, 'GET', '/projects/rapi/metadatas/retention_id')).body).toEqual({ retention_id: String(id) });
    const again = await api(srv.url, 'POST', '/retentions', { body: { algorithm: 'or', rules: [], scope: { level: 'project', ref: pid } } });
    expectApiError(again, 400, 'BAD_REQUEST');
    const got = await api(srv.url, 'GET', `/retentions/${id}`, { as: dev });
    expect(got.body).toEqual({ id, algorithm: 'or', rules: [{ id: 1, priority: 0, disabled: false, action: 'retain', template: 'latestPushedK', params: { latestPushedK: 3 },
      tag_selectors: [{ ...sel('matches', '**'), extras: '' }], scope_selectors: { repository: [{ ...sel('repoMatches', '**'), extras: '' }] } }],
    trigger: { kind: 'Schedule', settings: {}, references: {} }, scope: { level: 'project', ref: pid } });
    const upd = await api(srv.url, 'PUT', `/retentions/${id}`, { body: { algorithm: 'or', rules: [rule('always', null)], trigger: { kind: 'Schedule', settings: { cron: '0 0 0 * * *' } }, scope: { level: 'project', ref: pid } } });
    expect(upd.status, upd.text).toBe(200);
    expect((await api(srv.url, 'GET', `/retentions/${id}`)).body).toMatchObject({ rules: [{ template: 'always', params: {} }], trigger: { settings: { cron: '0 0 0 * * *' } } });
    expectApiError(await api(srv.url, 'GET', `/retentions/${id}`, { as: guest }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'POST', `/retentions/${id}/executions`, { as: guest, body: { dry_run: true } }), 403, 'FORBIDDEN');
    expect((await api(srv.url, 'DELETE', `/retentions/${id}`)).status).toBe(200);
    expectApiError(await api(srv.url, 'GET', '/projects/rapi/metadatas/retention_id'), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'GET', `/retentions/${id}`), 404, 'NOT_FOUND');
  });

  test('bad policies are refused: unknown template, missing param, 16 rules, duplicate rules, bad cron, bad scope', async () => {
    const pid = await project('rbad');
    const body = (rules: unknown[], extra: Record<string, unknown> = {}) => ({ algorithm: 'or', rules, scope: { level: 'project', ref: pid }, ...extra });
    for (const b of [
      body([rule('lastXDays', 3)]),
      body([{ ...rule('latestPushedK', 3), params: {} }]),
      body(Array.from({ length: 16 }, (_, i) => rule('latestPushedK', i))),
      body([rule('always', null)], { trigger: { kind: 'Schedule', settings: { cron: 'daily' } } }),
      body([rule('always', null)], { scope: { level: 'system', ref: 0 } }),
      body([rule('always', null)], { scope: { level: 'project', ref: 99999 } }),
    ]) expectApiError(await api(srv.url, 'POST', '/retentions', { body: b }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/retentions', { body: body([rule('always', null), rule('always', null)]) }), 409, 'CONFLICT');
    expectApiError(await api(srv.url, 'PATCH', '/retentions/1/executions/1', { body: { action: 'pause' } }), 400, 'BAD_REQUEST');
  });
});

describe('rule templates (dry run = real run)', () => {
  test('latestPushedK keeps the K most recently pushed', async () => {
    const pid = await project('rpush');
    const t0 = Date.parse('2026-02-01T00:00:00Z');
    for (const [i, tag] of ['v1', 'v2', 'v3'].entries()) await pushAt(t0 + i * HOUR, 'rpush/app', tag);
    const marks = await dryThenReal(await createPolicy(pid, [rule('latestPushedK', 2)]));
    expect(marks).toEqual({ 'rpush/app:v1': 'DEL', 'rpush/app:v2': 'RETAIN', 'rpush/app:v3': 'RETAIN' });
    expect(await tags('rpush/app')).toEqual(['v2', 'v3']);
  });

  test('latestPulledN keeps the N most recently pulled', async () => {
    const pid = await project('rpull');
    const t0 = Date.parse('2026-03-01T00:00:00Z');
    for (const tag of ['a', 'b', 'c']) await pushAt(t0, 'rpull/app', tag);
    await pullAt(t0 + HOUR, 'rpull/app', 'a');
    await pullAt(t0 + 2 * HOUR, 'rpull/app', 'c');
    const marks = await dryThenReal(await createPolicy(pid, [rule('latestPulledN', 1)]));
    expect(marks).toEqual({ 'rpull/app:a': 'DEL', 'rpull/app:b': 'DEL', 'rpull/app:c': 'RETAIN' });
    expect(await tags('rpull/app')).toEqual(['c']);
  });

  test('nDaysSinceLastPush keeps what was pushed within N days of the clock', async () => {
    const pid = await project('rdays');
    const t0 = Date.parse('2026-04-01T00:00:00Z');
    await pushAt(t0, 'rdays/app', 'old');
    await pushAt(t0 + 10 * DAY, 'rdays/app', 'new');
    const id = await createPolicy(pid, [rule('nDaysSinceLastPush', 5)]);
    now = t0 + 12 * DAY;
    const marks = await dryThenReal(id);
    expect(marks).toEqual({ 'rdays/app:old': 'DEL', 'rdays/app:new': 'RETAIN' });
    expect(await tags('rdays/app')).toEqual(['new']);
  });

  test('nDaysSinceLastPull keeps what was pulled within N days; never pulled goes', async () => {
    const pid = await project('rpdays');
    const t0 = Date.parse('2026-05-01T00:00:00Z');
    for (const tag of ['x', 'y', 'z']) await pushAt(t0, 'rpdays/app', tag);
    await pullAt(t0 + 2 * DAY, 'rpdays/app', 'y');
    await pullAt(t0 + 10 * DAY, 'rpdays/app', 'x');
    const id = await createPolicy(pid, [rule('nDaysSinceLastPull', 7)]);
    now = t0 + 12 * DAY;
    const marks = await dryThenReal(id);
    expect(marks).toEqual({ 'rpdays/app:x': 'RETAIN', 'rpdays/app:y': 'DEL', 'rpdays/app:z': 'DEL' });
    expect(await tags('rpdays/app')).toEqual(['x']);
  });

  test('always with tag and repository selectors; rules combine with or; unselected repositories are untouched', async () => {
    const pid = await project('ror');
    const t0 = Date.parse('2026-06-01T00:00:00Z');
    for (const [i, tag] of ['keep-1', 'dev-1', 'dev-2', 'dev-3'].entries()) await pushAt(t0 + i * HOUR, 'ror/app', tag);
    await pushAt(t0, 'ror/skip/app', 'dev-9');
    const id = await createPolicy(pid, [rule('always', null, 'keep-*', 'app'), rule('latestPushedK', 1, 'dev-*', 'app')]);
    const marks = await dryThenReal(id);
    expect(marks).toEqual({ 'ror/app:keep-1': 'RETAIN', 'ror/app:dev-1': 'DEL', 'ror/app:dev-2': 'DEL', 'ror/app:dev-3': 'RETAIN' });
    expect(await tags('ror/app')).toEqual(['dev-3', 'keep-1']);
    expect(await tags('ror/skip/app')).toEqual(['dev-9']);
  });

  test('untagged artifacts: selected by matches unless extras say untagged:false', async () => {
    const pid = await project('runtag');
    const t0 = Date.parse('2026-07-01T00:00:00Z');
    const lost = await pushAt(t0, 'runtag/app', 'v1', 'first');
    await pushAt(t0 + HOUR, 'runtag/app', 'v1', 'second'); // v1 moves: the first image is untagged now
    const keepUntagged = { ...rule('always', null), tag_selectors: [sel('matches', '**', '{"untagged":true}')] };
    const marks = await dryThenReal(await createPolicy(pid, [keepUntagged]));
    expect(Object.values(marks)).toEqual(['RETAIN', 'RETAIN']);
    const id = Number((await api(srv.url, 'GET', '/projects/runtag/metadatas/retention_id')).body.retention_id);
    await api(srv.url, 'PUT', `/retentions/${id}`, { body: { algorithm: 'or', rules: [{ ...rule('always', null), tag_selectors: [sel('matches', '**', '{"untagged":false}')] }], scope: { level: 'project', ref: pid } } });
    const second = await dryThenReal(id);
    expect(second).toEqual({ 'runtag/app:v1': 'RETAIN', [`runtag/app:${lost}`]: 'DEL' });
  });

  test('an artifact an immutable rule protects is never deleted (marked IMMUTABLE)', async () => {
    const pid = await project('rimm');
    const t0 = Date.parse('2026-08-01T00:00:00Z');
    await pushAt(t0, 'rimm/app', 'rel-1');
    await pushAt(t0 + HOUR, 'rimm/app', 'tmp-1');
    const imm = await api(srv.url, 'POST', '/projects/rimm/immutabletagrules', { body: {
      tag_selectors: [sel('matches', 'rel-*')], scope_selectors: { repository: [sel('repoMatches', '**')] } } });
    expect(imm.status).toBe(201);
    const marks = await dryThenReal(await createPolicy(pid, [rule('latestPushedK', 0)]));
    expect(marks).toEqual({ 'rimm/app:rel-1': 'IMMUTABLE', 'rimm/app:tmp-1': 'DEL' });
    expect(await tags('rimm/app')).toEqual(['rel-1']);
  });

  test('runRetention (the scheduler\'s entry) records a SCHEDULE execution; stop on a finished one is a no-op', async () => {
    const pid = await project('rsched');
    await pushAt(Date.parse('2026-09-01T00:00:00Z'), 'rsched/app', 'v1');
    const id = await createPolicy(pid, [rule('always', null)]);
    const { executionId, done } = await srv.app.retention.runRetention(id, { dryRun: false, trigger: 'SCHEDULE' });
    await done;
    const execs = await api(srv.url, 'GET', `/retentions/${id}/executions`);
    expect(execs.body).toEqual([expect.objectContaining({ id: executionId, policy_id: id, status: 'Success', trigger: 'SCHEDULE', dry_run: false })]);
    expect(execs.headers['x-total-count']).toBe('1');
    expect((await api(srv.url, 'PATCH', `/retentions/${id}/executions/${executionId}`, { body: { action: 'stop' } })).status).toBe(200);
    expectApiError(await api(srv.url, 'PATCH', `/retentions/${id}/executions/99999`, { body: { action: 'stop' } }), 404, 'NOT_FOUND');
    expect(await tags('rsched/app')).toEqual(['v1']);
  });

  test('a policy\'s cron runs it on the scheduler (kind RETENTION:<id>); an empty cron or a delete unschedules it', async () => {
    const pid = await project('rcron');
    await pushAt(Date.parse('2026-09-02T00:00:00Z'), 'rcron/app', 'v1');
    const id = await createPolicy(pid, [rule('always', null)]);
    const kind = `RETENTION:${id}`;
    expect(await srv.app.scheduler.getSchedule(kind)).toBeNull();
    const every = (cron: string) => ({ algorithm: 'or', rules: [rule('always', null)], trigger: { kind: 'Schedule', settings: { cron } }, scope: { level: 'project', ref: pid } });
    expect((await api(srv.url, 'PUT', `/retentions/${id}`, { body: every('* * * * * *') })).status).toBe(200);
    expect(await srv.app.scheduler.getSchedule(kind)).toMatchObject({ type: 'Custom', cron: '* * * * * *' });
    // Every second: wait (at most 10 s, polling) for the first scheduled execution.
    let scheduled: { trigger: string; status: string } | undefined;
    for (let i = 0; i < 100 && !scheduled; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await srv.app.retention.idle();
      scheduled = (await api(srv.url, 'GET', `/retentions/${id}/executions`)).body.find((e: { trigger: string }) => e.trigger === 'SCHEDULE');
    }
    expect(scheduled).toMatchObject({ trigger: 'SCHEDULE', status: 'Success' });
    expect((await api(srv.url, 'PUT', `/retentions/${id}`, { body: every('') })).status).toBe(200);
    expect(await srv.app.scheduler.getSchedule(kind)).toBeNull();
    expect((await api(srv.url, 'PUT', `/retentions/${id}`, { body: every('0 0 3 * * *') })).status).toBe(200);
    expect(await srv.app.scheduler.getSchedule(kind)).toMatchObject({ cron: '0 0 3 * * *' });
    expect((await api(srv.url, 'DELETE', `/retentions/${id}`)).status).toBe(200);
    expect(await srv.app.scheduler.getSchedule(kind)).toBeNull();
  });
});

describe('restart', () => {
  test('an execution a previous process left Running ends as Error on the next start', async () => {
    const first = await startTestServer();
    let dataDir = first.dataDir;
    try {
      const pid = await createProject(first.url, 'rrestart');
      const r = await api(first.url, 'POST', '/retentions', { body: { algorithm: 'or', rules: [rule('always', null)], scope: { level: 'project', ref: pid } } });
      const id = Number(r.headers.location.split('/').pop());
      const exec = await first.app.stores.retention.createRetentionExecution(id, 'MANUAL', false);
      await first.close({ keepData: true });
      const second = await startTestServer({ dataDir });
      dataDir = '';
      try {
        const execs = await api(second.url, 'GET', `/retentions/${id}/executions`);
        expect(execs.body).toEqual([expect.objectContaining({ id: exec.id, status: 'Error' })]);
      } finally {
        await second.close();
      }
    } finally {
      if (dataDir) await first.close();
    }
  });
});
