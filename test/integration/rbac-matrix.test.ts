// The full permission matrix on a real server: every subject (anonymous, wrong password, deleted
// user, each of Harbor's five roles, a system admin who is no member) × every action on the registry
// (pull, push, delete through /service/token and /v2) and on the API (read, create, update, delete of
// projects, members, repositories and artifacts; read and create of webhook policies), asserted against Harbor's role matrix
// (harbor-notes §3.2; src/common/rbac/project/rbac_role.go). A denied signed-in user gets 403 on the
// API and 401 on /v2; a caller without valid credentials gets 401 everywhere.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addMember, admin, api, basicHeader, bearer, createProject, createUser, getToken, http, pushImageWith, type Creds } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

type RoleSubject = 'anonymous' | 'wrong-password' | 'deleted-user' | 'projectAdmin' | 'developer' | 'guest' | 'maintainer' | 'limitedGuest' | 'sysadmin';
// Group rows (issue 17): a user whose role comes through a user group it is in, alone or beside a
// role of its own; the user gets the higher of the two, so each row expects a plain role's column.
type GroupSubject = 'group-developer' | 'group-limitedGuest' | 'group-maintainer+own-guest' | 'group-guest+own-developer';
type Subject = RoleSubject | GroupSubject;
const ROLE: Partial<Record<Subject, number>> = {
  projectAdmin: 1, developer: 2, guest: 3, maintainer: 4, limitedGuest: 5, 'wrong-password': 1, 'deleted-user': 1,
  'group-maintainer+own-guest': 3, 'group-guest+own-developer': 2,
};
const GROUP_ROLE: Record<GroupSubject, number> = { 'group-developer': 2, 'group-limitedGuest': 5, 'group-maintainer+own-guest': 4, 'group-guest+own-developer': 3 };
const SAME_AS: Record<GroupSubject, RoleSubject> = {
  'group-developer': 'developer', 'group-limitedGuest': 'limitedGuest', 'group-maintainer+own-guest': 'maintainer', 'group-guest+own-developer': 'developer',
};
const isGroupSubject = (s: Subject): s is GroupSubject => Object.hasOwn(GROUP_ROLE, s);
const SUBJECTS: Subject[] = ['anonymous', 'wrong-password', 'deleted-user', 'projectAdmin', 'maintainer', 'developer', 'guest', 'limitedGuest', 'sysadmin',
  'group-developer', 'group-limitedGuest', 'group-maintainer+own-guest', 'group-guest+own-developer'];

type Cell =
  | 'registry.pull' | 'registry.push' | 'registry.delete'
  | 'project.read' | 'project.create' | 'project.update' | 'project.delete'
  | 'member.read' | 'member.create' | 'member.update' | 'member.delete'
  | 'repository.read' | 'repository.create' | 'repository.update' | 'repository.delete'
  | 'artifact.read' | 'artifact.create' | 'artifact.copy' | 'artifact.delete'
  | 'label.read' | 'label.create' | 'artifact-label.create' | 'artifact-label.delete'
  | 'webhook.read' | 'webhook.create' | 'webhook.lasttrigger' | 'webhook.jobs'
  | 'scanner.read' | 'scanner.create' | 'scan.stop' | 'scan.log';

// Harbor's matrix, written out per cell: who may.
const ALL_ROLES: RoleSubject[] = ['projectAdmin', 'maintainer', 'developer', 'guest', 'limitedGuest', 'sysadmin'];
const EXPECTED: Record<Cell, RoleSubject[]> = {
  'registry.pull': ALL_ROLES,
  'registry.push': ['projectAdmin', 'maintainer', 'developer', 'sysadmin'],
  'registry.delete': ['projectAdmin', 'maintainer', 'sysadmin'],
  'project.read': ALL_ROLES,
  // any signed-in user may create a project (project_creation_restriction = everyone)
  'project.create': ALL_ROLES,
  'project.update': ['projectAdmin', 'sysadmin'],
  'project.delete': ['projectAdmin', 'sysadmin'],
  'member.read': ['projectAdmin', 'maintainer', 'developer', 'guest', 'sysadmin'],
  'member.create': ['projectAdmin', 'sysadmin'],
  'member.update': ['projectAdmin', 'sysadmin'],
  'member.delete': ['projectAdmin', 'sysadmin'],
  'repository.read': ALL_ROLES,
  'repository.create': ['projectAdmin', 'maintainer', 'developer', 'sysadmin'],
  'repository.update': ['projectAdmin', 'maintainer', 'developer', 'sysadmin'],
  'repository.delete': ['projectAdmin', 'maintainer', 'sysadmin'],
  'artifact.read': ALL_ROLES,
  // creating on an artifact = adding a tag (tag C: projectAdmin, maintainer, developer)
  'artifact.create': ['projectAdmin', 'maintainer', 'developer', 'sysadmin'],
  // CopyArtifact: artifact create on the target, artifact read on the source (the same project here)
  'artifact.copy': ['projectAdmin', 'maintainer', 'developer', 'sysadmin'],
  'artifact.delete': ['projectAdmin', 'maintainer', 'sysadmin'],
  // Project labels (rbac_role.go: label CRUDL for admins and maintainers, RL for developers and guests)
  'label.read': ['projectAdmin', 'maintainer', 'developer', 'guest', 'sysadmin'],
  'label.create': ['projectAdmin', 'maintainer', 'sysadmin'],
  'artifact-label.create': ['projectAdmin', 'maintainer', 'developer', 'sysadmin'],
  'artifact-label.delete': ['projectAdmin', 'maintainer', 'developer', 'sysadmin'],
  // notification-policy: project admins manage webhooks, maintainers read them (rbac_role.go)
  'webhook.read': ['projectAdmin', 'maintainer', 'sysadmin'],
  'webhook.create': ['projectAdmin', 'sysadmin'],
  // Harbor's deprecated LastTrigger (notification-policy read) and ListWebhookJobs (notification-policy list)
  'webhook.lasttrigger': ['projectAdmin', 'maintainer', 'sysadmin'],
  'webhook.jobs': ['projectAdmin', 'maintainer', 'sysadmin'],
  // The project's scanner (scanner R for every role, C for project admins) and scans (scan C R stop:
  // admins and maintainers start and stop, every role reads), rbac_role.go.
  'scanner.read': ALL_ROLES,
  'scanner.create': ['projectAdmin', 'sysadmin'],
  'scan.stop': ['projectAdmin', 'maintainer', 'sysadmin'],
  'scan.log': ALL_ROLES,
};

// What a public project adds for everybody with valid or no credentials (publicProjectPolicies).
const PUBLIC_EXPECTED: Partial<Record<Cell, RoleSubject[]>> = {
  'registry.pull': ['anonymous', ...ALL_ROLES],
  'project.read': ['anonymous', ...ALL_ROLES],
  'repository.read': ['anonymous', ...ALL_ROLES],
  'artifact.read': ['anonymous', ...ALL_ROLES],
  'label.read': ['anonymous', ...ALL_ROLES],
  // scan R is public; the project's scanner needs a signed-in caller all the same (handler/project.go).
  'scan.log': ['anonymous', ...ALL_ROLES],
};

let srv: TestServer;

beforeAll(async () => {
  // Failed logins are slowed down (services/auth.ts); the wrong-password walk fails on purpose, so
  // this server waits 1 ms instead of seconds. The slow-down itself is tested in unit/auth.test.ts.
  srv = await startTestServer({ loginDelay: { freeFailures: 3, baseMs: 1, maxMs: 1 } });
  await createUser(srv.url, 'target', 'Target1234');
});
afterAll(async () => { await srv.close(); });

/** The subject's user for one walk (each walk has its own, since one walk deletes its user). */
async function subjectCreds(subject: Subject, tag: string): Promise<{ who: Creds | null; name: string }> {
  const name = `u-${tag}`;
  if (subject === 'anonymous') return { who: null, name };
  const password = 'Matrix1234';
  const id = await createUser(srv.url, name, password);
  if (subject === 'sysadmin') expect((await api(srv.url, 'PUT', `/users/${id}/sysadmin`, { body: { sysadmin_flag: true } })).status).toBe(200);
  return { who: { username: name, password: subject === 'wrong-password' ? 'Wrong12345' : password }, name };
}

const ok = (status: number): boolean => status >= 200 && status < 300;

/** Runs every cell for one subject on a fresh project; returns cell → allowed, checking the denial status too. */
async function walk(subject: Subject, isPublic: boolean): Promise<Record<Cell, boolean>> {
  const tag = `${subject.toLowerCase().replace('+', '-')}${isPublic ? '-pub' : ''}`;
  const p = `m-${tag}`;
  const empty = `e-${tag}`;
  const { who, name } = await subjectCreds(subject, tag);
  await createUser(srv.url, `j-${tag}`, 'Joiner1234');
  await createProject(srv.url, p, { public: isPublic });
  await createProject(srv.url, empty, { public: isPublic });
  const role = ROLE[subject];
  if (role) for (const proj of [p, empty]) await addMember(srv.url, proj, name, role);
  if (isGroupSubject(subject)) {
    const g = await api(srv.url, 'POST', '/usergroups', { body: { group_name: `g-${tag}`, group_type: 3 } });
    expect(g.status, g.text).toBe(201);
    const gid = Number(g.headers.location.split('/').pop());
    for (const proj of [p, empty]) {
      const m = await api(srv.url, 'POST', `/projects/${proj}/members`, { body: { role_id: GROUP_ROLE[subject], member_group: { id: gid } } });
      expect(m.status, m.text).toBe(201);
    }
    // What an identity provider's sign-in records (LDAP and OIDC logins refresh it).
    const u = (await api(srv.url, 'GET', `/users?q=username%3D${name}`)).body[0];
    await srv.app.stores.groups.setUserGroups(u.user_id, [gid]);
  }
  const targetMid = await addMember(srv.url, p, 'target', 3);
  for (const [repo, t] of [['app', 'v1'], ['app', 'del'], ['other', 'v1']]) expect(await pushImageWith(srv.url, `${p}/${repo}`, t, basicHeader(admin))).toMatchObject({ ok: true });
  if (subject === 'deleted-user') {
    const u = (await api(srv.url, 'GET', `/users?q=username%3D${name}`)).body[0];
    expect((await api(srv.url, 'DELETE', `/users/${u.user_id}`)).status).toBe(200);
  }

  const signedIn = subject !== 'anonymous';
  const validCreds = subject !== 'anonymous' && subject !== 'wrong-password' && subject !== 'deleted-user';
  const result = {} as Record<Cell, boolean>;
  /** An API call's verdict; a denial must be 401 without valid credentials and 403 with them. */
  const apiCell = async (cell: Cell, method: string, path: string, body?: unknown, allowedStatus?: number): Promise<void> => {
    const r = await api(srv.url, method, path, { as: who, body });
    result[cell] = allowedStatus === undefined ? ok(r.status) : r.status === allowedStatus;
    if (!result[cell]) expect({ cell, status: r.status }).toEqual({ cell, status: validCreds ? 403 : 401 });
  };

  // ---- registry, through the token service as clients do it
  const tok = await getToken(srv.url, [`repository:${p}/app:pull,push,delete`], who);
  if (signedIn && !validCreds) {
    expect(tok.status).toBe(401);
  } else {
    expect(tok.status).toBe(200);
  }
  const auth = tok.token ? bearer(tok.token) : {};
  const granted = tok.claims?.access[0].actions ?? [];
  const pull = await http(srv.url, 'GET', `/v2/${p}/app/manifests/v1`, { headers: auth });
  result['registry.pull'] = ok(pull.status);
  expect(result['registry.pull']).toBe(granted.includes('pull'));
  const push = await pushImageWith(srv.url, `${p}/app`, 'pushed', auth);
  result['registry.push'] = push.ok;
  expect(result['registry.push']).toBe(granted.includes('push'));
  const del = await http(srv.url, 'DELETE', `/v2/${p}/app/manifests/del`, { headers: auth });
  result['registry.delete'] = ok(del.status);
  expect(result['registry.delete']).toBe(granted.includes('delete'));
  for (const r of [pull, del]) if (!ok(r.status)) expect(r.status).toBe(401);

  // ---- API, reads and creates first, deletes last
  await apiCell('project.read', 'GET', `/projects/${p}`);
  await apiCell('member.read', 'GET', `/projects/${p}/members`);
  await apiCell('repository.read', 'GET', `/projects/${p}/repositories`);
  await apiCell('artifact.read', 'GET', `/projects/${p}/repositories/app/artifacts`);
  await apiCell('webhook.read', 'GET', `/projects/${p}/webhook/policies`);
  await apiCell('webhook.lasttrigger', 'GET', `/projects/${p}/webhook/lasttrigger`);
  const hook = await api(srv.url, 'POST', `/projects/${p}/webhook/policies`, { body: { name: 'seed', event_types: ['PUSH_ARTIFACT'], targets: [{ address: 'http://127.0.0.1:9/' }] } });
  expect(hook.status, hook.text).toBe(201);
  await apiCell('webhook.jobs', 'GET', `/projects/${p}/webhook/jobs?policy_id=${hook.headers.location.split('/').pop()}`);
  await apiCell('webhook.create', 'POST', `/projects/${p}/webhook/policies`, { name: 'w', event_types: ['PUSH_ARTIFACT'], targets: [{ address: 'http://127.0.0.1:9/' }] });
  await apiCell('project.create', 'POST', '/projects', { project_name: `c-${tag}` });
  await apiCell('scanner.read', 'GET', `/projects/${p}/scanner`);
  await apiCell('scanner.create', 'PUT', `/projects/${p}/scanner`, { uuid: '00000000-0000-4000-8000-686172626f72' });
  // Allowed: Harbor's 400 "no scan job" (none runs) and 404 for a report that is not there.
  await apiCell('scan.stop', 'POST', `/projects/${p}/repositories/app/artifacts/v1/scan/stop`, { scan_type: 'vulnerability' }, 400);
  await apiCell('scan.log', 'GET', `/projects/${p}/repositories/app/artifacts/v1/scan/nope/log`, undefined, 404);
  await apiCell('member.create', 'POST', `/projects/${p}/members`, { role_id: 2, member_user: { username: `j-${tag}` } });
  await apiCell('artifact.create', 'POST', `/projects/${p}/repositories/app/artifacts/v1/tags`, { name: 'extra' });
  const pid = (await api(srv.url, 'GET', `/projects/${p}`)).body.project_id;
  const label = await api(srv.url, 'POST', '/labels', { body: { name: 'seed', scope: 'p', project_id: pid } });
  const lid = Number(label.headers.location.split('/').pop());
  await apiCell('label.read', 'GET', `/labels?scope=p&project_id=${pid}`);
  await apiCell('label.create', 'POST', '/labels', { name: 'mine', scope: 'p', project_id: pid });
  await apiCell('artifact-label.create', 'POST', `/projects/${p}/repositories/app/artifacts/v1/labels`, { id: lid });
  if (!result['artifact-label.create']) expect((await api(srv.url, 'POST', `/projects/${p}/repositories/app/artifacts/v1/labels`, { body: { id: lid } })).status).toBe(200);
  await apiCell('artifact-label.delete', 'DELETE', `/projects/${p}/repositories/app/artifacts/v1/labels/${lid}`);
  await apiCell('artifact.copy', 'POST', `/projects/${p}/repositories/copied/artifacts?from=${p}/app:v1`);
  result['repository.create'] = result['registry.push'];
  await apiCell('project.update', 'PUT', `/projects/${p}`, { metadata: { auto_scan: 'true' } });
  await apiCell('repository.update', 'PUT', `/projects/${p}/repositories/app`, { description: 'd' });
  await apiCell('member.update', 'PUT', `/projects/${p}/members/${targetMid}`, { role_id: 2 });
  await apiCell('member.delete', 'DELETE', `/projects/${p}/members/${targetMid}`);
  await apiCell('artifact.delete', 'DELETE', `/projects/${p}/repositories/app/artifacts/v1`);
  await apiCell('repository.delete', 'DELETE', `/projects/${p}/repositories/other`);
  await apiCell('project.delete', 'DELETE', `/projects/${empty}`);
  return result;
}

function expected(who: Subject, isPublic: boolean): Record<Cell, boolean> {
  const subject = isGroupSubject(who) ? SAME_AS[who] : who;
  const out = {} as Record<Cell, boolean>;
  for (const [cell, who] of Object.entries(EXPECTED) as [Cell, Subject[]][]) {
    out[cell] = who.includes(subject) || (isPublic && (PUBLIC_EXPECTED[cell]?.includes(subject) ?? false));
  }
  return out;
}

describe('Harbor permission matrix, private project', () => {
  test.each(SUBJECTS)('%s', async (subject) => {
    expect(await walk(subject, false)).toEqual(expected(subject, false));
  });
});

describe('Harbor permission matrix, public project', () => {
  test.each(SUBJECTS)('%s', async (subject) => {
    expect(await walk(subject, true)).toEqual(expected(subject, true));
  });
});
