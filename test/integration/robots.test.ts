// Robot accounts on a real server: both levels, every permission set against the registry and the
// API, expiry on an injected clock, disable, refresh, delete, and escalation attempts.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  addMember, admin, api, basicHeader, bearer, createProject, createUser, expectApiError, getToken, http, pushImageWith, type Creds,
} from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
let now = Date.parse('2026-03-01T00:00:00Z');
const DAY = 86_400_000;
const owner: Creds = { username: 'rowner', password: 'Rowner1234' };
const devUser: Creds = { username: 'rdev', password: 'Rdev12345' };
let alphaId: number;
let betaId: number;

type Access = { resource: string; action: string };
const acc = (pairs: string): Access[] => pairs.split(' ').map((p) => { const [resource, action] = p.split(':'); return { resource, action }; });
const projectPerm = (ns: string, pairs: string): { kind: string; namespace: string; access: Access[] } => ({ kind: 'project', namespace: ns, access: acc(pairs) });

/** Creates a robot; returns its id and login credentials. */
async function robot(body: Record<string, unknown>, as: Creds = admin): Promise<{ id: number; creds: Creds; name: string }> {
  const r = await api(srv.url, 'POST', '/robots', { as, body: { duration: -1, ...body } });
  expect(r.status, r.text).toBe(201);
  expect(r.headers.location).toBe(`/api/v2.0/robots/${r.body.id}`);
  expect(typeof r.body.secret).toBe('string');
  return { id: r.body.id, name: r.body.name, creds: { username: r.body.name, password: r.body.secret } };
}

const projectRobot = (project: string, name: string, pairs: string, extra: Record<string, unknown> = {}, as: Creds = admin): ReturnType<typeof robot> =>
  robot({ name, level: 'project', permissions: [projectPerm(project, pairs)], ...extra }, as);

const v2 = (method: string, path: string, c: Creds | null, extra: Record<string, string> = {}): ReturnType<typeof http> =>
  http(srv.url, method, `/v2/${path}`, { headers: { ...(c ? basicHeader(c) : {}), accept: 'application/vnd.oci.image.manifest.v1+json', ...extra } });

beforeAll(async () => {
  srv = await startTestServer({ clock: () => now });
  await createUser(srv.url, owner.username, owner.password);
  await createUser(srv.url, devUser.username, devUser.password);
  alphaId = await createProject(srv.url, 'alpha', { as: owner });
  betaId = await createProject(srv.url, 'beta');
  await createProject(srv.url, 'pub', { public: true });
  await addMember(srv.url, 'alpha', devUser.username, 2);
  for (const repo of ['alpha/app', 'beta/app', 'pub/app']) expect(await pushImageWith(srv.url, repo, 'v1', basicHeader(admin))).toMatchObject({ ok: true });
});
afterAll(async () => { await srv.close(); });

describe('creating robots', () => {
  test('project level: login name robot$<project>+<name>, the secret once, never again', async () => {
    const r = await projectRobot('alpha', 'viewer', 'repository:pull', { description: 'reads' }, owner);
    expect(r.name).toBe('robot$alpha+viewer');
    const got = await api(srv.url, 'GET', `/robots/${r.id}`, { as: owner });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id: r.id, name: 'robot$alpha+viewer', description: 'reads', level: 'project', duration: -1, expires_at: -1, disable: false, editable: true,
      permissions: [{ kind: 'project', namespace: 'alpha', access: [{ resource: 'repository', action: 'pull' }] }],
    });
    expect(got.body.secret).toBeUndefined();
    expect(got.text).not.toContain(r.creds.password);
    const list = await api(srv.url, 'GET', `/robots?q=${encodeURIComponent(`Level=project,ProjectID=${alphaId}`)}`, { as: owner });
    expect(list.body.map((x: { name: string }) => x.name)).toContain('robot$alpha+viewer');
    expect(list.text).not.toContain(r.creds.password);
    expect(srv.logs.join('\n')).not.toContain(r.creds.password);
  });

  test('system level: robot$<name>; listed without q', async () => {
    const r = await robot({ name: 'sys-lister', level: 'system', permissions: [{ kind: 'system', namespace: '/', access: acc('project:list') }] });
    expect(r.name).toBe('robot$sys-lister');
    const list = await api(srv.url, 'GET', '/robots');
    expect(list.body.map((x: { name: string }) => x.name)).toContain('robot$sys-lister');
    expect(list.body.every((x: { level: string }) => x.level === 'system')).toBe(true);
  });

  test('duration in days sets expires_at from the clock', async () => {
    const r = await api(srv.url, 'POST', '/robots', { body: { name: 'thirty', level: 'project', duration: 30, permissions: [projectPerm('alpha', 'repository:pull')] } });
    expect(r.status).toBe(201);
    expect(r.body.expires_at).toBe(Math.floor(now / 1000) + 30 * 86400);
  });

  test('bad requests: name rules, Harbor\'s allowed lists, one entry per project robot, duration, duplicates', async () => {
    const bad = async (body: Record<string, unknown>, status = 400, code = 'BAD_REQUEST'): Promise<void> => {
      expectApiError(await api(srv.url, 'POST', '/robots', { body: { duration: -1, ...body } }), status, code);
    };
    const ok = [projectPerm('alpha', 'repository:pull')];
    await bad({ name: 'Bad', level: 'project', permissions: ok });
    await bad({ name: 'a+b', level: 'project', permissions: ok });
    await bad({ name: '', level: 'project', permissions: ok });
    await bad({ name: 'x', level: 'galaxy', permissions: ok });
    await bad({ name: 'x', level: 'project', permissions: [] });
    await bad({ name: 'x', level: 'project', permissions: [projectPerm('alpha', 'user:create')] });
    await bad({ name: 'x', level: 'project', permissions: [projectPerm('alpha', 'repository:fly')] });
    await bad({ name: 'x', level: 'project', permissions: [projectPerm('alpha', 'repository:pull'), projectPerm('beta', 'repository:pull')] });
    await bad({ name: 'x', level: 'project', permissions: [projectPerm('*', 'repository:pull')] });
    await bad({ name: 'x', level: 'project', permissions: [{ kind: 'system', namespace: '/', access: acc('quota:read') }] });
    await bad({ name: 'x', level: 'system', permissions: [{ kind: 'system', namespace: '/', access: acc('repository:pull') }] });
    await bad({ name: 'x', level: 'project', permissions: ok, duration: 0 });
    await bad({ name: 'x', level: 'project', permissions: ok, duration: -5 });
    await bad({ name: 'x', level: 'project', permissions: ok, secret: 'weak' });
    await bad({ name: 'x', level: 'project', permissions: [projectPerm('nope', 'repository:pull')] }, 404, 'NOT_FOUND');
    await projectRobot('alpha', 'twin', 'repository:pull');
    await bad({ name: 'twin', level: 'project', permissions: ok }, 409, 'CONFLICT');
  });

  test('who may manage robots: project admin yes, developer and outsiders no', async () => {
    expectApiError(await api(srv.url, 'POST', '/robots', { as: devUser, body: { name: 'devbot', level: 'project', duration: -1, permissions: [projectPerm('alpha', 'repository:pull')] } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'POST', '/robots', { as: owner, body: { name: 'ownbeta', level: 'project', duration: -1, permissions: [projectPerm('beta', 'repository:pull')] } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'POST', '/robots', { as: owner, body: { name: 'ownsys', level: 'system', duration: -1, permissions: [{ kind: 'system', namespace: '/', access: acc('quota:read') }] } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/robots', { as: owner }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', `/robots?q=${encodeURIComponent(`Level=project,ProjectID=${betaId}`)}`, { as: owner }), 403, 'FORBIDDEN');
    // A developer may read and list the project's robots (Harbor's role matrix), not change them.
    expect((await api(srv.url, 'GET', `/robots?q=${encodeURIComponent(`Level=project,ProjectID=${alphaId}`)}`, { as: devUser })).status).toBe(200);
    const r = await projectRobot('alpha', 'managed', 'repository:pull', {}, owner);
    expectApiError(await api(srv.url, 'DELETE', `/robots/${r.id}`, { as: devUser }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'PATCH', `/robots/${r.id}`, { as: devUser, body: { secret: '' } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/robots/999999'), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'GET', `/robots/${r.id}`, { as: null }), 401, 'UNAUTHORIZED');
  });
});

describe('what each permission set may do', () => {
  test('pull only: pulls its project and public ones; no push, no delete, no other project, no API lists', async () => {
    const { creds } = await projectRobot('alpha', 'puller', 'repository:pull');
    expect((await v2('GET', 'alpha/app/manifests/v1', creds)).status).toBe(200);
    expect((await v2('GET', 'pub/app/manifests/v1', creds)).status).toBe(200);
    expect((await v2('GET', 'beta/app/manifests/v1', creds)).status).toBe(401);
    expect(await pushImageWith(srv.url, 'alpha/pushed-by-puller', 'v1', basicHeader(creds))).toMatchObject({ ok: false, status: 401 });
    const m = await v2('GET', 'alpha/app/manifests/v1', admin);
    expect((await v2('DELETE', `alpha/app/manifests/${m.headers['docker-content-digest']}`, creds)).status).toBe(401);
    expect((await v2('GET', '_catalog', creds)).status).toBe(401);
    // The token service grants exactly that, under the robot's login name.
    const t = await getToken(srv.url, ['repository:alpha/app:pull,push,delete', 'repository:beta/app:pull', 'registry:catalog:*'], creds);
    expect(t.status).toBe(200);
    expect(t.claims!.sub).toBe('robot$alpha+puller');
    expect(t.claims!.access).toEqual([
      { type: 'repository', name: 'alpha/app', actions: ['pull'] },
      { type: 'repository', name: 'beta/app', actions: [] },
      { type: 'registry', name: 'catalog', actions: [] },
    ]);
    expect((await http(srv.url, 'GET', '/v2/alpha/app/manifests/v1', { headers: bearer(t.token!) })).status).toBe(200);
    // The API: nothing it was not given.
    expectApiError(await api(srv.url, 'GET', '/projects/alpha/repositories', { as: creds }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/users', { as: creds }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/quotas', { as: creds }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'POST', '/projects', { as: creds, body: { project_name: 'robot-made' } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', `/robots?q=${encodeURIComponent(`Level=project,ProjectID=${alphaId}`)}`, { as: creds }), 403, 'FORBIDDEN');
    // Project list: its own project and the public ones.
    const projects = (await api(srv.url, 'GET', '/projects', { as: creds })).body.map((p: { name: string }) => p.name).sort();
    expect(projects).toEqual(['alpha', 'library', 'pub']);
  });

  test('pull and push: pushes into its project only', async () => {
    const { creds } = await projectRobot('alpha', 'pusher', 'repository:pull repository:push');
    expect(await pushImageWith(srv.url, 'alpha/by-robot', 'v1', basicHeader(creds))).toMatchObject({ ok: true });
    expect(await pushImageWith(srv.url, 'beta/by-robot', 'v1', basicHeader(creds))).toMatchObject({ ok: false, status: 401 });
    expect(await pushImageWith(srv.url, 'pub/by-robot', 'v1', basicHeader(creds))).toMatchObject({ ok: false, status: 401 });
    const t = await getToken(srv.url, ['repository:alpha/by-robot:pull,push'], creds);
    expect(t.claims!.access[0].actions).toEqual(['pull', 'push']);
    const m = await v2('GET', 'alpha/by-robot/manifests/v1', creds);
    expect(m.status).toBe(200);
    expect((await v2('DELETE', `alpha/by-robot/manifests/${m.headers['docker-content-digest']}`, creds)).status).toBe(401);
  });

  test('repository delete and artifact API permissions', async () => {
    const { creds } = await projectRobot('alpha', 'janitor', 'repository:pull repository:push repository:delete repository:list artifact:list artifact:read artifact:delete tag:list');
    expect(await pushImageWith(srv.url, 'alpha/tmp', 'v1', basicHeader(creds))).toMatchObject({ ok: true });
    expect((await api(srv.url, 'GET', '/projects/alpha/repositories', { as: creds })).status).toBe(200);
    const arts = await api(srv.url, 'GET', '/projects/alpha/repositories/tmp/artifacts', { as: creds });
    expect(arts.status).toBe(200);
    expect((await api(srv.url, 'DELETE', `/projects/alpha/repositories/tmp/artifacts/${arts.body[0].digest}`, { as: creds })).status).toBe(200);
    expect(await pushImageWith(srv.url, 'alpha/tmp2', 'v1', basicHeader(creds))).toMatchObject({ ok: true });
    const m = await v2('GET', 'alpha/tmp2/manifests/v1', creds);
    expect((await v2('DELETE', `alpha/tmp2/manifests/${m.headers['docker-content-digest']}`, creds)).status).toBe(202);
    expect((await api(srv.url, 'DELETE', '/projects/alpha/repositories/app', { as: creds })).status).toBe(200);
    expect(await pushImageWith(srv.url, 'alpha/app', 'v1', basicHeader(admin))).toMatchObject({ ok: true });
    // Still nothing outside its grants: tags cannot be created, members not listed, the project not deleted.
    expectApiError(await api(srv.url, 'POST', '/projects/alpha/repositories/app/artifacts/v1/tags', { as: creds, body: { name: 'nope' } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/projects/alpha/members', { as: creds }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'DELETE', '/projects/beta/repositories/app', { as: creds }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'DELETE', '/projects/alpha', { as: creds }), 403, 'FORBIDDEN');
  });

  test('API-only robot: lists artifacts, cannot pull', async () => {
    const { creds } = await projectRobot('alpha', 'lister', 'repository:list artifact:list');
    expect((await api(srv.url, 'GET', '/projects/alpha/repositories', { as: creds })).status).toBe(200);
    expect((await api(srv.url, 'GET', '/projects/alpha/repositories/app/artifacts', { as: creds })).status).toBe(200);
    expect((await v2('GET', 'alpha/app/manifests/v1', creds)).status).toBe(401);
    expectApiError(await api(srv.url, 'GET', '/projects/beta/repositories', { as: creds }), 403, 'FORBIDDEN');
  });

  test('system robot over every project, with quota and project creation', async () => {
    const { creds } = await robot({
      name: 'ci-all', level: 'system', permissions: [
        { kind: 'system', namespace: '/', access: acc('quota:read quota:list quota:update project:create') },
        projectPerm('*', 'repository:pull repository:push'),
      ],
    });
    expect(creds.username).toBe('robot$ci-all');
    for (const p of ['alpha', 'beta']) {
      expect((await v2('GET', `${p}/app/manifests/v1`, creds)).status).toBe(200);
      expect(await pushImageWith(srv.url, `${p}/from-ci`, 'v1', basicHeader(creds))).toMatchObject({ ok: true });
    }
    expect((await api(srv.url, 'GET', `/quotas/${betaId}`, { as: creds })).status).toBe(200);
    expect((await api(srv.url, 'PUT', `/quotas/${betaId}`, { as: creds, body: { hard: { storage: -1 } } })).status).toBe(200);
    expect((await api(srv.url, 'POST', '/projects', { as: creds, body: { project_name: 'ci-made' } })).status).toBe(201);
    expectApiError(await api(srv.url, 'GET', '/users', { as: creds }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/robots', { as: creds }), 403, 'FORBIDDEN');
    expect((await v2('GET', '_catalog', creds)).status).toBe(401);
  });

  test('system robot scoped to one project', async () => {
    const { creds } = await robot({ name: 'beta-only', level: 'system', permissions: [projectPerm('beta', 'repository:pull')] });
    expect((await v2('GET', 'beta/app/manifests/v1', creds)).status).toBe(200);
    expect((await v2('GET', 'alpha/app/manifests/v1', creds)).status).toBe(401);
    expectApiError(await api(srv.url, 'GET', '/quotas', { as: creds }), 403, 'FORBIDDEN');
  });
});

describe('life cycle', () => {
  test('expiry: refused on the first request after expires_at, Basic and Bearer alike', async () => {
    const created = await api(srv.url, 'POST', '/robots', { body: { name: 'shortlived', level: 'project', duration: 2, permissions: [projectPerm('alpha', 'repository:pull')] } });
    const creds = { username: created.body.name, password: created.body.secret };
    expect((await v2('GET', 'alpha/app/manifests/v1', creds)).status).toBe(200);
    const saved = now;
    try {
      now = saved + 2 * DAY - 60_000;
      const t = await getToken(srv.url, ['repository:alpha/app:pull'], creds);
      expect(t.status).toBe(200);
      now = saved + 2 * DAY - 1000;
      expect((await v2('GET', 'alpha/app/manifests/v1', creds)).status).toBe(200);
      expect((await http(srv.url, 'GET', '/v2/alpha/app/manifests/v1', { headers: bearer(t.token!) })).status).toBe(200);
      now = saved + 2 * DAY;
      expect((await v2('GET', 'alpha/app/manifests/v1', creds)).status).toBe(401);
      expect((await getToken(srv.url, ['repository:alpha/app:pull'], creds)).status).toBe(401);
      expectApiError(await api(srv.url, 'GET', '/projects', { as: creds }), 401, 'UNAUTHORIZED');
      // The token issued a minute before expiry is itself still fresh, but dies with the robot.
      expect((await http(srv.url, 'GET', '/v2/alpha/app/manifests/v1', { headers: bearer(t.token!) })).status).toBe(401);
      // Extending the duration (counted from creation) brings it back.
      expect((await api(srv.url, 'PUT', `/robots/${created.body.id}`, { body: { duration: 3 } })).status).toBe(200);
      expect((await api(srv.url, 'GET', `/robots/${created.body.id}`)).body).toMatchObject({ duration: 3, expires_at: Math.floor(saved / 1000) + 3 * 86400 });
      expect((await v2('GET', 'alpha/app/manifests/v1', creds)).status).toBe(200);
    } finally {
      now = saved;
    }
  });

  test('disable and enable take effect on the very next request, also for issued tokens', async () => {
    const r = await projectRobot('alpha', 'switch', 'repository:pull');
    const t = await getToken(srv.url, ['repository:alpha/app:pull'], r.creds);
    expect((await v2('GET', 'alpha/app/manifests/v1', r.creds)).status).toBe(200);
    const body = (await api(srv.url, 'GET', `/robots/${r.id}`)).body;
    expect((await api(srv.url, 'PUT', `/robots/${r.id}`, { body: { ...body, disable: true } })).status).toBe(200);
    expect((await v2('GET', 'alpha/app/manifests/v1', r.creds)).status).toBe(401);
    expect((await http(srv.url, 'GET', '/v2/alpha/app/manifests/v1', { headers: bearer(t.token!) })).status).toBe(401);
    expect((await getToken(srv.url, ['repository:alpha/app:pull'], r.creds)).status).toBe(401);
    expect((await api(srv.url, 'PUT', `/robots/${r.id}`, { body: { disable: false } })).status).toBe(200);
    expect((await v2('GET', 'alpha/app/manifests/v1', r.creds)).status).toBe(200);
  });

  test('refresh: a new secret once; the old one is refused at once, the new one accepted', async () => {
    const r = await projectRobot('alpha', 'rotating', 'repository:pull');
    expect((await v2('GET', 'alpha/app/manifests/v1', r.creds)).status).toBe(200);
    const ref = await api(srv.url, 'PATCH', `/robots/${r.id}`, { body: { secret: '' } });
    expect(ref.status).toBe(200);
    const fresh = ref.body.secret as string;
    expect(fresh).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(fresh).not.toBe(r.creds.password);
    expect((await v2('GET', 'alpha/app/manifests/v1', r.creds)).status).toBe(401);
    expect((await getToken(srv.url, ['repository:alpha/app:pull'], r.creds)).status).toBe(401);
    expect((await v2('GET', 'alpha/app/manifests/v1', { username: r.creds.username, password: fresh })).status).toBe(200);
    // Setting one's own secret: validated, not echoed.
    const mine = await api(srv.url, 'PATCH', `/robots/${r.id}`, { body: { secret: 'MyOwnSecret42' } });
    expect(mine.body).toEqual({ secret: '' });
    expect((await v2('GET', 'alpha/app/manifests/v1', { username: r.creds.username, password: 'MyOwnSecret42' })).status).toBe(200);
    expect((await v2('GET', 'alpha/app/manifests/v1', { username: r.creds.username, password: fresh })).status).toBe(401);
    expectApiError(await api(srv.url, 'PATCH', `/robots/${r.id}`, { body: { secret: 'short' } }), 400, 'BAD_REQUEST');
  });

  test('delete: refused at once, tokens too; a new robot of the same name does not revive old tokens', async () => {
    const r = await projectRobot('alpha', 'doomed', 'repository:pull');
    const t = await getToken(srv.url, ['repository:alpha/app:pull'], r.creds);
    expect((await api(srv.url, 'DELETE', `/robots/${r.id}`)).status).toBe(200);
    expect((await v2('GET', 'alpha/app/manifests/v1', r.creds)).status).toBe(401);
    expect((await http(srv.url, 'GET', '/v2/alpha/app/manifests/v1', { headers: bearer(t.token!) })).status).toBe(401);
    expectApiError(await api(srv.url, 'GET', `/robots/${r.id}`), 404, 'NOT_FOUND');
    const saved = now;
    try {
      now = saved + 5000;
      await projectRobot('alpha', 'doomed', 'repository:pull');
      expect((await http(srv.url, 'GET', '/v2/alpha/app/manifests/v1', { headers: bearer(t.token!) })).status).toBe(401);
    } finally {
      now = saved;
    }
  });

  test('update: name, level and project are fixed; permissions are replaced wholesale', async () => {
    const r = await projectRobot('alpha', 'changing', 'repository:pull');
    expectApiError(await api(srv.url, 'PUT', `/robots/${r.id}`, { body: { level: 'system' } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'PUT', `/robots/${r.id}`, { body: { name: 'other' } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'PUT', `/robots/${r.id}`, { body: { permissions: [projectPerm('beta', 'repository:pull')] } }), 400, 'BAD_REQUEST');
    expect((await api(srv.url, 'PUT', `/robots/${r.id}`, { body: { name: 'robot$alpha+changing', permissions: [projectPerm('alpha', 'repository:pull repository:push')] } })).status).toBe(200);
    expect(await pushImageWith(srv.url, 'alpha/changed', 'v1', basicHeader(r.creds))).toMatchObject({ ok: true });
  });
});

describe('escalation', () => {
  test('a robot creates robots only with a subset of its own permissions, in its own scope', async () => {
    const maker = await projectRobot('alpha', 'maker', 'repository:pull repository:push robot:create robot:read robot:list robot:delete');
    const child = await projectRobot('alpha', 'child', 'repository:pull', {}, maker.creds);
    expect((await v2('GET', 'alpha/app/manifests/v1', child.creds)).status).toBe(200);
    expect((await api(srv.url, 'GET', `/robots/${child.id}`)).body).toMatchObject({ creator_type: 'robot', creator_ref: maker.id });
    const refuse = async (body: Record<string, unknown>, status = 403, code = 'FORBIDDEN'): Promise<void> => {
      expectApiError(await api(srv.url, 'POST', '/robots', { as: maker.creds, body: { duration: -1, ...body } }), status, code);
    };
    await refuse({ name: 'wider', level: 'project', permissions: [projectPerm('alpha', 'repository:pull repository:delete')] });
    await refuse({ name: 'members', level: 'project', permissions: [projectPerm('alpha', 'member:create')] });
    await refuse({ name: 'elsewhere', level: 'project', permissions: [projectPerm('beta', 'repository:pull')] });
    await refuse({ name: 'sys', level: 'system', permissions: [projectPerm('alpha', 'repository:pull')] });
    // Nor may it change robots (robot:update is not assignable), its own secret included, or its own permissions.
    expectApiError(await api(srv.url, 'PUT', `/robots/${child.id}`, { as: maker.creds, body: { permissions: [projectPerm('alpha', 'repository:pull repository:delete')] } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'PATCH', `/robots/${maker.id}`, { as: maker.creds, body: { secret: '' } }), 403, 'FORBIDDEN');
    expect((await api(srv.url, 'DELETE', `/robots/${child.id}`, { as: maker.creds })).status).toBe(200);
  });

  test('a system robot hands out project permissions it holds over every project, nothing more', async () => {
    const maker = await robot({
      name: 'sys-maker', level: 'system', permissions: [
        { kind: 'system', namespace: '/', access: acc('robot:create robot:list robot:read') }, projectPerm('*', 'repository:pull'),
      ],
    });
    const c = await projectRobot('beta', 'from-sys', 'repository:pull', {}, maker.creds);
    expect((await v2('GET', 'beta/app/manifests/v1', c.creds)).status).toBe(200);
    expectApiError(await api(srv.url, 'POST', '/robots', { as: maker.creds, body: { name: 'pushy', level: 'project', duration: -1, permissions: [projectPerm('beta', 'repository:push')] } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'POST', '/robots', { as: maker.creds, body: { name: 'quotas', level: 'system', duration: -1, permissions: [{ kind: 'system', namespace: '/', access: acc('quota:read') }] } }), 403, 'FORBIDDEN');
    expect((await api(srv.url, 'GET', '/robots', { as: maker.creds })).status).toBe(200);
  });

  test('a project\'s robots go with the project', async () => {
    await createProject(srv.url, 'shortproj');
    const r = await projectRobot('shortproj', 'bot', 'repository:pull');
    expect((await api(srv.url, 'DELETE', '/projects/shortproj')).status).toBe(200);
    expectApiError(await api(srv.url, 'GET', `/robots/${r.id}`), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'GET', '/projects', { as: r.creds }), 401, 'UNAUTHORIZED');
  });
});

describe('robot_name_prefix (Harbor\'s configuration item)', () => {
  test('robots are named and sign in with the prefix in force, those created before too; a token keeps naming its robot; bad prefixes are 400', async () => {
    const old = await projectRobot('beta', 'pfx-old', 'repository:pull');
    expect(old.name).toBe('robot$beta+pfx-old');
    const before = await getToken(srv.url, ['repository:beta/app:pull'], old.creds);
    expect(before.claims?.sub).toBe('robot$beta+pfx-old');
    try {
      for (const bad of ['', 'a:b', 'has space', 'x'.repeat(65), 5, 'tab\t']) {
        expectApiError(await api(srv.url, 'PUT', '/configurations', { body: { robot_name_prefix: bad } }), 400, 'BAD_REQUEST');
      }
      expect((await api(srv.url, 'GET', '/configurations')).body.robot_name_prefix).toEqual({ value: 'robot$', editable: true });
      expect((await api(srv.url, 'PUT', '/configurations', { body: { robot_name_prefix: 'bot_' } })).status).toBe(200);

      // As in Harbor the prefix is not stored with the robot: the old one is now bot_..., under that name only.
      expect((await api(srv.url, 'GET', `/robots/${old.id}`)).body.name).toBe('bot_beta+pfx-old');
      const renamed: Creds = { username: 'bot_beta+pfx-old', password: old.creds.password };
      expect((await v2('GET', 'beta/app/manifests/v1', renamed)).status).toBe(200);
      expect((await v2('GET', 'beta/app/manifests/v1', old.creds)).status).toBe(401);
      const fresh = await projectRobot('beta', 'pfx-new', 'repository:pull');
      expect(fresh.name).toBe('bot_beta+pfx-new');
      expect((await getToken(srv.url, ['repository:beta/app:pull'], fresh.creds)).claims?.sub).toBe('bot_beta+pfx-new');
      expect((await api(srv.url, 'GET', `/robots?q=${encodeURIComponent('Level=project,ProjectID=' + betaId)}&page_size=100`)).body
        .map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(['bot_beta+pfx-old', 'bot_beta+pfx-new']));

      // The token issued under the old name still dies with its robot.
      expect((await http(srv.url, 'GET', '/v2/beta/app/manifests/v1', { headers: { ...bearer(before.token!), accept: 'application/vnd.oci.image.manifest.v1+json' } })).status).toBe(200);
      const body = (await api(srv.url, 'GET', `/robots/${old.id}`)).body;
      expect((await api(srv.url, 'PUT', `/robots/${old.id}`, { body: { ...body, disable: true } })).status).toBe(200);
      expect((await http(srv.url, 'GET', '/v2/beta/app/manifests/v1', { headers: { ...bearer(before.token!), accept: 'application/vnd.oci.image.manifest.v1+json' } })).status).toBe(401);
    } finally {
      expect((await api(srv.url, 'PUT', '/configurations', { body: { robot_name_prefix: 'robot$' } })).status).toBe(200);
    }
  });
});
