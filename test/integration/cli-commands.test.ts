// Every noun → verb command in-process against the test double of a remote Harbor: -o json shapes,
// tables, and each error path's one-line message and exit code. Validation happens before any request.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, cliEnv, json, type CliEnv, type CliResult } from '../helpers/cli.js';
import { addRepo, startFakeHarbor, type FakeHarbor } from '../helpers/fake-harbor.js';

let fake: FakeHarbor;
let sandbox: CliEnv;
let env: NodeJS.ProcessEnv;
const h = (args: string[], stdin?: string): Promise<CliResult> => cli(env, args, { stdin });

beforeAll(async () => {
  fake = await startFakeHarbor();
  sandbox = await cliEnv();
  env = sandbox.env;
  const r = await cli(env, ['login', fake.url, '-u', 'admin', '--password-stdin'], { stdin: 'Harbor12345' });
  expect(r.code).toBe(0);
});
afterAll(async () => { await fake.close(); await sandbox.cleanup(); });

/** Runs a command and checks that it failed with exactly this line and code, without any request. */
async function failsOffline(args: string[], code: number, line: string): Promise<void> {
  const before = fake.requests.length;
  const r = await h(args);
  expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ code, stderr: `harborctl: ${line}\n`, stdout: '' });
  expect(fake.requests.length).toBe(before);
}

describe('project', () => {
  test('create → get → list → update → delete, as JSON', async () => {
    const c = await h(['project', 'create', 'team-a', '--storage-limit', '10GiB', '-o', 'json']);
    expect(c.stderr).toBe('');
    const created = json(c);
    expect(created).toMatchObject({ name: 'team-a', metadata: { public: 'false' }, storage_limit: 10737418240, repo_count: 0 });
    expect(typeof created.project_id).toBe('number');
    expect(json(await h(['project', 'get', 'team-a', '-o', 'json'])).project_id).toBe(created.project_id);
    expect(json(await h(['project', 'get', String(created.project_id), '-o', 'json'])).name).toBe('team-a');

    const list = json(await h(['project', 'list', '-o', 'json']));
    expect(list.map((p: { name: string }) => p.name)).toEqual(['library', 'team-a']);
    expect(json(await h(['project', 'list', '--public', '-o', 'json'])).map((p: { name: string }) => p.name)).toEqual(['library']);
    expect(json(await h(['project', 'list', '--private', '-o', 'json'])).map((p: { name: string }) => p.name)).toEqual(['team-a']);

    const u = json(await h(['project', 'update', 'team-a', '--public', '-o', 'json']));
    expect(u.metadata.public).toBe('true');

    const d = await h(['project', 'delete', 'team-a', '--yes', '-o', 'json']);
    expect(json(d)).toEqual({ kind: 'project', name: 'team-a', deleted: true });
    const gone = await h(['project', 'get', 'team-a']);
    expect([gone.code, gone.stderr]).toEqual([3, 'harborctl: project team-a not found\n']);
  });

  test('tables: headers and rows on stdout; YAML', async () => {
    const t = await h(['project', 'list']);
    expect(t.code).toBe(0);
    const lines = t.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+ACCESS\s+REPOS\s+OWNER\s+CREATED$/);
    expect(lines[1]).toMatch(/^1\s+library\s+public\s+0\s+admin\s+2026-01-02 03:04Z$/);
    expect(t.stderr).toBe('');
    const created = await h(['project', 'create', 'team-t', '--public']);
    expect(created.stdout).toMatch(/^ID\s+\d+\nNAME\s+team-t\nACCESS\s+public\n/);
    const y = await h(['project', 'get', 'team-t', '-o', 'yaml']);
    expect(y.stdout).toContain('name: team-t\n');
    expect(y.stdout).toContain('public: "true"');
    expect((await h(['project', 'delete', 'team-t', '-y'])).stdout).toBe('✓ deleted project team-t\n');
  });

  test('error paths', async () => {
    await failsOffline(['project', 'create', 'Team A'], 2, 'invalid project name "Team A": lower-case letters, digits and single . _ - between them, 1 to 255 characters');
    await failsOffline(['project', 'create', 'x', '--storage-limit', '10XB'], 2, 'invalid size "10XB": use a number and a unit, e.g. 500MiB, 10GiB, 1TB, or -1 for unlimited');
    await failsOffline(['project', 'update', 'library'], 2, 'nothing to update: pass --public, --private, --storage-limit or --auto-sbom');
    await failsOffline(['project', 'update', 'library', '--public', '--private'], 2, '--public and --private exclude each other');
    await failsOffline(['project', 'list', '--page-size', '500'], 2, 'invalid --page-size "500": 1 to 100, or 0 for every page');
    await failsOffline(['project', 'delete', 'library'], 4, 'delete project library: confirmation required, pass --yes');
    await failsOffline(['project', 'list', '-o', 'csv'], 2, "option '-o, --output <format>' argument 'csv' is invalid. Allowed choices are table, json, yaml.");
    const dup = await h(['project', 'create', 'library']);
    expect([dup.code, dup.stderr]).toEqual([1, 'harborctl: The project named library already exists\n']);
    addRepo(fake, 'library', 'busy', [['1']]);
    const full = await h(['project', 'delete', 'library', '--yes']);
    expect([full.code, full.stderr]).toEqual([1, 'harborctl: cannot delete project library: the project library contains repositories (harborctl repo list library)\n']);
    fake.repos = [];
    const missing = await h(['project', 'delete', 'nope', '--yes']);
    expect([missing.code, missing.stderr]).toEqual([3, 'harborctl: project nope not found\n']);
  });

  test('--page-size 0 lists everything; a partial page tells how to see more (stderr, table only)', async () => {
    for (let i = 0; i < 25; i++) fake.projects.push({ project_id: 500 + i, name: `many-${String(i).padStart(2, '0')}`, metadata: { public: 'false' }, owner_id: 1, owner_name: 'admin', creation_time: '2026-01-01T00:00:00Z', update_time: '2026-01-01T00:00:00Z' });
    try {
      expect(json(await h(['project', 'list', '--name', 'many-', '--page-size', '0', '-o', 'json']))).toHaveLength(25);
      expect(json(await h(['project', 'list', '--name', 'many-', '--page', '3', '-o', 'json'])).map((p: { name: string }) => p.name)).toEqual(['many-20', 'many-21', 'many-22', 'many-23', 'many-24']);
      const t = await h(['project', 'list', '--name', 'many-']);
      expect(t.stdout.trimEnd().split('\n')).toHaveLength(11);
      expect(t.stderr).toBe('showing 10 of 25: use --page 2 or --page-size 0 for all\n');
      const j = await h(['project', 'list', '--name', 'many-', '-o', 'json']);
      expect(j.stderr).toBe('');
    } finally {
      fake.projects = fake.projects.filter((p) => !p.name.startsWith('many-'));
    }
  });

  test('an empty list: [] in JSON; nothing on stdout and a note on stderr in a table', async () => {
    expect(json(await h(['project', 'list', '--name', 'zzz', '-o', 'json']))).toEqual([]);
    const t = await h(['project', 'list', '--name', 'zzz']);
    expect([t.code, t.stdout, t.stderr]).toEqual([0, '', 'no projects\n']);
  });
});

describe('user and member', () => {
  test('user create (password from stdin) → list → passwd → member add/list/update/remove → user delete', async () => {
    const c = await h(['user', 'create', 'dave', '--email', 'dave@example.com', '--password-stdin', '-o', 'json'], 'Dave12345\n');
    expect(c.stderr).toBe('');
    const dave = json(c);
    expect(dave).toMatchObject({ username: 'dave', email: 'dave@example.com', sysadmin_flag: false });
    expect(JSON.parse(fake.requests.find((r) => r.method === 'POST' && r.url === '/api/v2.0/users')!.body).password).toBe('Dave12345');
    expect(json(await h(['user', 'list', '--name', 'dav', '-o', 'json'])).map((u: { username: string }) => u.username)).toEqual(['dave']);
    const pw = await h(['user', 'passwd', 'dave', '--password-stdin', '-o', 'json'], 'Dave67890');
    expect(json(pw)).toEqual({ kind: 'user', name: 'dave', id: dave.user_id, password_changed: true });
    expect(fake.users.find((u) => u.username === 'dave')!.password).toBe('Dave67890');

    expect((await h(['project', 'create', 'team-m'])).code).toBe(0);
    const m = json(await h(['member', 'add', 'team-m', 'dave', '--role', 'maintainer', '-o', 'json']));
    expect(m).toMatchObject({ entity_name: 'dave', role_id: 4, entity_type: 'u' });
    const t = await h(['member', 'list', 'team-m']);
    expect(t.stdout).toMatch(/^ID\s+NAME\s+TYPE\s+ROLE\n\d+\s+dave\s+user\s+maintainer\n$/);
    expect(json(await h(['member', 'update', 'team-m', 'dave', '--role', 'guest', '-o', 'json'])).role_id).toBe(3);
    expect(json(await h(['member', 'update', 'team-m', String(m.id), '--role', '2', '-o', 'json'])).role_id).toBe(2);
    const dup = await h(['member', 'add', 'team-m', 'dave']);
    expect([dup.code, dup.stderr]).toEqual([1, 'harborctl: The user dave is already a member\n']);
    expect(json(await h(['member', 'remove', 'team-m', 'dave', '--yes', '-o', 'json']))).toEqual({ kind: 'member', name: 'dave', project: 'team-m', id: m.id, deleted: true });
    const notMember = await h(['member', 'remove', 'team-m', 'dave', '--yes']);
    expect([notMember.code, notMember.stderr]).toEqual([3, 'harborctl: dave is not a member of project team-m\n']);
    expect((await h(['project', 'delete', 'team-m', '--yes'])).code).toBe(0);

    expect(json(await h(['user', 'delete', 'dave', '--yes', '-o', 'json']))).toEqual({ kind: 'user', name: 'dave', id: dave.user_id, deleted: true });
    const gone = await h(['user', 'delete', 'dave', '--yes']);
    expect([gone.code, gone.stderr]).toEqual([3, 'harborctl: user dave not found\n']);
  });

  test('changing your own password sends the old one and updates the context', async () => {
    fake.users.push({ user_id: 77, username: 'erin', password: 'Erin12345', sysadmin_flag: false, creation_time: '2026-01-01T00:00:00Z' });
    const s = await cliEnv();
    try {
      expect((await cli(s.env, ['login', fake.url, '-u', 'erin', '--password-stdin'], { stdin: 'Erin12345' })).code).toBe(0);
      const r = await cli(s.env, ['user', 'passwd', '--password-stdin', '-o', 'json'], { stdin: 'Erin67890' });
      expect(r.stderr).toBe('');
      expect(json(r)).toEqual({ kind: 'user', name: 'erin', id: 77, password_changed: true });
      expect(JSON.parse(fake.requests.at(-1)!.body)).toEqual({ old_password: 'Erin12345', new_password: 'Erin67890' });
      expect(json(await cli(s.env, ['whoami', '-o', 'json'])).user.username).toBe('erin');
      // A non-admin listing users: Harbor answers 403 → exit 5.
      const denied = await cli(s.env, ['user', 'list']);
      expect([denied.code, denied.stderr]).toEqual([5, 'harborctl: forbidden\n']);
    } finally {
      fake.users = fake.users.filter((u) => u.username !== 'erin');
      await s.cleanup();
    }
  });

  test('error paths', async () => {
    await failsOffline(['member', 'add', 'library', 'x', '--role', 'owner'], 2, 'invalid role "owner": admin, developer, guest, maintainer, limited-guest (or 1-5)');
    await failsOffline(['member', 'update', 'library', 'x'], 2, "required option '--role <role>' not specified");
    await failsOffline(['member', 'remove', 'library', 'x'], 4, 'remove x from project library: confirmation required, pass --yes');
    await failsOffline(['user', 'create', 'bad name', '--password-stdin'], 2, 'invalid user name "bad name": 1 to 255 characters, no spaces or any of ,~#$%:"\'');
    await failsOffline(['user', 'create', 'frank', '--email', 'nope'], 2, 'invalid --email "nope"');
    await failsOffline(['user', 'create', 'frank'], 4, 'a password is required: pass --password-stdin (no terminal to ask on)');
    await failsOffline(['user', 'delete', 'frank'], 4, 'delete user frank: confirmation required, pass --yes');
    await failsOffline(['user', 'passwd', 'frank', '--no-input'], 4, 'a password is required: pass --password-stdin (no terminal to ask on)');
    const nouser = await h(['member', 'add', 'library', 'nobody']);
    expect([nouser.code, nouser.stderr]).toEqual([3, 'harborctl: user nobody not found\n']);
    const noproj = await h(['member', 'list', 'nope']);
    expect([noproj.code, noproj.stderr]).toEqual([3, 'harborctl: project nope not found\n']);
  });
});

describe('repo, artifact and tag', () => {
  beforeAll(() => { addRepo(fake, 'library', 'tools/busybox', [['1.36', 'latest'], ['1.35'], []]); });

  test('repo list and artifact list/get', async () => {
    const repos = json(await h(['repo', 'list', 'library', '-o', 'json']));
    expect(repos).toEqual([expect.objectContaining({ name: 'library/tools/busybox', artifact_count: 3 })]);
    const arts = json(await h(['artifact', 'list', 'library/tools/busybox', '-o', 'json']));
    expect(arts).toHaveLength(3);
    expect(arts[0].tags.map((t: { name: string }) => t.name)).toEqual(['1.36', 'latest']);
    const t = await h(['artifact', 'list', 'library/tools/busybox']);
    expect(t.stdout.split('\n')[0]).toMatch(/^DIGEST\s+TAGS\s+TYPE\s+SIZE\s+PUSHED$/);
    expect(t.stdout).toMatch(/sha256:000000000000\s+1\.36, latest\s+application\/vnd\.oci\.image\.config\.v1\+json\s+1\.0 KiB/);
    const a = json(await h(['artifact', 'get', 'library/tools/busybox:latest', '-o', 'json']));
    expect(a).toMatchObject({ digest: arts[0].digest, repository_name: 'library/tools/busybox' });
    const byDigest = json(await h(['artifact', 'get', `library/tools/busybox@${arts[1].digest}`, '-o', 'json']));
    expect(byDigest.tags.map((x: { name: string }) => x.name)).toEqual(['1.35']);
    // HOST in the reference: the current context's host is fine.
    const host = new URL(fake.url).host;
    expect(json(await h(['artifact', 'get', `${host}/library/tools/busybox:1.35`, '-o', 'json'])).digest).toBe(arts[1].digest);
  });

  test('tag list (repository and artifact), create, delete', async () => {
    const all = json(await h(['tag', 'list', 'library/tools/busybox', '-o', 'json']));
    expect(all.map((t: { name: string }) => t.name)).toEqual(['1.35', '1.36', 'latest']);
    expect(all[0].digest).toMatch(/^sha256:/);
    const created = json(await h(['tag', 'create', 'library/tools/busybox:1.36', 'stable', '-o', 'json']));
    expect(created).toEqual({ kind: 'tag', name: 'library/tools/busybox:stable', artifact: 'library/tools/busybox:1.36', created: true });
    expect(json(await h(['tag', 'list', 'library/tools/busybox:latest', '-o', 'json'])).map((t: { name: string }) => t.name)).toEqual(['1.36', 'latest', 'stable']);
    const dup = await h(['tag', 'create', 'library/tools/busybox:1.35', 'stable']);
    expect([dup.code, dup.stderr]).toEqual([1, 'harborctl: tag stable already exists\n']);
    expect(json(await h(['tag', 'delete', 'library/tools/busybox:stable', '--yes', '-o', 'json']))).toEqual({ kind: 'tag', name: 'library/tools/busybox:stable', deleted: true });
    const gone = await h(['tag', 'delete', 'library/tools/busybox:stable', '--yes']);
    expect([gone.code, gone.stderr]).toEqual([3, 'harborctl: tag library/tools/busybox:stable not found\n']);
  });

  test('artifact delete and repo delete', async () => {
    expect(json(await h(['artifact', 'delete', 'library/tools/busybox:1.35', '-y', '-o', 'json']))).toEqual({ kind: 'artifact', name: 'library/tools/busybox:1.35', deleted: true });
    const gone = await h(['artifact', 'get', 'library/tools/busybox:1.35']);
    expect([gone.code, gone.stderr]).toEqual([3, 'harborctl: artifact library/tools/busybox:1.35 not found\n']);
    expect(json(await h(['repo', 'delete', 'library/tools/busybox', '-y', '-o', 'json']))).toEqual({ kind: 'repository', name: 'library/tools/busybox', deleted: true });
    const r = await h(['repo', 'list', 'library']);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, '', 'no repositories in project library\n']);
  });

  test('error paths', async () => {
    await failsOffline(['artifact', 'get', 'library/busybox'], 2, '"library/busybox" names no artifact: add :TAG or @DIGEST');
    await failsOffline(['artifact', 'list', 'library/busybox:1'], 2, '"library/busybox:1" must name a repository, without :TAG or @DIGEST');
    await failsOffline(['artifact', 'get', 'busybox:1'], 2, 'invalid reference "busybox:1": repository name must be <project>/<repository>; write [HOST/]PROJECT/REPO[:TAG|@DIGEST]');
    await failsOffline(['artifact', 'delete', 'library/busybox:1'], 4, 'delete artifact library/busybox:1 and all its tags: confirmation required, pass --yes');
    await failsOffline(['repo', 'delete', 'library/busybox'], 4, 'delete repository library/busybox and all its artifacts: confirmation required, pass --yes');
    await failsOffline(['tag', 'create', 'library/busybox:1', 'bad tag'], 2, 'invalid tag "bad tag": letters, digits, _ . - (not first), at most 128');
    await failsOffline(['tag', 'delete', 'library/busybox', '--yes'], 2, '"library/busybox" names no tag: write PROJECT/REPO:TAG');
    await failsOffline(['artifact', 'get', 'other.example.com/library/busybox:1'], 2, 'no context for other.example.com: run harborctl login other.example.com');
    const nf = await h(['artifact', 'list', 'library/nope']);
    expect([nf.code, nf.stderr]).toEqual([3, 'harborctl: repository library/nope not found\n']);
  });
});

describe('global options', () => {
  test('--debug logs each request and response with its request id on stderr, never the credentials', async () => {
    const r = await h(['--debug', 'project', 'get', 'library', '-o', 'json']);
    expect(r.code).toBe(0);
    // The project, then its summary for the storage limit (issue 12 item 17).
    expect(r.stderr).toMatch(/^debug: > GET \/api\/v2\.0\/projects\/library x-request-id=[0-9a-f-]{36}\ndebug: < 200 GET \/api\/v2\.0\/projects\/library x-request-id=[0-9a-f-]{36}\n/);
    expect(r.stderr).toMatch(/\ndebug: > GET \/api\/v2\.0\/projects\/1\/summary x-request-id=[0-9a-f-]{36}\ndebug: < 200 GET \/api\/v2\.0\/projects\/1\/summary x-request-id=[0-9a-f-]{36}\n$/);
    expect(r.stderr).not.toContain('Harbor12345');
    expect(r.stderr).not.toContain(Buffer.from('admin:Harbor12345').toString('base64'));
    expect(json(r).name).toBe('library');
    const nf = await h(['--debug', 'project', 'get', 'nope']);
    expect(nf.stderr).toMatch(/harborctl: project nope not found\ndebug: request id [0-9a-f-]{36}\n$/);
  });

  test('--insecure warns on stderr; --ca-file that does not exist is a usage error', async () => {
    const r = await h(['--insecure', 'project', 'get', 'library', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`harborctl: warning: TLS certificate verification is disabled for ${fake.url} (--insecure)\n`);
    await failsOffline(['--ca-file', '/nonexistent.pem', 'project', 'list'], 2, 'cannot read --ca-file /nonexistent.pem: ENOENT');
  });

  test('unknown commands and options are usage errors (2); --help and --version are 0', async () => {
    const u = await h(['project', 'frobnicate']);
    expect(u.code).toBe(2);
    expect(u.stderr.split('\n')[0]).toBe("harborctl: unknown command 'frobnicate'");
    const o = await h(['project', 'list', '--frob']);
    expect([o.code, o.stderr.split('\n')[0]]).toEqual([2, "harborctl: unknown option '--frob'"]);
    const help = await h(['project', 'create', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--storage-limit <size>');
    const v = await h(['--version']);
    expect([v.code, v.stdout]).toEqual([0, '0.1.0\n']);
  });
});
