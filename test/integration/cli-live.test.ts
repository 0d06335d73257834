// The built binary (bin/harborctl, compiled with `tsc -p .` first) spawned against our real server,
// started in-process on port 0: the first-run local context, login, every noun → verb with -o json,
// and each error path's one line on stderr and exit code.
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildPrivateBinary, cliEnv, json, spawnCli, type CliEnv, type CliResult, cliChecks } from '../helpers/cli.js';
import { pushTinyImage } from '../helpers/push.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let sandbox: CliEnv;
let env: NodeJS.ProcessEnv;
let build: { bin: string; dispose(): Promise<void> } | undefined;
let bin: string;
const h = (args: string[], stdin?: string): Promise<CliResult> => spawnCli(env, args, { stdin, bin });
const { ok, fails } = cliChecks(h);

beforeAll(async () => {
  build = await buildPrivateBinary('cli-live');
  bin = build.bin;
  server = await startTestServer({ adminPassword: 'Harbor12345', logLevel: 'silent' });
  sandbox = await cliEnv({ HARBORCTL_DATA_DIR: server.dataDir });
  env = sandbox.env;
});
afterAll(async () => {
  await server?.close();
  await sandbox?.cleanup();
  await build?.dispose();
});

describe('harborctl against harborctl serve', () => {
  test('first run: the local admin works with no login step', async () => {
    const who = json(await ok(['whoami', '-o', 'json']));
    expect(who).toMatchObject({ context: 'local', server: server.url, user: { username: 'admin', sysadmin_flag: true } });
    expect(json(await ok(['context', 'current', '-o', 'json']))).toEqual({ name: 'local', server: server.url, username: 'admin' });
  });

  test('projects, users and members as the local admin', async () => {
    const p = json(await ok(['project', 'create', 'team-a', '--storage-limit', '10GiB', '-o', 'json']));
    expect(p).toMatchObject({ name: 'team-a', metadata: { public: 'false' } });
    expect(json(await ok(['project', 'get', String(p.project_id), '-o', 'json'])).name).toBe('team-a');
    const names = json(await ok(['project', 'list', '--page-size', '0', '-o', 'json'])).map((x: { name: string }) => x.name);
    expect(names).toEqual(expect.arrayContaining(['library', 'team-a']));
    expect(json(await ok(['project', 'update', 'team-a', '--public', '-o', 'json'])).metadata.public).toBe('true');
    expect(json(await ok(['project', 'update', 'team-a', '--private', '-o', 'json'])).metadata.public).toBe('false');

    const alice = json(await ok(['user', 'create', 'alice', '--email', 'alice@example.com', '--password-stdin', '-o', 'json'], 'Alice12345\n'));
    expect(alice).toMatchObject({ username: 'alice', sysadmin_flag: false });
    await ok(['user', 'create', 'bob', '--password-stdin'], 'Bob123456\n');
    expect(json(await ok(['user', 'list', '--page-size', '0', '-o', 'json'])).map((u: { username: string }) => u.username).sort()).toEqual(['admin', 'alice', 'bob']);

    const m = json(await ok(['member', 'add', 'team-a', 'alice', '--role', 'developer', '-o', 'json']));
    expect(m).toMatchObject({ entity_name: 'alice', role_id: 2 });
    expect(json(await ok(['member', 'update', 'team-a', 'alice', '--role', 'maintainer', '-o', 'json'])).role_id).toBe(4);
    expect(json(await ok(['member', 'update', 'team-a', String(m.id), '--role', 'developer', '-o', 'json'])).role_id).toBe(2);
    await ok(['member', 'add', 'team-a', 'bob', '--role', 'guest']);
    const members = json(await ok(['member', 'list', 'team-a', '-o', 'json']));
    expect(members.map((x: { entity_name: string; role_id: number }) => [x.entity_name, x.role_id]).sort()).toEqual([['admin', 1], ['alice', 2], ['bob', 3]]);
    const table = await ok(['member', 'list', 'team-a']);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+TYPE\s+ROLE$/);
  });

  test('login as a developer (with --docker-config), push, then repo/artifact/tag commands', async () => {
    const login = json(await ok(['login', server.url, '-u', 'alice', '--password-stdin', '--docker-config', '-o', 'json'], 'Alice12345\n'));
    const host = new URL(server.url).host;
    expect(login).toEqual({ context: `alice@${host}`, server: server.url, username: 'alice', docker_config: join(env.DOCKER_CONFIG!, 'config.json') });
    expect((await stat(join(env.DOCKER_CONFIG!, 'config.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(env.HARBORCTL_CONFIG_DIR!, 'config.json'))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(join(env.DOCKER_CONFIG!, 'config.json'), 'utf8')).auths[host].auth).toBe(Buffer.from('alice:Alice12345').toString('base64'));
    expect(json(await ok(['whoami', '-o', 'json'])).user.username).toBe('alice');

    const d1 = await pushTinyImage(server.url, 'team-a/tools/app', '1.0', { user: 'alice', password: 'Alice12345' });
    await pushTinyImage(server.url, 'team-a/tools/app', '2.0', { user: 'alice', password: 'Alice12345' });

    const repos = json(await ok(['repo', 'list', 'team-a', '-o', 'json']));
    expect(repos).toEqual([expect.objectContaining({ name: 'team-a/tools/app', artifact_count: 2 })]);
    const arts = json(await ok(['artifact', 'list', 'team-a/tools/app', '-o', 'json']));
    expect(arts).toHaveLength(2);
    const a = json(await ok(['artifact', 'get', 'team-a/tools/app:1.0', '-o', 'json']));
    expect(a.digest).toBe(d1);
    expect(a.tags.map((t: { name: string }) => t.name)).toEqual(['1.0']);
    expect(json(await ok(['artifact', 'get', `${host}/team-a/tools/app@${d1}`, '-o', 'json'])).digest).toBe(d1);

    expect(json(await ok(['tag', 'create', 'team-a/tools/app:1.0', 'stable', '-o', 'json'])))
      .toEqual({ kind: 'tag', name: 'team-a/tools/app:stable', artifact: 'team-a/tools/app:1.0', created: true });
    expect(json(await ok(['tag', 'list', 'team-a/tools/app', '-o', 'json'])).map((t: { name: string }) => t.name)).toEqual(['1.0', '2.0', 'stable']);
    expect(json(await ok(['tag', 'list', `team-a/tools/app@${d1}`, '-o', 'json'])).map((t: { name: string }) => t.name).sort()).toEqual(['1.0', 'stable']);
    // A developer may create tags but not delete them (Harbor's matrix): exit 5 with the server's reason.
    await fails(['tag', 'delete', 'team-a/tools/app:stable', '--yes'], 5, 'delete on tag of project team-a is not allowed');
    await ok(['--context', 'local', 'tag', 'delete', 'team-a/tools/app:stable', '--yes']);
    await fails(['--context', 'local', 'tag', 'delete', 'team-a/tools/app:stable', '--yes'], 3, 'tag team-a/tools/app:stable not found');

    // A developer may not delete artifacts (Harbor's matrix): exit 5.
    const denied = await h(['artifact', 'delete', 'team-a/tools/app:2.0', '--yes']);
    expect(denied.code).toBe(5);
    expect(denied.stderr).toMatch(/^harborctl: .+\n$/);
    // ...nor list users.
    const users = await h(['user', 'list']);
    expect(users.code).toBe(5);
    // The admin may, through --context local.
    expect(json(await ok(['--context', 'local', 'artifact', 'delete', 'team-a/tools/app:2.0', '--yes', '-o', 'json'])))
      .toEqual({ kind: 'artifact', name: 'team-a/tools/app:2.0', deleted: true });
    await fails(['artifact', 'get', 'team-a/tools/app:2.0'], 3, 'artifact team-a/tools/app:2.0 not found');
  });

  test('error paths, each one line with its exit code', async () => {
    const wrong = await h(['login', server.url, '-u', 'alice', '--password-stdin'], 'Wr0ngSecret\n');
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toMatch(new RegExp(`^harborctl: authentication failed for alice at ${server.url.replace(/\./g, '\\.')}: [^\n]+\n$`));
    expect(wrong.stderr).not.toContain('Wr0ngSecret');
    await fails(['project', 'get', 'nope'], 3, 'project nope not found');
    await fails(['--context', 'local', 'user', 'delete', 'nobody', '--yes'], 3, 'user nobody not found');
    await fails(['user', 'create', 'carol', '--no-input'], 4, 'a password is required: pass --password-stdin (no terminal to ask on)');
    await fails(['project', 'delete', 'team-a'], 4, 'delete project team-a: confirmation required, pass --yes');
    await fails(['project', 'create', 'Bad'], 2, 'invalid project name "Bad": lower-case letters, digits and single . _ - between them, 1 to 255 characters');
    await fails(['-o', 'xml', 'project', 'list'], 2, "option '-o, --output <format>' argument 'xml' is invalid. Allowed choices are table, json, yaml.");
    await fails(['--server', 'http://127.0.0.1:1', 'project', 'list'], 1, 'cannot reach http://127.0.0.1:1: connection refused');
    const notEmpty = await h(['--context', 'local', 'project', 'delete', 'team-a', '--yes']);
    expect(notEmpty.code).toBe(1);
    expect(notEmpty.stderr).toMatch(/^harborctl: cannot delete project team-a: the project team-a still has 1 repositories; delete them first \(harborctl repo list team-a\)\n$/);
    const dup = await h(['--context', 'local', 'project', 'create', 'team-a']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/^harborctl: .+\n$/);
  });

  test('clean up as the admin: repo delete, member remove, project delete, user delete, logout', async () => {
    await ok(['context', 'use', 'local']);
    expect(json(await ok(['whoami', '-o', 'json'])).user.username).toBe('admin');
    expect(json(await ok(['repo', 'delete', 'team-a/tools/app', '--yes', '-o', 'json']))).toEqual({ kind: 'repository', name: 'team-a/tools/app', deleted: true });
    const empty = await h(['repo', 'list', 'team-a']);
    expect([empty.code, empty.stdout, empty.stderr]).toEqual([0, '', 'no repositories in project team-a\n']);
    expect(json(await ok(['member', 'remove', 'team-a', 'bob', '--yes', '-o', 'json']))).toMatchObject({ kind: 'member', name: 'bob', project: 'team-a', deleted: true });
    expect(json(await ok(['project', 'delete', 'team-a', '--yes', '-o', 'json']))).toEqual({ kind: 'project', name: 'team-a', deleted: true });
    expect(json(await ok(['user', 'delete', 'bob', '--yes', '-o', 'json']))).toMatchObject({ kind: 'user', name: 'bob', deleted: true });
    // The local admin changes its own password; the server keeps admin.password in step, so the
    // implicit local context keeps working with no login.
    expect(json(await ok(['user', 'passwd', '--password-stdin', '-o', 'json'], 'Harbor67890\n'))).toEqual({ kind: 'user', name: 'admin', id: 1, password_changed: true });
    expect(json(await ok(['whoami', '-o', 'json'])).user.username).toBe('admin');
    const host = new URL(server.url).host;
    expect(json(await ok(['logout', `alice@${host}`, '--docker-config', '-o', 'json']))).toEqual({ context: `alice@${host}`, server: server.url, logged_out: true, server_logout: true, docker_config_removed: true });
  });

  test('Ctrl-C while waiting on a server that never answers: one line, exit code 130', async () => {
    const sockets: Socket[] = [];
    let connected!: () => void;
    const arrived = new Promise<void>((r) => { connected = r; });
    const silent = createServer((sock) => { sockets.push(sock); connected(); });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      let pid = 0;
      const done = spawnCli(env, ['--server', `http://127.0.0.1:${port}`, 'project', 'list'], { bin, onSpawn: (p) => { pid = p; } });
      await arrived;
      process.kill(pid, 'SIGINT');
      const r = await done;
      expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ code: 130, stderr: 'harborctl: interrupted\n', stdout: '' });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
