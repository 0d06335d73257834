// `robot`, `quota` and `k8s` commands in-process (run() with captured streams) against our real server
// on port 0: every verb with -o json and a table, robots that really log in and push within their
// permissions, secrets only on stdout or in 0600 files, quota sizes, drift, and each error's one line
// and exit code. The pull-secret output is compared with the real kubectl's.
import { execFileSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HarborClient } from '../../src/client/http.js';
import { cli, cliEnv, json, type CliEnv, type CliResult, cliChecks } from '../helpers/cli.js';
import { pushTinyImage } from '../helpers/push.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let sandbox: CliEnv;
const h = (args: string[], stdin?: string): Promise<CliResult> => cli(sandbox.env, args, { stdin });
const { ok } = cliChecks(h);
const fails = async (args: string[], code: number, line: string, stdin?: string): Promise<CliResult> => {
  const r = await h(args, stdin);
  expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code, stderr: `harborctl: ${line}\n` });
  return r;
};

/** The status of listing a project's repositories with these credentials (401: refused outright). */
async function canRead(user: string, password: string, project: string): Promise<number> {
  const c = new HarborClient({ server: server.url, username: user, password });
  try {
    await c.request('GET', `/projects/${project}/repositories`, { headers: { 'X-Is-Resource-Name': 'true' } });
    return 200;
  } catch (e) {
    return (e as { status: number }).status;
  } finally { await c.close(); }
}

/** Push as these credentials: the status the registry answered (0 when it worked). */
async function push(user: string, password: string, repo: string, tag: string): Promise<string> {
  try {
    await pushTinyImage(server.url, repo, tag, { user, password });
    return 'pushed';
  } catch (e) {
    return (e as Error).message;
  }
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

function kubectl(args: string[]): string {
  return execFileSync('kubectl', args, { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: sandbox.dir, KUBECONFIG: join(sandbox.dir, 'kubeconfig') } });
}

beforeAll(async () => {
  server = await startTestServer({ adminPassword: 'Harbor12345', logLevel: 'silent' });
  sandbox = await cliEnv({ HARBORCTL_DATA_DIR: server.dataDir });
  await ok(['project', 'create', 'ci', '-o', 'json']);
  await ok(['project', 'create', 'other', '-o', 'json']);
  await ok(['user', 'create', 'dev', '--password-stdin', '-o', 'json'], 'Dev123456');
});
afterAll(async () => { await server?.close(); await sandbox?.cleanup(); });

describe('robot', () => {
  test('a project robot with pull,push: created once with its secret, pushes to its project only', async () => {
    const r = await ok(['robot', 'create', 'builder', '--project', 'ci', '--permission', 'pull,push', '--description', 'CI builds', '--duration', '7', '-o', 'json']);
    const created = json(r);
    expect(Object.keys(created).sort()).toEqual(['creation_time', 'expires_at', 'id', 'name', 'secret']);
    expect(created.name).toBe('robot$ci+builder');
    expect(created.secret).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(await push(created.name, created.secret, 'ci/app', 'v1')).toBe('pushed');
    expect(await push(created.name, created.secret, 'other/app', 'v1')).not.toBe('pushed');

    const got = json(await ok(['robot', 'get', 'builder', '--project', 'ci', '-o', 'json']));
    expect(got).toMatchObject({ id: created.id, name: 'robot$ci+builder', level: 'project', duration: 7, disable: false, description: 'CI builds' });
    expect(got.permissions).toEqual([{ kind: 'project', namespace: 'ci', access: [{ resource: 'repository', action: 'pull' }, { resource: 'repository', action: 'push' }] }]);
    expect(got).not.toHaveProperty('secret');
    for (const ref of [String(created.id), 'robot$ci+builder', 'ci+builder']) expect(json(await ok(['robot', 'get', ref, '-o', 'json'])).id).toBe(created.id);

    const list = json(await ok(['robot', 'list', '--project', 'ci', '-o', 'json']));
    expect(list.map((x: { name: string }) => x.name)).toEqual(['robot$ci+builder']);
    const table = await ok(['robot', 'list', '--project', 'ci']);
    expect(table.stdout).toMatch(/^ID\s+NAME\s+LEVEL\s+STATUS\s+EXPIRES\s+DESCRIPTION\n\d+\s+robot\$ci\+builder\s+project\s+enabled\s+\d{4}-\d\d-\d\d \d\d:\d\dZ\s+CI builds\n$/);
    expect(table.stdout).not.toContain(created.secret);
  });

  test('pull only: pulls are allowed, a push is denied; update widens it to push', async () => {
    const created = json(await ok(['robot', 'create', 'puller', '--project', 'ci', '--permission', 'pull', '-o', 'json']));
    // Authenticated (not 401) but without repository:list on the API: 403.
    expect(await canRead(created.name, created.secret, 'ci')).toBe(403);
    expect(await push(created.name, created.secret, 'ci/app', 'v2')).not.toBe('pushed');
    const updated = json(await ok(['robot', 'update', 'ci+puller', '--permission', 'pull,push', '--description', 'now pushes', '-o', 'json']));
    expect(updated.permissions[0].access).toEqual([{ resource: 'repository', action: 'pull' }, { resource: 'repository', action: 'push' }]);
    expect(updated.description).toBe('now pushes');
    expect(updated.duration).toBe(30);
    expect(await push(created.name, created.secret, 'ci/app', 'v2')).toBe('pushed');
    expect(json(await ok(['robot', 'update', 'ci+puller', '--duration', '-1', '-o', 'json']))).toMatchObject({ duration: -1, expires_at: -1 });
  });

  test('disable refuses the robot on its next request; enable lets it back', async () => {
    const created = json(await ok(['robot', 'create', 'robot$ci+toggle', '--permission', 'pull,read', '-o', 'json']));
    expect(await canRead(created.name, created.secret, 'ci')).toBe(200);
    expect(json(await ok(['robot', 'disable', 'toggle', '--project', 'ci', '-o', 'json'])).disable).toBe(true);
    expect(await canRead(created.name, created.secret, 'ci')).toBe(401);
    expect((await ok(['robot', 'get', 'ci+toggle'])).stdout).toMatch(/^STATUS\s+disabled$/m);
    expect(json(await ok(['robot', 'enable', String(created.id), '-o', 'json'])).disable).toBe(false);
    expect(await canRead(created.name, created.secret, 'ci')).toBe(200);
  });

  test('refresh: -o json is {id, name, secret}; the old secret is refused, the new one accepted', async () => {
    const created = json(await ok(['robot', 'create', 'rotating', '--project', 'ci', '--permission', 'pull,read', '-o', 'json']));
    const fresh = json(await ok(['robot', 'refresh', 'ci+rotating', '-o', 'json']));
    expect(fresh).toEqual({ id: created.id, name: 'robot$ci+rotating', secret: expect.stringMatching(/^[A-Za-z0-9]{32}$/) });
    expect(fresh.secret).not.toBe(created.secret);
    expect(await canRead(created.name, created.secret, 'ci')).toBe(401);
    expect(await canRead(created.name, fresh.secret, 'ci')).toBe(200);
    const t = await h(['robot', 'refresh', 'ci+rotating']);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^ID\s+\d+\nNAME\s+robot\$ci\+rotating\nSECRET\s+[A-Za-z0-9]{32}\n$/);
    expect(t.stderr).toBe('the secret is shown only this once; the old one no longer works\n');
    // --debug logs each request, never the secret.
    const d = await h(['robot', 'refresh', 'ci+rotating', '--debug', '-o', 'json']);
    expect(d.code).toBe(0);
    expect(d.stderr).toMatch(/^debug: > PATCH \/api\/v2\.0\/robots\/\d+ /m);
    expect(d.stderr).not.toContain(json(d).secret);
  });

  test('--secret-file writes the secret with mode 0600 and keeps it off stdout', async () => {
    const file = join(sandbox.dir, 'robot.secret');
    const r = await ok(['robot', 'create', 'filed', '--project', 'ci', '--permission', 'pull,read', '--secret-file', file, '-o', 'json']);
    const out = json(r);
    expect(out).toMatchObject({ name: 'robot$ci+filed', secret_file: file });
    expect(out).not.toHaveProperty('secret');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const secret = (await readFile(file, 'utf8')).trim();
    expect(r.stdout).not.toContain(secret);
    expect(await canRead('robot$ci+filed', secret, 'ci')).toBe(200);
    const t = await ok(['robot', 'refresh', 'ci+filed', '--secret-file', file]);
    expect(t.stdout).toBe(`✓ new secret for robot robot$ci+filed written to ${file}\n`);
    const next = (await readFile(file, 'utf8')).trim();
    expect(next).not.toBe(secret);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await canRead('robot$ci+filed', next, 'ci')).toBe(200);
  });

  test('a system robot from Harbor\'s JSON permissions file, over every project', async () => {
    const file = join(sandbox.dir, 'perms.json');
    await writeFile(file, JSON.stringify([
      { kind: 'system', namespace: '/', access: [{ resource: 'project', action: 'list' }] },
      { kind: 'project', namespace: '*', access: [{ resource: 'repository', action: 'pull' }, { resource: 'repository', action: 'push' }] },
    ]));
    const created = json(await ok(['robot', 'create', 'fleet', '--level', 'system', '--permissions-file', file, '--duration', '-1', '-o', 'json']));
    expect(created).toMatchObject({ name: 'robot$fleet', expires_at: -1 });
    expect(await push(created.name, created.secret, 'other/app', 'sys')).toBe('pushed');
    const got = json(await ok(['robot', 'get', 'fleet', '-o', 'json']));
    expect(got).toMatchObject({ level: 'system', duration: -1 });
    expect(json(await ok(['robot', 'list', '-o', 'json'])).map((x: { name: string }) => x.name)).toContain('robot$fleet');
    const shorthand = json(await ok(['robot', 'create', 'lister', '--permission', 'pull,system/project:list', '-o', 'json']));
    expect(json(await ok(['robot', 'get', String(shorthand.id), '-o', 'json'])).permissions).toEqual([
      { kind: 'system', namespace: '/', access: [{ resource: 'project', action: 'list' }] },
      { kind: 'project', namespace: '*', access: [{ resource: 'repository', action: 'pull' }] },
    ]);
    expect(json(await ok(['robot', 'delete', 'fleet', '--yes', '-o', 'json']))).toEqual({ kind: 'robot', name: 'robot$fleet', id: created.id, deleted: true });
    await fails(['robot', 'get', 'fleet'], 3, 'robot robot$fleet not found');
  });

  test('delete: confirmation, then gone; the robot is refused at once', async () => {
    const created = json(await ok(['robot', 'create', 'doomed', '--project', 'ci', '--permission', 'pull,read', '-o', 'json']));
    await fails(['robot', 'delete', 'ci+doomed'], 4, 'delete robot ci+doomed: confirmation required, pass --yes');
    const t = await ok(['robot', 'delete', 'ci+doomed', '--yes']);
    expect(t.stdout).toBe('✓ deleted robot robot$ci+doomed\n');
    expect(await canRead(created.name, created.secret, 'ci')).toBe(401);
  });

  test('errors: one line each, with its exit code, and no secret anywhere', async () => {
    await fails(['robot', 'get', 'ci+nope'], 3, 'robot robot$ci+nope not found');
    await fails(['robot', 'get', '99999'], 3, 'robot 99999 not found');
    await fails(['robot', 'refresh', 'nope', '--project', 'ci'], 3, 'robot robot$ci+nope not found');
    await fails(['robot', 'get', 'x', '--project', 'missing'], 3, 'project missing not found');
    await fails(['robot', 'create', 'Bad_Name', '--project', 'ci', '--permission', 'pull'], 2, 'invalid robot name "Bad_Name": lower-case letters and digits with single . _ - between them');
    await fails(['robot', 'create', 'x', '--project', 'ci'], 2, 'say what the robot may do: --permission pull,push,... or --permissions-file FILE');
    await fails(['robot', 'create', 'x', '--project', 'ci', '--permission', 'fly'], 2, 'invalid --permission "fly": use pull, push, delete, read, tag, scan, RESOURCE:ACTION or system/RESOURCE:ACTION');
    await fails(['robot', 'create', 'x', '--project', 'ci', '--permission', 'system/user:list'], 2, '--permission system/user:list: only a system-level robot (--level system) holds system permissions');
    await fails(['robot', 'create', 'x', '--level', 'project', '--permission', 'pull'], 2, 'a project robot needs --project PROJECT');
    await fails(['robot', 'create', 'x', '--project', 'ci', '--permission', 'pull', '--duration', '0'], 2, 'invalid --duration "0": a number of days from 1, or -1 for never');
    await fails(['robot', 'create', 'x', '--project', 'ci', '--permission', 'pull', '--permissions-file', 'f.json'], 2, '--permission and --permissions-file exclude each other');
    await fails(['robot', 'create', 'x', '--project', 'ci', '--permission', 'user:list'], 2, 'list on user cannot be given to a robot at project level');
    await fails(['robot', 'create', 'x', '--project', 'ghost', '--permission', 'pull'], 3, 'project ghost not found');
    await fails(['robot', 'create', 'builder', '--project', 'ci', '--permission', 'pull'], 1, 'the robot robot$ci+builder already exists');
    // A --secret-file that cannot be written is refused before the robot exists (its secret would be lost).
    await fails(['robot', 'create', 'lost', '--project', 'ci', '--permission', 'pull', '--secret-file', join(sandbox.dir, 'no', 'such', 'f')], 2,
      `cannot write --secret-file ${join(sandbox.dir, 'no', 'such', 'f')}: ENOENT (${join(sandbox.dir, 'no', 'such')})`);
    await fails(['robot', 'get', 'ci+lost'], 3, 'robot robot$ci+lost not found');
    await fails(['robot', 'refresh', 'ci+builder', '--secret-file', sandbox.dir], 2, `cannot write --secret-file ${sandbox.dir}: it is a directory`);
    await fails(['robot', 'update', 'ci+builder'], 2, 'nothing to update: pass --description, --duration, --permission or --permissions-file');
    // A user who is no member of the project may not create its robots.
    await ok(['login', server.url, '-u', 'dev', '--password-stdin', '--name', 'dev', '-o', 'json'], 'Dev123456\n');
    await ok(['context', 'use', 'local', '-o', 'json']);
    await fails(['--context', 'dev', 'robot', 'create', 'sneaky', '--project', 'ci', '--permission', 'pull'], 5, 'create on robot accounts of project ci is not allowed');
    await fails(['--context', 'dev', 'robot', 'list'], 5, 'list on robot accounts at system level is not allowed');
    await fails(['--context', 'dev', 'quota', 'list'], 5, 'list on quota is for system administrators');
  });
});

describe('quota', () => {
  test('get, set and list: human sizes in tables, exact bytes in JSON', async () => {
    const before = json(await ok(['quota', 'get', 'ci', '-o', 'json']));
    expect(before).toMatchObject({ ref: { name: 'ci' }, hard: { storage: -1 } });
    expect(before.used.storage).toBeGreaterThan(0);
    expect(json(await ok(['quota', 'set', 'ci', '10GiB', '-o', 'json'])).hard.storage).toBe(10 * 2 ** 30);
    expect((await ok(['quota', 'get', 'ci'])).stdout).toMatch(/^PROJECT\s+ci\nUSED\s+\d+(\.\d)? (B|KiB)\nLIMIT\s+10 GiB\nUSE%\s+0\.0%\n$/m);
    expect(json(await ok(['quota', 'set', 'ci', '500MB', '-o', 'json'])).hard.storage).toBe(500_000_000);
    expect(json(await ok(['quota', 'set', String(before.ref.id), '1073741824', '-o', 'json'])).hard.storage).toBe(2 ** 30);
    const list = json(await ok(['quota', 'list', '--page-size', '0', '-o', 'json']));
    expect(list.find((q: { ref: { name: string } }) => q.ref.name === 'ci').hard.storage).toBe(2 ** 30);
    const table = await ok(['quota', 'list', '--page-size', '0']);
    expect(table.stdout).toMatch(/^ID\s+PROJECT\s+USED\s+LIMIT\s+USE%\n/);
    expect(table.stdout).toMatch(/^\d+\s+ci\s+\S+ \S+\s+1\.0 GiB\s+\d+\.\d%$/m);
    expect(table.stdout).toMatch(/^\d+\s+other\s+\S+ \S+\s+unlimited\s+-$/m);
    expect(json(await ok(['quota', 'set', 'ci', 'unlimited', '-o', 'json'])).hard.storage).toBe(-1);
  });

  test('verify: no drift exits 0; drift is reported on stdout and fails with one line', async () => {
    const all = json(await ok(['quota', 'verify', '-o', 'json']));
    expect(all.length).toBeGreaterThanOrEqual(3);
    for (const r of all) expect(r.drift).toBe(0);
    const one = await h(['quota', 'verify', 'ci']);
    expect([one.code, one.stderr]).toEqual([0, 'usage matches a recount in 1 project\n']);
    expect(one.stdout).toMatch(/^PROJECT\s+USED\s+RECOUNT\s+DRIFT\nci\s+.+\s+0\n$/);
    // Corrupt the stored usage behind the server's back, in its own database.
    const db = new Database(join(server.dataDir, 'registry.db'));
    try { db.prepare('UPDATE projects SET storage_used = storage_used + 123 WHERE name = ?').run('other'); } finally { db.close(); }
    const r = await fails(['quota', 'verify', '-o', 'json'], 1, 'quota usage drifts from a recount in other (+123 bytes)');
    const rows = json(r);
    expect(rows.find((x: { project: string }) => x.project === 'other')).toMatchObject({ drift: 123 });
    expect(rows.find((x: { project: string }) => x.project === 'ci')).toMatchObject({ drift: 0 });
    await ok(['quota', 'verify', 'ci', '-o', 'json']);
    const t = await fails(['quota', 'verify', 'other'], 1, 'quota usage drifts from a recount in other (+123 bytes)');
    expect(t.stdout).toMatch(/^other\s+.+\s+\+123 B$/m);
    const db2 = new Database(join(server.dataDir, 'registry.db'));
    try { db2.prepare('UPDATE projects SET storage_used = storage_used - 123 WHERE name = ?').run('other'); } finally { db2.close(); }
    expect(json(await ok(['quota', 'verify', 'other', '-o', 'yaml']).then((r) => ({ ...r, stdout: JSON.stringify(YAML.parse(r.stdout)) })))).toEqual([
      expect.objectContaining({ project: 'other', drift: 0 }),
    ]);
  });

  test('errors: bad size 2, unknown project 3', async () => {
    await fails(['quota', 'set', 'ci', '10XB'], 2, 'invalid size "10XB": use a number and a unit, e.g. 500MiB, 10GiB, 1TB, or -1 for unlimited');
    await fails(['quota', 'set', 'ci', 'lots'], 2, 'invalid size "lots": use a number and a unit, e.g. 500MiB, 10GiB, 1TB, or -1 for unlimited');
    await fails(['quota', 'get', 'missing'], 3, 'project missing not found');
    await fails(['quota', 'set', 'missing', '1GiB'], 3, 'project missing not found');
    await fails(['quota', 'verify', 'missing'], 3, 'project missing not found');
  });
});

describe('k8s pull-secret', () => {
  const server0 = 'https://harbor.example.com';

  test('YAML and JSON are byte for byte what kubectl prints, with and without a namespace', async () => {
    for (const ns of [undefined, 'team-a']) {
      const nsArgs = ns ? ['--namespace', ns] : [];
      for (const format of ['yaml', 'json'] as const) {
        const ours = await ok(['k8s', 'pull-secret', 'regcred', '--server', server0, '--username', 'ci-bot', '--password-stdin', ...nsArgs, ...(format === 'json' ? ['-o', 'json'] : [])], 'S3cr3t:with:colons\n');
        const theirs = kubectl(['create', 'secret', 'docker-registry', 'regcred', `--docker-server=${server0}`, '--docker-username=ci-bot',
          '--docker-password=S3cr3t:with:colons', ...(ns ? ['-n', ns] : []), '--dry-run=client', '-o', format]);
        expect(sortKeys(YAML.parse(ours.stdout))).toEqual(sortKeys(YAML.parse(theirs)));
        expect(ours.stdout).toBe(theirs);
      }
    }
    const m = YAML.parse((await ok(['k8s', 'pull-secret', 'regcred', '--server', server0, '--robot', 'ci+builder', '--password-stdin'], 'abc')).stdout);
    const cfg = JSON.parse(Buffer.from(m.data['.dockerconfigjson'], 'base64').toString());
    expect(cfg).toEqual({ auths: { [server0]: { username: 'robot$ci+builder', password: 'abc', auth: Buffer.from('robot$ci+builder:abc').toString('base64') } } });
  });

  test('--secret-file writes the manifest with mode 0600', async () => {
    const file = join(sandbox.dir, 'regcred.yaml');
    const r = await ok(['k8s', 'pull-secret', 'regcred', '--server', server0, '--robot', 'robot$ci+x', '--password-stdin', '--secret-file', file], 'pw\n');
    expect(r.stdout).toBe(`✓ wrote Secret regcred to ${file}\n`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(YAML.parse(await readFile(file, 'utf8')).type).toBe('kubernetes.io/dockerconfigjson');
  });

  test('robot create --k8s-secret: the robot and its Secret in one step, ready for kubectl apply', async () => {
    const r = await h(['robot', 'create', 'puller-k8s', '--project', 'ci', '--permission', 'pull,read', '--k8s-secret', 'regcred', '--namespace', 'apps']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^created robot robot\$ci\+puller-k8s \(id \d+\)\n$/);
    const m = YAML.parse(r.stdout);
    expect(m.metadata).toEqual({ name: 'regcred', namespace: 'apps', creationTimestamp: null });
    const host = new URL(server.url).host;
    const auth = JSON.parse(Buffer.from(m.data['.dockerconfigjson'], 'base64').toString()).auths[host];
    expect(auth.username).toBe('robot$ci+puller-k8s');
    expect(await canRead(auth.username, auth.password, 'ci')).toBe(200);
    const theirs = kubectl(['create', 'secret', 'docker-registry', 'regcred', `--docker-server=${host}`, `--docker-username=${auth.username}`,
      `--docker-password=${auth.password}`, '-n', 'apps', '--dry-run=client', '-o', 'yaml']);
    expect(r.stdout).toBe(theirs);
    const j = await h(['robot', 'create', 'puller-k8s-json', '--project', 'ci', '--permission', 'pull', '--k8s-secret', 'regcred', '-o', 'json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ kind: 'Secret', apiVersion: 'v1', metadata: { name: 'regcred' }, type: 'kubernetes.io/dockerconfigjson' });
  });

  test('--robot takes the server\'s robot_name_prefix: /configurations for an admin, /systeminfo for other users, robot$ for a server with no context', async () => {
    const host = new URL(server.url).host;
    const loginOf = async (args: string[]): Promise<string> => {
      const m = YAML.parse((await ok(['k8s', 'pull-secret', 'regcred', '--robot', ...args, '--password-stdin'], 'pw')).stdout);
      return Object.values(JSON.parse(Buffer.from(m.data['.dockerconfigjson'], 'base64').toString()).auths as Record<string, { username: string }>)[0].username;
    };
    const admin = new HarborClient({ server: server.url, username: 'admin', password: 'Harbor12345' });
    await admin.request('PUT', '/configurations', { body: { robot_name_prefix: 'bot-' } });
    await admin.request('POST', '/users', { body: { username: 'pam', password: 'Pam12345678', email: 'pam@example.org', realname: 'Pam' } });
    try {
      // The local server's context (admin): its configuration says bot-.
      expect(await loginOf(['ci+x', '--server', host])).toBe('bot-ci+x');
      expect(await loginOf(['bot-ci+x', '--server', server.url])).toBe('bot-ci+x');
      // No context for that server: Harbor's default, and no network call.
      expect(await loginOf(['ci+x', '--server', server0])).toBe('robot$ci+x');
      // A user who may not read the configuration: systeminfo tells.
      await ok(['login', server.url, '-u', 'pam', '--password-stdin'], 'Pam12345678');
      try {
        expect(await loginOf(['ci+x', '--server', host])).toBe('bot-ci+x');
        // A server that cannot tell (pam's password changed since): a warning, and Harbor's default.
        const pam = (await admin.request<{ user_id: number }[]>('GET', '/users', { query: { q: 'username=pam' } })).data[0];
        await admin.request('PUT', `/users/${pam.user_id}/password`, { body: { new_password: 'Pam-changed-1' } });
        const r = await h(['k8s', 'pull-secret', 'regcred', '--robot', 'ci+x', '--server', host, '--password-stdin'], 'pw');
        expect(r.code).toBe(0);
        expect(r.stderr).toMatch(/^harborctl: warning: could not read robot_name_prefix from http:\/\/127\.0\.0\.1:\d+ \(.+\): using robot\$\n$/);
        const auths = JSON.parse(Buffer.from(YAML.parse(r.stdout).data['.dockerconfigjson'], 'base64').toString()).auths as Record<string, { username: string }>;
        expect(auths[host].username).toBe('robot$ci+x');
      } finally {
        expect((await h(['logout'])).code).toBe(0); // warns that the server could not be told (pam's password changed)
      }
    } finally {
      await admin.request('PUT', '/configurations', { body: { robot_name_prefix: 'robot$' } });
      await admin.close();
    }
  });

  test('errors: missing password input on a non-TTY is 4, bad flags are 2', async () => {
    await fails(['k8s', 'pull-secret', 'regcred', '--server', server0, '--robot', 'ci+x', '--password-stdin'], 4, 'no password on stdin (--password-stdin)');
    await fails(['k8s', 'pull-secret', 'regcred', '--server', server0, '--robot', 'ci+x'], 4, 'a password is required: pass --password-stdin (no terminal to ask on)');
    await fails(['k8s', 'pull-secret', 'regcred', '--server', server0, '--password-stdin'], 2, 'pass exactly one of --robot NAME and --username USER', 'pw');
    await fails(['k8s', 'pull-secret', 'regcred', '--server', server0, '--robot', 'a', '--username', 'b', '--password-stdin'], 2, 'pass exactly one of --robot NAME and --username USER', 'pw');
    await fails(['k8s', 'pull-secret', 'RegCred', '--server', server0, '--robot', 'a', '--password-stdin'], 2, 'invalid Secret name "RegCred": lower-case letters, digits, - and . (RFC 1123)', 'pw');
    await fails(['k8s', 'pull-secret', 'regcred', '--robot', 'a', '--password-stdin'], 2, 'the registry is required: pass --server URL (as for kubectl\'s --docker-server)', 'pw');
    await fails(['k8s', 'pull-secret', 'regcred', '--server', server0, '--robot', 'a', '--password-stdin', '-n', 'Bad_NS'], 2, 'invalid --namespace "Bad_NS"', 'pw');
  });
});
