// Harbor's API conventions as real clients rely on them (issue 12 §2): q= decoded a second time,
// unknown q and sort keys ignored, library seeded with its admin member, harbor_version in Harbor's
// shape, what GET /robots shows without q, and pull counts and pull times.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashPassword } from '../../src/core/passwords.js';
import { MIGRATIONS } from '../../src/storage/meta/sqlite/migrations.js';
import { ADMIN_PASSWORD, admin, api, basicHeader, createProject, http, pushImageWith } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
let v1: string;
let v2: string;

beforeAll(async () => {
  srv = await startTestServer();
  await createProject(srv.url, 'conv');
  const a = await pushImageWith(srv.url, 'conv/web', 'v1', basicHeader(admin));
  const b = await pushImageWith(srv.url, 'conv/web', 'v2', basicHeader(admin));
  const c = await pushImageWith(srv.url, 'conv/api', 'v1', basicHeader(admin));
  if (!a.ok || !b.ok || !c.ok) throw new Error('push failed');
  v1 = a.digest;
  v2 = b.digest;
});
afterAll(async () => { await srv.close(); });

const names = (r: { body: { name: string }[] }): string[] => r.body.map((x) => x.name);

describe('q= is decoded a second time, as Harbor does (src/lib/q/builder.go)', () => {
  test('a twice-encoded q (as @hapic/harbor sends it) finds the project', async () => {
    // name=~lib encoded twice: %3D → %253D is what the client sends once more encoded.
    const r = await api(srv.url, 'GET', '/projects?q=name%3D%257Elib');
    expect(r.status).toBe(200);
    expect(names(r)).toEqual(['library']);
    const once = await api(srv.url, 'GET', `/projects?q=${encodeURIComponent('name=~lib')}`);
    expect(names(once)).toEqual(['library']);
  });

  test('a value that is not valid percent-encoding the second time is kept as it is', async () => {
    const r = await api(srv.url, 'GET', `/projects?q=${encodeURIComponent('name=~%zz')}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual([]);
  });
});

describe('unknown q and sort keys are ignored (src/lib/orm/query.go)', () => {
  test('artifacts?sort=-creation_time answers in the default order (newest push first)', async () => {
    const r = await api(srv.url, 'GET', '/projects/conv/repositories/web/artifacts?sort=-creation_time');
    expect(r.status).toBe(200);
    expect(r.body.map((a: { digest: string }) => a.digest)).toEqual([v2, v1]);
  });

  test('artifacts?q=label_id=1 is not a filter Harbor knows: every artifact', async () => {
    const r = await api(srv.url, 'GET', '/projects/conv/repositories/web/artifacts?q=label_id%3D1');
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(2);
  });

  test('artifacts?q=labels=(1) filters on labels, which no artifact has here; tags=* and tags=nil', async () => {
    expect((await api(srv.url, 'GET', `/projects/conv/repositories/web/artifacts?q=${encodeURIComponent('labels=(1)')}`)).body).toEqual([]);
    expect((await api(srv.url, 'GET', `/projects/conv/repositories/web/artifacts?q=${encodeURIComponent('tags=*')}`)).body).toHaveLength(2);
    expect((await api(srv.url, 'GET', `/projects/conv/repositories/web/artifacts?q=${encodeURIComponent('tags=nil')}`)).body).toEqual([]);
  });

  test('repositories?sort=-pull_count works; an unknown sort key falls back to the default order', async () => {
    expect((await api(srv.url, 'GET', '/projects/conv/repositories?sort=-pull_count')).status).toBe(200);
    const r = await api(srv.url, 'GET', '/projects/conv/repositories?sort=-nonsense,name');
    expect(r.status).toBe(200);
    expect(names(r)).toEqual(['conv/api', 'conv/web']);
  });

  test('repositories filter, sort and page in the store as Harbor does: prototype keys ignored, case-blind substrings, integers as integers', async () => {
    const get = (query: string) => api(srv.url, 'GET', `/projects/conv/repositories?${query}`);
    const q = (v: string): string => `q=${encodeURIComponent(v)}`;
    for (const query of [q('__proto__=x,constructor=~y,toString=[1~2]'), 'sort=__proto__,constructor', q('hasOwnProperty={a b}')]) {
      const r = await get(query);
      expect(r.status).toBe(200);
      expect(r.headers['x-total-count']).toBe('2');
      expect(names(r)).toHaveLength(2);
    }
    expect(names(await get(q('name=~CONV/W')))).toEqual(['conv/web']);
    for (const v of ['name=~%', 'name=~_', 'artifact_count=abc', 'artifact_count=02', 'artifact_count=[x~]', 'repository_id={}']) {
      const r = await get(q(v));
      expect([r.status, r.body, r.headers['x-total-count']]).toEqual([200, [], '0']);
    }
    expect(names(await get(q('artifact_count=[1.5~]')))).toEqual(['conv/web']);
    // A substring as long as a URL allows: a few of its pieces are looked up, nothing matches.
    const long = await get(q(`name=~conv/${Array.from({ length: 1500 }, (_, i) => i.toString(36)).join('')}`));
    expect([long.status, long.body, long.headers['x-total-count']]).toEqual([200, [], '0']);
    expect(names(await get(`sort=-artifact_count,name&${q('artifact_count={1 2}')}`))).toEqual(['conv/web', 'conv/api']);
    const one = await get('sort=name&page=2&page_size=1');
    expect([names(one), one.headers['x-total-count']]).toEqual([['conv/web'], '2']);
    expect(one.headers.link).toBe('</api/v2.0/projects/conv/repositories?sort=name&page=1&page_size=1>; rel="prev"');
    const past = await get('page=9&page_size=100');
    expect([past.status, past.body, past.headers['x-total-count']]).toEqual([200, [], '2']);
  });

  test('projects, users and audit logs ignore unknown q and sort keys too', async () => {
    expect((await api(srv.url, 'GET', '/projects?q=nope%3D1&sort=-nope')).body.length).toBeGreaterThan(1);
    expect((await api(srv.url, 'GET', '/users?q=nope%3D1&sort=nope')).body.length).toBeGreaterThan(0);
    expect((await api(srv.url, 'GET', '/audit-logs?q=nope%3D1&sort=-nope')).status).toBe(200);
  });
});

describe('library and systeminfo', () => {
  test('library has admin as its project admin (project_admin_count 1)', async () => {
    const s = await api(srv.url, 'GET', '/projects/library/summary');
    expect(s.body.project_admin_count).toBe(1);
    const m = await api(srv.url, 'GET', '/projects/library/members');
    expect(m.body).toEqual([expect.objectContaining({ entity_name: 'admin', role_id: 1 })]);
  });

  test('a data dir from before the seed gets the member on its next start, once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'harborctl-seed-'));
    try {
      // As an older harborctl left it: the schema just before the seed, admin and library, no members.
      const seed = MIGRATIONS.findIndex((m) => m.includes("p.name = 'library' AND u.username = 'admin'"));
      expect(seed).toBeGreaterThan(0);
      const db = new Database(join(dataDir, 'registry.db'));
      for (let v = 0; v < seed; v++) db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${seed}`);
      const t = new Date().toISOString();
      db.prepare('INSERT INTO users (username, password_hash, sysadmin, created_at, updated_at) VALUES (?, ?, 1, ?, ?)').run('admin', await hashPassword(ADMIN_PASSWORD), t, t);
      db.prepare('INSERT INTO projects (name, public, created_at, updated_at) VALUES (?, 1, ?, ?)').run('library', t, t);
      db.close();
      const second = await startTestServer({ dataDir });
      expect((await api(second.url, 'GET', '/projects/library/summary')).body.project_admin_count).toBe(1);
      // An operator who removes the member later is not overruled on the next start.
      const m = await api(second.url, 'GET', '/projects/library/members');
      expect((await api(second.url, 'DELETE', `/projects/library/members/${m.body[0].id}`)).status).toBe(200);
      await second.close({ keepData: true });
      const third = await startTestServer({ dataDir });
      expect((await api(third.url, 'GET', '/projects/library/members')).body).toEqual([]);
      await third.close({ keepData: true });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('harbor_version has Harbor\'s v2.x.y-<8 hex> shape; our own version is a field of its own', async () => {
    const me = await api(srv.url, 'GET', '/systeminfo');
    expect(me.body.harbor_version).toMatch(/^v2\.\d+\.\d+-[0-9a-f]{8}$/);
    expect(me.body.harborctl_version).toMatch(/^\d+\.\d+\.\d+/);
    // As in Harbor, the version is protected information: not shown anonymously.
    const anon = await api(srv.url, 'GET', '/systeminfo', { as: null });
    expect(anon.body).not.toHaveProperty('harbor_version');
    expect(anon.body).toMatchObject({ auth_mode: 'db_auth' });
  });
});

describe('GET /robots as Harbor\'s ListRobot answers it', () => {
  test('without q: the system-level robots only; ProjectID without Level does not switch to project robots', async () => {
    const pid = (await api(srv.url, 'GET', '/projects/conv')).body.project_id;
    const r = await api(srv.url, 'POST', '/robots', { body: {
      name: 'only-project', level: 'project', duration: 1,
      permissions: [{ kind: 'project', namespace: 'conv', access: [{ resource: 'repository', action: 'pull' }] }],
    } });
    expect(r.status, r.text).toBe(201);
    expect((await api(srv.url, 'GET', '/robots')).body).toEqual([]);
    expect((await api(srv.url, 'GET', `/robots?q=${encodeURIComponent(`ProjectID=${pid}`)}`)).body).toEqual([]);
    const proj = await api(srv.url, 'GET', `/robots?q=${encodeURIComponent(`Level=project,ProjectID=${pid}`)}`);
    expect(names(proj)).toEqual(['robot$conv+only-project']);
    // Harbor: project robots need a ProjectID, whoever asks.
    expect((await api(srv.url, 'GET', `/robots?q=${encodeURIComponent('Level=project')}`)).status).toBe(400);
  });
});

describe('pull counts and pull times', () => {
  test('a manifest GET counts a pull of the repository and sets the artifact\'s and the tag\'s pull_time; HEAD does not', async () => {
    const before = await api(srv.url, 'GET', '/projects/conv/repositories/web');
    expect(before.body.pull_count).toBe(0);
    const auth = basicHeader(admin);
    const accept = { accept: 'application/vnd.oci.image.manifest.v1+json' };
    for (let i = 0; i < 3; i++) expect((await http(srv.url, 'GET', '/v2/conv/web/manifests/v1', { headers: { ...auth, ...accept } })).status).toBe(200);
    expect((await http(srv.url, 'GET', `/v2/conv/web/manifests/${v2}`, { headers: { ...auth, ...accept } })).status).toBe(200);
    expect((await http(srv.url, 'HEAD', '/v2/conv/web/manifests/v1', { headers: { ...auth, ...accept } })).status).toBe(200);
    const after = await api(srv.url, 'GET', '/projects/conv/repositories/web');
    expect(after.body.pull_count).toBe(4);
    expect((await api(srv.url, 'GET', '/projects/conv/repositories/api')).body.pull_count).toBe(0);

    const never = '0001-01-01T00:00:00.000Z';
    const a1 = (await api(srv.url, 'GET', `/projects/conv/repositories/web/artifacts/${v1}`)).body;
    expect(a1.pull_time).not.toBe(never);
    expect(Date.parse(a1.pull_time)).toBeGreaterThanOrEqual(Date.parse(a1.push_time));
    expect(a1.tags[0].pull_time).not.toBe(never);
    const a2 = (await api(srv.url, 'GET', `/projects/conv/repositories/web/artifacts/${v2}`)).body;
    expect(a2.pull_time).not.toBe(never);
    expect(a2.tags[0].pull_time).toBe(never); // pulled by digest: the tag was not pulled
    const api1 = (await api(srv.url, 'GET', '/projects/conv/repositories/api/artifacts/v1')).body;
    expect(api1.pull_time).toBe(never);

    const sorted = await api(srv.url, 'GET', '/projects/conv/repositories?sort=-pull_count');
    expect(names(sorted)).toEqual(['conv/web', 'conv/api']);
    const pulled = await api(srv.url, 'GET', `/projects/conv/repositories?q=${encodeURIComponent('pull_count=[1~]')}`);
    expect(names(pulled)).toEqual(['conv/web']);
  });
});
