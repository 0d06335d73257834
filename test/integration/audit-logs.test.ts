// Harbor's audit log of artifacts: what is recorded (a pull per manifest GET, never a HEAD; create on
// push; delete) and under which name (users, robot$…, anonymous), in the extended log as Harbor 2.13
// records it; and the legacy log's two list endpoints, which keep what was recorded before (rows put
// there as an earlier harborctl wrote them) and are no longer written: q= filters, paging,
// permissions and bad input. Every reply is held against the swagger by helpers/api.ts.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addMember, admin, api, basicHeader, bearer, createProject, createUser, expectApiError, getToken, http, pushImageWith, type Creds } from '../helpers/api.js';
import { cli, cliEnv, json } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
let digest: string;
const alice: Creds = { username: 'alice', password: 'Alice12345' }; // project admin of team
const bob: Creds = { username: 'bob', password: 'Bob123456' }; // developer of team
let robotCreds: Creds;

const MANIFEST_ACCEPT = { accept: 'application/vnd.oci.image.manifest.v1+json' };
type Reply = { status: number; body: any; headers: Record<string, string> }; // eslint-disable-line @typescript-eslint/no-explicit-any
/** The legacy log. */
const logs = async (query = '', as: Creds | null = admin): Promise<Reply> => api(srv.url, 'GET', `/audit-logs${query}`, { as });
/** The artifact operations of the extended log matching these q= terms. */
const recorded = async (terms = ''): Promise<Reply> => api(srv.url, 'GET', `/auditlog-exts?page_size=100&q=${terms ? `${terms},` : ''}resource_type=artifact`);

/** The legacy log as an earlier harborctl left it (written with SQL: nothing writes it now). */
function legacyRows(): void {
  const db = new Database(join(srv.dataDir, 'registry.db'));
  try {
    const project = db.prepare('SELECT id FROM projects WHERE name = ?').pluck();
    const insert = db.prepare(`INSERT INTO audit_logs (project_id, username, resource, resource_type, operation, op_time) VALUES (?, ?, ?, 'artifact', ?, ?)`);
    const rows: [string, string, string, string][] = [
      ['team', 'admin', 'team/app:v1', 'create'], ['other', 'admin', 'other/tool:latest', 'create'], ['library', 'admin', 'library/alpine:3', 'create'],
      ['team', 'bob', 'team/app:v1', 'pull'], ['team', 'bob', `team/app@${digest}`, 'pull'], ['library', 'anonymous', 'library/alpine:3', 'pull'],
      ['other', 'admin', 'other/tool:gone', 'delete'],
    ];
    rows.forEach(([p, user, resource, op], i) => insert.run(project.get(p), user, resource, op, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString()));
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  srv = await startTestServer();
  await createUser(srv.url, alice.username, alice.password);
  await createUser(srv.url, bob.username, bob.password);
  await createProject(srv.url, 'team');
  await createProject(srv.url, 'other');
  await addMember(srv.url, 'team', 'alice', 1);
  await addMember(srv.url, 'team', 'bob', 2);
  const pushed = await pushImageWith(srv.url, 'team/app', 'v1', basicHeader(admin));
  if (!pushed.ok) throw new Error(pushed.text);
  digest = pushed.digest;
  const other = await pushImageWith(srv.url, 'other/tool', 'latest', basicHeader(admin));
  expect(other.ok).toBe(true);
  const lib = await pushImageWith(srv.url, 'library/alpine', '3', basicHeader(admin));
  expect(lib.ok).toBe(true);
  const r = await api(srv.url, 'POST', '/robots', { body: { name: 'ci', level: 'project', duration: -1, permissions: [{ kind: 'project', namespace: 'team', access: [{ resource: 'repository', action: 'pull' }] }] } });
  expect(r.status, r.text).toBe(201);
  robotCreds = { username: r.body.name, password: r.body.secret };
  legacyRows();
});
afterAll(async () => { await srv?.close(); });

describe('recording (the extended log, as Harbor 2.13)', () => {
  test('a push is recorded as create of project/repo:tag by the pusher', async () => {
    const r = await recorded('operation=create');
    expect(r.status).toBe(200);
    expect(r.body.map((x: { resource: string }) => x.resource).sort()).toEqual(['library/alpine:3', 'other/tool:latest', 'team/app:v1']);
    expect(r.body[0]).toMatchObject({ username: 'admin', resource_type: 'artifact', operation: 'create', id: expect.any(Number), op_time: expect.any(String),
      operation_description: 'create artifact: library/alpine:3', operation_result: true });
  });

  test('one pull per manifest GET, none for HEAD; by digest the resource is repo@digest', async () => {
    const auth = basicHeader(bob);
    expect((await http(srv.url, 'HEAD', '/v2/team/app/manifests/v1', { headers: { ...auth, ...MANIFEST_ACCEPT } })).status).toBe(200);
    expect((await http(srv.url, 'HEAD', '/v2/team/app/manifests/v1', { headers: { ...auth, ...MANIFEST_ACCEPT } })).status).toBe(200);
    expect((await recorded('operation=pull,username=bob')).body).toEqual([]);
    expect((await http(srv.url, 'GET', '/v2/team/app/manifests/v1', { headers: { ...auth, ...MANIFEST_ACCEPT } })).status).toBe(200);
    expect((await http(srv.url, 'GET', `/v2/team/app/manifests/${digest}`, { headers: { ...auth, ...MANIFEST_ACCEPT } })).status).toBe(200);
    const r = await recorded('operation=pull,username=bob');
    expect(r.body.map((x: { resource: string }) => x.resource)).toEqual([`team/app@${digest}`, 'team/app:v1']); // newest first
    expect(r.headers['x-total-count']).toBe('2');
  });

  test('robots are named robot$…, token pulls by their subject, public pulls without credentials as anonymous', async () => {
    expect((await http(srv.url, 'GET', '/v2/team/app/manifests/v1', { headers: { ...basicHeader(robotCreds), ...MANIFEST_ACCEPT } })).status).toBe(200);
    const anon = await getToken(srv.url, ['repository:library/alpine:pull'], null);
    expect(anon.status).toBe(200);
    expect((await http(srv.url, 'GET', '/v2/library/alpine/manifests/3', { headers: { ...bearer(anon.token!), ...MANIFEST_ACCEPT } })).status).toBe(200);
    const tok = await getToken(srv.url, ['repository:team/app:pull'], alice);
    expect((await http(srv.url, 'GET', '/v2/team/app/manifests/v1', { headers: { ...bearer(tok.token!), ...MANIFEST_ACCEPT } })).status).toBe(200);

    // Harbor unescapes q once more (a '+' is a space there): a name with '+' is sent encoded twice.
    expect((await recorded(`username=${encodeURIComponent(encodeURIComponent(robotCreds.username))}`)).body).toMatchObject([{ username: 'robot$team+ci', resource: 'team/app:v1', operation: 'pull' }]);
    expect((await recorded('username=anonymous')).body).toMatchObject([{ resource: 'library/alpine:3', operation: 'pull' }]);
    expect((await recorded('username=alice,operation=pull')).body).toHaveLength(1);
  });

  test('a failed pull (unknown tag) is not recorded; a manifest delete is', async () => {
    expect((await http(srv.url, 'GET', '/v2/team/app/manifests/nope', { headers: basicHeader(admin) })).status).toBe(404);
    expect((await recorded('resource=~nope')).body).toEqual([]);
    const pushed = await pushImageWith(srv.url, 'other/tool', 'gone', basicHeader(admin), 'gone');
    if (!pushed.ok) throw new Error(pushed.text);
    expect((await http(srv.url, 'DELETE', `/v2/other/tool/manifests/${pushed.digest}`, { headers: basicHeader(admin) })).status).toBe(202);
    expect((await recorded('operation=delete')).body).toMatchObject([{ username: 'admin', resource: `other/tool@${pushed.digest}`, resource_type: 'artifact' }]);
  });

  test('nothing goes to the legacy log any more', async () => {
    const before = (await logs('?page_size=100')).body;
    expect((await http(srv.url, 'GET', '/v2/team/app/manifests/v1', { headers: { ...basicHeader(admin), ...MANIFEST_ACCEPT } })).status).toBe(200);
    expect((await pushImageWith(srv.url, 'team/app', 'v9', basicHeader(admin), 'v9')).ok).toBe(true);
    expect((await recorded('resource=team/app:v9')).body).toHaveLength(1);
    expect((await logs('?page_size=100')).body).toEqual(before);
    expect(before).toHaveLength(7);
  });
});

describe('listing the legacy log', () => {
  test('q=: exact, fuzzy resource, any-of, op_time range', async () => {
    const all = (await logs('?page_size=100')).body as { id: number; resource: string; operation: string; op_time: string }[];
    expect((await logs('?q=resource=~team/&page_size=100')).body.every((x: { resource: string }) => x.resource.startsWith('team/'))).toBe(true);
    expect((await logs('?q=resource=team/app:v1&page_size=100')).body.length).toBe(all.filter((x) => x.resource === 'team/app:v1').length);
    expect((await logs(`?q=${encodeURIComponent('operation={create delete}')}&page_size=100`)).body.length).toBe(all.filter((x) => x.operation !== 'pull').length);
    const first = all[all.length - 1].op_time;
    const inRange = await logs(`?q=${encodeURIComponent(`op_time=[${first}~${new Date(Date.now() + 60_000).toISOString()}]`)}&page_size=100`);
    expect(inRange.body.length).toBe(all.length);
    const future = await logs(`?q=${encodeURIComponent('op_time=[2999-01-01 00:00:00~2999-12-31 23:59:59]')}`);
    expect(future.body).toEqual([]);
    expect(future.headers['x-total-count']).toBe('0');
  });

  test('page, page_size, X-Total-Count and Link; sort', async () => {
    const total = Number((await logs()).headers['x-total-count']);
    expect(total).toBeGreaterThan(4);
    const p1 = await logs('?page=1&page_size=2');
    expect(p1.body).toHaveLength(2);
    expect(p1.headers.link).toBe('</api/v2.0/audit-logs?page=2&page_size=2>; rel="next"');
    const p2 = await logs('?page=2&page_size=2');
    expect(p2.headers.link).toContain('rel="prev"');
    expect(p2.body[0].id).toBeLessThan(p1.body[1].id);
    const asc = await logs('?sort=id&page_size=100');
    expect(asc.body.map((x: { id: number }) => x.id)).toEqual([...asc.body.map((x: { id: number }) => x.id)].sort((a, b) => a - b));
  });

  test('/projects/{project_name}/logs holds that project only', async () => {
    const r = await api(srv.url, 'GET', '/projects/team/logs?page_size=100', { as: alice });
    expect(r.status).toBe(200);
    expect(r.body.length).toBeGreaterThan(0);
    expect(r.body.every((x: { resource: string }) => x.resource.startsWith('team/'))).toBe(true);
    expect(Number(r.headers['x-total-count'])).toBe(r.body.length);
  });

  test('permissions: anonymous 401, a developer 403 on project logs, a project admin sees only its projects', async () => {
    expectApiError(await logs('', null), 401, 'UNAUTHORIZED');
    expectApiError(await api(srv.url, 'GET', '/projects/team/logs', { as: null }), 401, 'UNAUTHORIZED');
    expectApiError(await api(srv.url, 'GET', '/projects/team/logs', { as: bob }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/projects/other/logs', { as: alice }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/projects/nosuch/logs'), 404, 'NOT_FOUND');
    // Harbor's /audit-logs never refuses a signed-in user: it shows the projects they administer.
    const mine = await logs('?page_size=100', alice);
    expect(mine.status).toBe(200);
    expect(mine.body.length).toBeGreaterThan(0);
    expect(mine.body.every((x: { resource: string }) => x.resource.startsWith('team/'))).toBe(true);
    expect((await logs('', bob)).body).toEqual([]);
  });

  test.each([
    ['?q=operation', 'BAD_REQUEST'],
    [`?q=${encodeURIComponent('op_time=[yesterday~today]')}`, 'BAD_REQUEST'],
    ['?page=0', 'BAD_REQUEST'],
  ])('bad input %s → 400 envelope', async (query, code) => {
    expectApiError(await logs(query), 400, code);
  });

  test('keys and sort fields we do not filter on are ignored, as Harbor\'s ORM skips them', async () => {
    const all = await logs('?page_size=100');
    expect((await logs('?page_size=100&q=nope%3D1&sort=-nope')).body).toEqual(all.body);
  });
});

describe('harborctl audit-log list', () => {
  test('filters, -o json, the project form, --legacy, and usage errors', async () => {
    const sandbox = await cliEnv({ HARBORCTL_DATA_DIR: srv.dataDir });
    try {
      // The extended log, where this registry records pulls.
      const r = await cli(sandbox.env, ['audit-log', 'list', '--operation', 'pull', '--resource', 'team/app', '--username', 'bob', '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      expect(json(r).map((x: { resource: string; operation_description: string }) => [x.resource, x.operation_description]))
        .toEqual([[`team/app@${digest}`, `pull artifact: team/app@${digest}`], ['team/app:v1', 'pull artifact: team/app:v1']]);
      const table = await cli(sandbox.env, ['audit-log', 'list', '--operation', 'create', '--page-size', '0']);
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/^ID\s+TIME\s+USER\s+OPERATION\s+TYPE\s+RESOURCE/);
      expect(table.stdout).toContain('team/app:v1');
      const legacy = await cli(sandbox.env, ['audit-log', 'list', '--legacy', '--operation', 'pull', '-o', 'json']);
      expect(legacy.code, legacy.stderr).toBe(0);
      expect(json(legacy).map((x: { resource: string; op_time: string }) => [x.resource, x.op_time])).toEqual([
        ['library/alpine:3', '2026-01-01T00:05:00.000Z'], [`team/app@${digest}`, '2026-01-01T00:04:00.000Z'], ['team/app:v1', '2026-01-01T00:03:00.000Z'],
      ]);
      const legacyTable = await cli(sandbox.env, ['audit-log', 'list', '--legacy']);
      expect(legacyTable.stdout).toMatch(/^ID\s+TIME\s+USER\s+OPERATION\s+RESOURCE\n/);
      for (const bad of [['--legacy', '--ext'], ['--legacy', '--operation', 'login'], ['--legacy', '--resource-type', 'user']]) {
        const u = await cli(sandbox.env, ['audit-log', 'list', ...bad]);
        expect(u.code, bad.join(' ')).toBe(2);
        expect(u.stderr).toMatch(/^harborctl: .*\n$/);
      }
      const project = await cli(sandbox.env, ['audit-log', 'list', '--project', 'other', '-o', 'yaml', '--page-size', '100']);
      expect(project.code).toBe(0);
      expect(project.stdout).not.toContain('team/');
      expect((await cli(sandbox.env, ['audit-log', 'list', '--operation', 'push'])).code).toBe(2);
      expect((await cli(sandbox.env, ['audit-log', 'list', '--resource', 'a,b'])).code).toBe(2);
      const nosuch = await cli(sandbox.env, ['audit-log', 'list', '--project', 'nosuch']);
      expect(nosuch.code).toBe(3);
    } finally {
      await sandbox.cleanup();
    }
  });
});

describe('durability', () => {
  test('entries buffered at close are written, and survive a restart', async () => {
    const dataDir = srv.dataDir;
    expect((await http(srv.url, 'GET', '/v2/team/app/manifests/v1', { headers: { ...basicHeader(admin), ...MANIFEST_ACCEPT } })).status).toBe(200);
    const before = Number((await recorded()).headers['x-total-count']);
    expect((await http(srv.url, 'GET', '/v2/team/app/manifests/v1', { headers: { ...basicHeader(admin), ...MANIFEST_ACCEPT } })).status).toBe(200);
    await srv.close({ keepData: true }); // no list in between: the last pull is only in the buffer
    srv = await startTestServer({ dataDir });
    expect(Number((await recorded()).headers['x-total-count'])).toBe(before + 1);
  });
});
