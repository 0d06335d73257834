// Harbor 2.13's extended audit log (issue 19) on the real server: create, update and delete of users,
// projects, members, robots, registries, webhook and retention policies, immutable rules and system
// schedules, logins that succeed and fail (with the client's address), logouts (/c/log_out), the
// artifact operations, in /auditlog-exts, /projects/{p}/auditlog-exts and the event types; q=, paging
// and who sees what; the three settings as configuration items: disabled_audit_log_event_types, and
// forwarding to a real rsyslog over TCP (RFC 5424), with skip_audit_log_database keeping the records
// out of the database. Records are batched: a list flushes first, and the forwarder is waited on through the
// file rsyslog writes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addMember, api, createProject, createUser, expectApiError, http } from '../helpers/api.js';
import { cli, cliEnv, json, serveRefusal } from '../helpers/cli.js';
import { call, pushImage } from '../helpers/oci.js';
import { startHarborctl, type RegistryProcess } from '../helpers/registry-process.js';
import { startRsyslog, type RsyslogProcess } from '../helpers/rsyslog.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ loginDelay: { freeFailures: 3, baseMs: 1, maxMs: 1 } });
});
afterAll(async () => { await srv?.close(); });

type Ext = { id: number; username: string; resource: string; resource_type: string; operation: string; operation_description: string; operation_result: boolean; op_time: string };

async function ext(path = '/auditlog-exts', q?: string): Promise<Ext[]> {
  const r = await api(srv.url, 'GET', `${path}?page_size=100${q ? `&q=${encodeURIComponent(q)}` : ''}`);
  expect(r.status, r.text).toBe(200);
  return r.body;
}

const has = (rows: Ext[], operation: string, type: string, resource: string, ok = true): boolean =>
  rows.some((r) => r.operation === operation && r.resource_type === type && r.resource === resource && r.operation_result === ok);

describe('what is recorded', () => {
  test('create, update and delete of users, projects, members, robots, registries and webhook policies', async () => {
    const uid = await createUser(srv.url, 'ext-alice', 'Alice12345');
    expect((await api(srv.url, 'PUT', `/users/${uid}`, { body: { realname: 'Alice' } })).status).toBe(200);
    expect((await api(srv.url, 'PUT', `/users/${uid}/password`, { body: { new_password: 'Alice67890' } })).status).toBe(200);
    const pid = await createProject(srv.url, 'ext-proj');
    expect((await api(srv.url, 'PUT', '/projects/ext-proj', { body: { metadata: { public: 'true' } } })).status).toBe(200);
    const mid = await addMember(srv.url, 'ext-proj', 'ext-alice', 2);
    expect((await api(srv.url, 'PUT', `/projects/ext-proj/members/${mid}`, { body: { role_id: 3 } })).status).toBe(200);
    expect((await api(srv.url, 'DELETE', `/projects/ext-proj/members/${mid}`)).status).toBe(200);
    const perms = [{ kind: 'project', namespace: 'ext-proj', access: [{ resource: 'repository', action: 'pull' }] }];
    const robot = await api(srv.url, 'POST', '/robots', { body: { name: 'ext-bot', level: 'project', duration: 30, permissions: perms } });
    expect(robot.status, robot.text).toBe(201);
    expect((await api(srv.url, 'DELETE', `/robots/${robot.body.id}`)).status).toBe(200);
    expect((await api(srv.url, 'POST', '/registries', { body: { name: 'ext-up', type: 'docker-registry', url: 'http://127.0.0.1:9' } })).status).toBe(201);
    const rid = (await api(srv.url, 'GET', '/registries?q=name%3Dext-up')).body[0].id;
    expect((await api(srv.url, 'DELETE', `/registries/${rid}`)).status).toBe(200);
    const hook = await api(srv.url, 'POST', '/projects/ext-proj/webhook/policies', { body: { name: 'ext-hook', event_types: ['PUSH_ARTIFACT'], targets: [{ address: 'http://127.0.0.1:9/' }] } });
    expect(hook.status).toBe(201);
    expect((await api(srv.url, 'DELETE', hook.headers.location.replace('/api/v2.0', ''))).status).toBe(200);
    // A failed update is recorded as failed; a refused one (403) is no operation on the resource.
    expectApiError(await api(srv.url, 'PUT', `/projects/ext-proj/members/${mid}`, { body: { role_id: 99 } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'DELETE', `/users/${uid}`, { as: { username: 'ext-alice', password: 'Alice67890' } }), 403, 'FORBIDDEN');
    expect((await api(srv.url, 'DELETE', `/users/${uid}`)).status).toBe(200);

    const rows = await ext();
    for (const [op, type, res] of [
      ['create', 'user', 'ext-alice'], ['update', 'user', 'ext-alice'], ['delete', 'user', 'ext-alice'],
      ['create', 'project', 'ext-proj'], ['update', 'project', 'ext-proj'],
      ['create', 'project_member', 'ext-proj:ext-alice'], ['update', 'project_member', 'ext-proj:ext-alice'], ['delete', 'project_member', 'ext-proj:ext-alice'],
      ['create', 'robot', 'ext-proj+ext-bot'], ['delete', 'robot', 'ext-proj+ext-bot'],
      ['create', 'registry', 'ext-up'], ['delete', 'registry', 'ext-up'],
      ['create', 'webhook_policy', 'ext-hook'], ['delete', 'webhook_policy', 'ext-hook'],
    ] as const) expect(has(rows, op, type, res), `${op} ${type} ${res}`).toBe(true);
    expect(rows.filter((r) => r.operation === 'delete' && r.resource_type === 'user')).toHaveLength(1);
    expect(rows.find((r) => r.operation === 'create' && r.resource_type === 'user')).toMatchObject({
      username: 'admin', operation_description: 'create user with name: ext-alice', op_time: expect.stringMatching(/Z$/),
    });
    // The failed member update (role 99) is recorded once, as failed; it is the newest member update.
    expect(rows.filter((r) => r.operation === 'update' && r.resource_type === 'project_member').map((r) => r.operation_result)).toEqual([false, true]);
    // The project's own entries, through its log.
    const own = await ext('/projects/ext-proj/auditlog-exts');
    expect(own.map((r) => r.resource)).toEqual(expect.arrayContaining(['ext-proj', 'ext-proj:ext-alice', 'ext-proj+ext-bot', 'ext-hook']));
    expect(own.filter((r) => ['user', 'registry'].includes(r.resource_type))).toEqual([]);
    expect(pid).toBeGreaterThan(0);
  });

  test('configuration changes: update_configuration, a refused one as unsuccessful', async () => {
    expect((await api(srv.url, 'PUT', '/configurations', { body: { project_creation_restriction: 'adminonly' } })).status).toBe(200);
    expect((await api(srv.url, 'PUT', '/configurations', { body: { robot_token_duration: 'soon' } })).status).toBe(400);
    expect((await api(srv.url, 'PUT', '/configurations', { body: { project_creation_restriction: 'everyone' } })).status).toBe(200);
    const rows = (await ext()).filter((r) => r.resource_type === 'configuration').reverse(); // newest first
    expect(rows.map((r) => [r.operation, r.resource, r.operation_result])).toEqual([
      ['update', 'configuration', true], ['update', 'configuration', false], ['update', 'configuration', true],
    ]);
  });

  test('logins: a verified password and a wrong one, with the client address', async () => {
    await createUser(srv.url, 'ext-bob', 'Bob1234567');
    expect((await http(srv.url, 'GET', '/api/v2.0/users/current', { as: { username: 'ext-bob', password: 'Bob1234567' } })).status).toBe(200);
    expect((await http(srv.url, 'GET', '/api/v2.0/users/current', { as: { username: 'ext-bob', password: 'wrong-one' } })).status).toBe(401);
    const rows = await ext('/auditlog-exts', 'operation=login,resource=ext-bob');
    expect(rows.map((r) => [r.operation_result, r.username])).toEqual([[false, 'ext-bob'], [true, 'ext-bob']]);
    expect(rows[0].operation_description).toBe('login failed from 127.0.0.1');
    expect(rows[1].operation_description).toBe('login succeeded from 127.0.0.1');
  });

  test('logout: GET /c/log_out records the signed-in user and clears the session cookie; anonymous or wrong credentials record nothing; harborctl logout tells harborctl serve', async () => {
    await createUser(srv.url, 'ext-lou', 'Lou1234567');
    const out = await http(srv.url, 'GET', '/c/log_out', { as: { username: 'ext-lou', password: 'Lou1234567' } });
    expect(out.status).toBe(200);
    expect(out.headers['set-cookie']).toBe('sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax');
    expect((await http(srv.url, 'GET', '/c/log_out', { as: null })).status).toBe(200);
    expect((await http(srv.url, 'GET', '/c/log_out', { as: { username: 'ext-lou', password: 'not-his' } })).status).toBe(200);
    expect((await http(srv.url, 'GET', '/c/log_out', { as: { username: 'ext-nobody', password: 'whatever1' } })).status).toBe(200);
    expectApiError(await http(srv.url, 'POST', '/c/log_out', { as: { username: 'ext-lou', password: 'Lou1234567' } }), 405, 'METHOD_NOT_ALLOWED');
    const rows = await ext('/auditlog-exts', 'operation=logout');
    expect(rows.map((r) => [r.username, r.resource, r.resource_type, r.operation_result, r.operation_description]))
      .toEqual([['ext-lou', 'ext-lou', 'user', true, 'logout from 127.0.0.1']]);

    const sandbox = await cliEnv();
    try {
      expect((await cli(sandbox.env, ['login', srv.url, '-u', 'ext-lou', '--password-stdin'], { stdin: 'Lou1234567' })).code).toBe(0);
      const r = await cli(sandbox.env, ['logout', '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      expect(json(r)).toMatchObject({ logged_out: true, server_logout: true });
      expect((await ext('/auditlog-exts', 'operation=logout,resource=ext-lou')).length).toBe(2);
    } finally {
      await sandbox.cleanup();
    }
  });

  test('policies: retention policies, immutable tag rules, the GC and audit-log purge schedules', async () => {
    const pid = await createProject(srv.url, 'ext-pol');
    const sel = (decoration: string, pattern: string) => ({ kind: 'doublestar', decoration, pattern });
    const rule = { disabled: false, action: 'retain', template: 'always', params: {}, tag_selectors: [sel('matches', '**')], scope_selectors: { repository: [sel('repoMatches', '**')] } };
    const policy = { algorithm: 'or', rules: [rule], trigger: { kind: 'Schedule', settings: { cron: '' } }, scope: { level: 'project', ref: pid } };
    const ret = await api(srv.url, 'POST', '/retentions', { body: policy });
    expect(ret.status, ret.text).toBe(201);
    const rid = ret.headers.location.split('/').pop();
    expect((await api(srv.url, 'PUT', `/retentions/${rid}`, { body: policy })).status).toBe(200);
    expect((await api(srv.url, 'DELETE', `/retentions/${rid}`)).status).toBe(200);
    const imm = await api(srv.url, 'POST', '/projects/ext-pol/immutabletagrules', { body: { action: 'immutable', template: 'immutable_template', tag_selectors: [sel('matches', 'v*')], scope_selectors: { repository: [sel('repoMatches', '**')] } } });
    expect(imm.status, imm.text).toBe(201);
    const iid = imm.headers.location.split('/').pop();
    expect((await api(srv.url, 'DELETE', `/projects/ext-pol/immutabletagrules/${iid}`)).status).toBe(200);
    expect((await api(srv.url, 'PUT', '/system/gc/schedule', { body: { schedule: { type: 'Daily' }, parameters: {} } })).status).toBe(200);
    expect((await api(srv.url, 'PUT', '/system/purgeaudit/schedule', { body: { schedule: { type: 'None' }, parameters: {} } })).status).toBe(200);
    const rows = await ext();
    for (const [op, type, res] of [
      ['create', 'retention_policy', rid], ['update', 'retention_policy', rid], ['delete', 'retention_policy', rid],
      ['create', 'immutable_rule', `ext-pol:${iid}`], ['delete', 'immutable_rule', `ext-pol:${iid}`],
      ['update', 'gc_schedule', 'gc'], ['update', 'purge_audit_schedule', 'purgeaudit'],
    ]) expect(has(rows, op!, type!, res!), `${op} ${type} ${res}`).toBe(true);
    expect((await ext('/projects/ext-pol/auditlog-exts')).filter((r) => r.resource_type === 'retention_policy')).toHaveLength(3);
  });

  test('artifact operations are in the extended log too', async () => {
    await createProject(srv.url, 'ext-art');
    const img = await pushImage(srv.url, 'ext-art/app', 'v1');
    expect((await call(srv.url, `/v2/ext-art/app/manifests/${img.digest}`)).status).toBe(200);
    await srv.app.auditExt.flush();
    const rows = await ext('/projects/ext-art/auditlog-exts');
    expect(rows.map((r) => [r.operation, r.resource_type, r.resource])).toEqual(expect.arrayContaining([
      ['create', 'artifact', 'ext-art/app:v1'], ['pull', 'artifact', `ext-art/app@${img.digest}`],
    ]));
  });
});

describe('the API', () => {
  test('q=, paging, event types, and who may see what', async () => {
    for (const n of [1, 2, 3]) await createProject(srv.url, `ext-page-${n}`);
    const first = await api(srv.url, 'GET', `/auditlog-exts?page=1&page_size=2&q=${encodeURIComponent('operation=create,resource_type=project,resource=~ext-page-')}`);
    expect(first.headers['x-total-count']).toBe('3');
    expect(first.headers.link).toContain('rel="next"');
    expect(first.body.map((r: Ext) => r.resource)).toEqual(['ext-page-3', 'ext-page-2']);
    const events = await api(srv.url, 'GET', '/auditlog-exts/events');
    expect(events.body).toEqual(expect.arrayContaining([{ event_type: 'create_user' }, { event_type: 'login_user' }, { event_type: 'pull_artifact' }]));

    await createUser(srv.url, 'ext-carol', 'Carol12345');
    await addMember(srv.url, 'ext-page-1', 'ext-carol', 1);
    const carol = { username: 'ext-carol', password: 'Carol12345' };
    const mine = await api(srv.url, 'GET', '/auditlog-exts?page_size=100', { as: carol });
    expect(mine.body.length).toBeGreaterThan(0);
    expect(mine.body.every((r: Ext) => r.resource.startsWith('ext-page-1'))).toBe(true);
    expectApiError(await api(srv.url, 'GET', '/projects/ext-page-2/auditlog-exts', { as: carol }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/auditlog-exts/events', { as: carol }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/auditlog-exts', { as: null }), 401, 'UNAUTHORIZED');
  });
});

describe('harborctl audit-log list --ext', () => {
  test('--ext, --operation, --resource-type, --since, -o json and a table; usage errors', async () => {
    await createUser(srv.url, 'ext-cli', 'Cli1234567');
    const sandbox = await cliEnv({ HARBORCTL_DATA_DIR: srv.dataDir });
    try {
      const r = await cli(sandbox.env, ['audit-log', 'list', '--ext', '--operation', 'create', '--resource-type', 'user', '--since', '1h', '--page-size', '0', '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      const rows = json(r) as Ext[];
      expect(rows[0]).toMatchObject({ operation: 'create', resource_type: 'user', resource: 'ext-cli', operation_result: true });
      expect(rows.every((x) => x.operation === 'create' && x.resource_type === 'user')).toBe(true);
      const future = await cli(sandbox.env, ['audit-log', 'list', '--ext', '--since', new Date(Date.now() + 3_600_000).toISOString(), '-o', 'json']);
      expect(json(future)).toEqual([]);
      const table = await cli(sandbox.env, ['audit-log', 'list', '--ext', '--operation', 'login']);
      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout).toMatch(/^ID\s+TIME\s+USER\s+OPERATION\s+TYPE\s+RESOURCE\s+RESULT\s+DESCRIPTION/);
      // Without --ext: the log this registry records in now, the extended one.
      const current = await cli(sandbox.env, ['audit-log', 'list', '--resource-type', 'user', '--operation', 'create', '--page-size', '0', '-o', 'json']);
      expect(current.code, current.stderr).toBe(0);
      expect(json(current)).toEqual(rows);
      expect((await cli(sandbox.env, ['audit-log', 'list', '--ext', '--since', 'yesterday'])).code).toBe(2);
    } finally {
      await sandbox.cleanup();
    }
  });
});

describe('settings', () => {
  test('disabled_audit_log_event_types leaves those types out', async () => {
    const s = await startTestServer();
    try {
      expect((await api(s.url, 'PUT', '/configurations', { body: { disabled_audit_log_event_types: 'create_user, pull_artifact' } })).status).toBe(200);
      await createUser(s.url, 'ext-dave', 'Dave123456');
      await createProject(s.url, 'ext-dis');
      const img = await pushImage(s.url, 'ext-dis/app', 'v1');
      expect((await call(s.url, `/v2/ext-dis/app/manifests/${img.digest}`)).status).toBe(200);
      await s.app.auditExt.flush();
      const rows = (await api(s.url, 'GET', '/auditlog-exts?page_size=100')).body as Ext[];
      expect(has(rows, 'create', 'project', 'ext-dis')).toBe(true);
      expect(has(rows, 'create', 'artifact', 'ext-dis/app:v1')).toBe(true);
      expect(rows.filter((r) => (r.operation === 'create' && r.resource_type === 'user') || r.operation === 'pull')).toEqual([]);
    } finally {
      await s.close();
    }
  });

  test('audit_log_forward_endpoint (PUT /configurations) sends every record to a real rsyslog at once; skip_audit_log_database keeps them out of the database; a new endpoint is used from the next record', async () => {
    let rs: RsyslogProcess | undefined;
    let rs2: RsyslogProcess | undefined;
    let s: TestServer | undefined;
    const setConfig = async (body: Record<string, unknown>): Promise<void> => {
      const r = await api(s!.url, 'PUT', '/configurations', { body });
      expect(r.status, r.text).toBe(200);
    };
    const projectsInDb = async (): Promise<string[]> => ((await api(s!.url, 'GET', '/auditlog-exts?page_size=100')).body as Ext[])
      .filter((r) => r.resource_type === 'project').map((r) => r.resource);
    try {
      rs = await startRsyslog();
      s = await startTestServer();
      await setConfig({ audit_log_forward_endpoint: rs.endpoint, skip_audit_log_database: true });
      await createUser(s.url, 'ext-erin', 'Erin123456');
      await createProject(s.url, 'ext-fwd');
      await pushImage(s.url, 'ext-fwd/app', 'v1');
      expect((await http(s.url, 'GET', '/api/v2.0/users/current', { as: { username: 'ext-erin', password: 'not-hers' } })).status).toBe(401);
      const lines = await rs.waitFor((l) => l.some((x) => x.includes('resource:ext-erin, operation_description:login failed')));
      const of = (needle: string): string => lines.find((l) => l.includes(needle)) ?? '';
      // rsyslog parsed each line as RFC 5424: APP-NAME audit, PROCID our pid, the message as sent.
      expect(of('action:create, resource:ext-erin')).toMatch(new RegExp(`^\\S+ audit ${process.pid} operator="admin" resourceType="user" result="success" time="[^"]+Z" action:create, resource:ext-erin, operation_description:create user with name: ext-erin$`));
      await rs.waitFor((l) => l.some((x) => x.includes('action:create, resource:ext-fwd/app:v1')));
      expect(of('action:create, resource:ext-fwd,')).toContain('resourceType="project"');
      expect(of('login failed')).toContain('result="failure"');
      expect(await projectsInDb()).toEqual([]);
      // Without skip_audit_log_database, the same record goes to both.
      await setConfig({ skip_audit_log_database: false });
      await createProject(s.url, 'ext-both');
      await rs.waitFor((l) => l.some((x) => x.includes('action:create, resource:ext-both,')));
      expect(await projectsInDb()).toEqual(['ext-both']);
      // Another endpoint: the next record goes there, not to the first.
      rs2 = await startRsyslog();
      await setConfig({ audit_log_forward_endpoint: rs2.endpoint });
      await createProject(s.url, 'ext-moved');
      await rs2.waitFor((l) => l.some((x) => x.includes('action:create, resource:ext-moved,')));
      // Forwarding off: records stay in the database only.
      await setConfig({ audit_log_forward_endpoint: '' });
      await createProject(s.url, 'ext-local');
      expect(await projectsInDb()).toEqual(['ext-local', 'ext-moved', 'ext-both']);
      s.app.auditExt.flush();
      expect((await rs.lines()).filter((x) => x.includes('ext-moved') || x.includes('ext-local'))).toEqual([]);
      expect((await rs2.lines()).filter((x) => x.includes('ext-local'))).toEqual([]);
    } finally {
      await s?.close();
      await rs?.stop();
      await rs2?.stop();
    }
  });

  test('harborctl serve takes the three settings as flags', async () => {
    let rs: RsyslogProcess | undefined;
    let reg: RegistryProcess | undefined;
    try {
      rs = await startRsyslog();
      reg = await startHarborctl({ args: ['--audit-log-forward-endpoint', rs.endpoint, '--skip-audit-log-database', '--disabled-audit-log-event-types', 'create_project'] });
      await createProject(reg.url, 'ext-serve');
      await createUser(reg.url, 'ext-serve-user', 'Serve12345');
      await rs.waitFor((l) => l.some((x) => x.includes('action:create, resource:ext-serve-user,')));
      expect((await rs.lines()).filter((x) => x.includes('resourceType="project"'))).toEqual([]);
      expect((await api(reg.url, 'GET', '/auditlog-exts')).body).toEqual([]);
      // The flags seeded the configuration items, as Harbor's environment seeds its database.
      expect((await api(reg.url, 'GET', '/configurations')).body).toMatchObject({
        audit_log_forward_endpoint: { value: rs.endpoint }, skip_audit_log_database: { value: true }, disabled_audit_log_event_types: { value: 'create_project' },
      });
      // Changed through the API, the stored value wins over the flags at the next start, with a warning.
      expect((await api(reg.url, 'PUT', '/configurations', { body: { disabled_audit_log_event_types: 'pull_artifact' } })).status).toBe(200);
      const dataDir = reg.dataDir;
      await reg.stop({ keepData: true });
      reg = await startHarborctl({ dataDir, args: ['--disabled-audit-log-event-types', 'create_project'] });
      expect((await api(reg.url, 'GET', '/configurations')).body.disabled_audit_log_event_types.value).toBe('pull_artifact');
      expect(reg.logs.join('\n')).toContain('configuration item disabled_audit_log_event_types: the stored value is in force');
    } finally {
      await reg?.stop();
      await rs?.stop();
    }
  });

  test.each([
    [['--skip-audit-log-database'], '--skip-audit-log-database needs --audit-log-forward-endpoint: records would go nowhere'],
    [['--audit-log-forward-endpoint', 'syslog.example'], 'invalid --audit-log-forward-endpoint "syslog.example": use HOST:PORT'],
    [['--disabled-audit-log-event-types', 'create_user,eat_cake'], '--disabled-audit-log-event-types: unknown event type "eat_cake"; the types are those of GET /api/v2.0/auditlog-exts/events'],
  ])('serve %j → exit 2', async (args, line) => {
    expect((await serveRefusal(args)).result).toEqual({ code: 2, stdout: '', stderr: `harborctl: ${line}\n` });
  });
});
