// login / logout / context / whoami and the first-run local context, in-process against the test double
// of a remote Harbor. Config, data dir and DOCKER_CONFIG are temp dirs (test/helpers/cli.ts).
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { cli, cliEnv, json, type CliEnv } from '../helpers/cli.js';
import { startFakeHarbor, type FakeHarbor } from '../helpers/fake-harbor.js';

let fake: FakeHarbor;
let sandbox: CliEnv;
let env: NodeJS.ProcessEnv;

beforeAll(async () => { fake = await startFakeHarbor(); });
afterAll(async () => { await fake.close(); });
beforeEach(async () => { sandbox = await cliEnv(); env = sandbox.env; });
afterEach(async () => { await sandbox.cleanup(); });

const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

describe('login', () => {
  test('verifies with GET /users/current, saves a 0600 context and makes it current', async () => {
    const r = await cli(env, ['login', fake.url, '-u', 'admin', '--password-stdin', '-o', 'json'], { stdin: 'Harbor12345\n' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const host = new URL(fake.url).host;
    expect(json(r)).toEqual({ context: `admin@${host}`, server: fake.url, username: 'admin' });
    expect(fake.requests.at(-1)!.url).toBe('/api/v2.0/users/current');
    const file = join(env.HARBORCTL_CONFIG_DIR!, 'config.json');
    expect(await mode(file)).toBe(0o600);
    expect(await mode(env.HARBORCTL_CONFIG_DIR!)).toBe(0o700);
    const saved = JSON.parse(await readFile(file, 'utf8'));
    expect(saved.current).toBe(`admin@${host}`);
    expect(saved.contexts[`admin@${host}`]).toEqual({ server: fake.url, username: 'admin', password: 'Harbor12345' });

    const who = await cli(env, ['whoami', '-o', 'json']);
    expect(who.code).toBe(0);
    expect(json(who)).toMatchObject({ context: `admin@${host}`, server: fake.url, user: { username: 'admin', sysadmin_flag: true } });
  });

  test('the table output is one human line on stdout, and the password is never printed', async () => {
    const r = await cli(env, ['login', fake.url, '-u', 'admin', '--password-stdin', '--name', 'prod'], { stdin: 'Harbor12345' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`✓ logged in to ${fake.url} as admin (context prod)\n`);
    expect(r.stdout + r.stderr).not.toContain('Harbor12345');
  });

  test('a wrong password: exit 5, one line, nothing saved', async () => {
    const r = await cli(env, ['login', fake.url, '-u', 'admin', '--password-stdin'], { stdin: 'wrong' });
    expect(r.code).toBe(5);
    expect(r.stderr).toBe(`harborctl: authentication failed for admin at ${fake.url}: unauthorized\n`);
    expect(r.stdout).toBe('');
    const list = await cli(env, ['context', 'list', '-o', 'json']);
    expect(json(list)).toEqual([]);
  });

  test('no password and no terminal: exit 4 naming --password-stdin, before any request', async () => {
    const before = fake.requests.length;
    const r = await cli(env, ['login', fake.url, '-u', 'admin']);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe('harborctl: a password is required: pass --password-stdin (no terminal to ask on)\n');
    const r2 = await cli(env, ['login', fake.url, '--password-stdin', '--no-input'], { stdin: 'x' });
    expect(r2.code).toBe(4);
    expect(r2.stderr).toBe('harborctl: Username is required: pass -u USER (no terminal to ask on)\n');
    expect(fake.requests.length).toBe(before);
  });

  test('an empty password is a usage error; an invalid server is a usage error', async () => {
    expect((await cli(env, ['login', fake.url, '-u', 'admin', '--password-stdin'], { stdin: '\n' })).code).toBe(2);
    const r = await cli(env, ['login', 'ftp://x', '-u', 'admin', '--password-stdin'], { stdin: 'x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('harborctl: invalid server "ftp://x": only http and https\n');
  });

  test('an unreachable server: exit 1 with the reason', async () => {
    const r = await cli(env, ['login', 'http://127.0.0.1:1', '-u', 'admin', '--password-stdin'], { stdin: 'x' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('harborctl: cannot reach http://127.0.0.1:1: connection refused\n');
  });

  test('--docker-config writes auths[host] to $DOCKER_CONFIG/config.json (0600), keeping other entries; logout removes it', async () => {
    await mkdir(env.DOCKER_CONFIG!, { recursive: true });
    await writeFile(join(env.DOCKER_CONFIG!, 'config.json'), JSON.stringify({ auths: { 'other.example.com': { auth: 'eDp5' } }, credsStore: '' }));
    const r = await cli(env, ['login', fake.url, '-u', 'admin', '--password-stdin', '--docker-config', '-o', 'json'], { stdin: 'Harbor12345' });
    expect(r.code).toBe(0);
    const file = join(env.DOCKER_CONFIG!, 'config.json');
    expect(json(r).docker_config).toBe(file);
    expect(await mode(file)).toBe(0o600);
    const host = new URL(fake.url).host;
    const cfg = JSON.parse(await readFile(file, 'utf8'));
    expect(cfg).toEqual({ auths: { 'other.example.com': { auth: 'eDp5' }, [host]: { auth: Buffer.from('admin:Harbor12345').toString('base64') } }, credsStore: '' });
    const out = await cli(env, ['logout', '--docker-config', '-o', 'json']);
    expect(out.code).toBe(0);
    // The test double is a Harbor, not harborctl serve: nothing is sent, as Harbor's own CLI.
    expect(json(out)).toEqual({ context: `admin@${host}`, server: fake.url, logged_out: true, server_logout: false, docker_config_removed: true });
    expect(out.stderr).toBe('');
    expect(JSON.parse(await readFile(file, 'utf8')).auths).toEqual({ 'other.example.com': { auth: 'eDp5' } });
  });
});

describe('contexts', () => {
  test('list, use, current, --context, logout', async () => {
    await fake.users.push({ user_id: 50, username: 'carol', password: 'Carol12345', sysadmin_flag: false, creation_time: '2026-01-01T00:00:00Z' });
    try {
      expect((await cli(env, ['login', fake.url, '-u', 'admin', '--password-stdin', '--name', 'a'], { stdin: 'Harbor12345' })).code).toBe(0);
      expect((await cli(env, ['login', fake.url, '-u', 'carol', '--password-stdin', '--name', 'c'], { stdin: 'Carol12345' })).code).toBe(0);
      expect(json(await cli(env, ['context', 'list', '-o', 'json']))).toEqual([
        { name: 'a', server: fake.url, username: 'admin', current: false },
        { name: 'c', server: fake.url, username: 'carol', current: true },
      ]);
      const table = await cli(env, ['context', 'list']);
      expect(table.stdout.split('\n')[0]).toMatch(/^CURRENT\s+NAME\s+SERVER\s+USER$/);
      expect(table.stdout).not.toContain('Carol12345');
      expect(json(await cli(env, ['whoami', '-o', 'json'])).user.username).toBe('carol');
      expect(json(await cli(env, ['--context', 'a', 'whoami', '-o', 'json'])).user.username).toBe('admin');
      expect(json(await cli(env, ['context', 'use', 'a', '-o', 'json']))).toEqual({ name: 'a', server: fake.url, username: 'admin', current: true });
      expect(json(await cli(env, ['context', 'current', '-o', 'json']))).toEqual({ name: 'a', server: fake.url, username: 'admin' });
      const yaml = await cli(env, ['context', 'current', '-o', 'yaml']);
      expect(yaml.stdout).toBe(`name: a\nserver: ${fake.url}\nusername: admin\n`);

      const missing = await cli(env, ['context', 'use', 'nope']);
      expect([missing.code, missing.stderr]).toEqual([3, 'harborctl: context nope not found: see harborctl context list\n']);
      const badCtx = await cli(env, ['--context', 'nope', 'whoami']);
      expect([badCtx.code, badCtx.stderr]).toEqual([3, 'harborctl: context nope not found: see harborctl context list\n']);

      expect((await cli(env, ['logout'])).code).toBe(0);
      expect(json(await cli(env, ['context', 'list', '-o', 'json'])).map((c: { name: string }) => c.name)).toEqual(['c']);
      const none = await cli(env, ['logout']);
      expect([none.code, none.stderr]).toEqual([2, 'harborctl: not logged in: there is no current context\n']);
    } finally {
      fake.users = fake.users.filter((u) => u.username !== 'carol');
    }
  });

  test('a stored password that stopped working: exit 5 naming the user', async () => {
    expect((await cli(env, ['login', fake.url, '-u', 'admin', '--password-stdin'], { stdin: 'Harbor12345' })).code).toBe(0);
    const file = join(env.HARBORCTL_CONFIG_DIR!, 'config.json');
    const cfg = JSON.parse(await readFile(file, 'utf8'));
    for (const c of Object.values(cfg.contexts) as Array<{ password: string }>) c.password = 'changed';
    await writeFile(file, JSON.stringify(cfg));
    const r = await cli(env, ['project', 'list']);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe(`harborctl: authentication failed for admin at ${fake.url}: unauthorized\n`);
  });

  test('no context and no local server: a usage error that says what to do', async () => {
    const r = await cli(env, ['whoami']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('harborctl: no registry to talk to: run harborctl login SERVER, or start harborctl serve on this machine\n');
  });
});

describe('first run: the local server from the data dir', () => {
  test('server.json + admin.password make an implicit "local" context for admin, with no login', async () => {
    const data = env.HARBORCTL_DATA_DIR!;
    await mkdir(data, { recursive: true });
    await writeFile(join(data, 'server.json'), JSON.stringify({ url: fake.url }), { mode: 0o600 });
    await writeFile(join(data, 'admin.password'), 'Harbor12345\n', { mode: 0o600 });
    const who = await cli(env, ['whoami', '-o', 'json']);
    expect(who.code).toBe(0);
    expect(json(who)).toMatchObject({ context: 'local', server: fake.url, user: { username: 'admin' } });
    expect(json(await cli(env, ['context', 'list', '-o', 'json']))).toEqual([{ name: 'local', server: fake.url, username: 'admin', current: true }]);
    const created = await cli(env, ['project', 'create', 'first-run', '-o', 'json']);
    expect(created.code).toBe(0);
    expect(json(created).name).toBe('first-run');
    // --server naming the local server uses its credentials too.
    expect(json(await cli(env, ['--server', fake.url, 'whoami', '-o', 'json'])).user.username).toBe('admin');
    fake.projects = fake.projects.filter((p) => p.name !== 'first-run');
  });

  test('--server with no credentials for it is anonymous: exit 5 telling to log in', async () => {
    const r = await cli(env, ['--server', fake.url, 'project', 'list']);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe(`harborctl: authentication required by ${fake.url}: run harborctl login ${fake.url}\n`);
  });
});

test('a corrupt config file is one clear line, exit 1', async () => {
  const s = await cliEnv();
  try {
    await mkdir(s.env.HARBORCTL_CONFIG_DIR!, { recursive: true });
    await writeFile(join(s.env.HARBORCTL_CONFIG_DIR!, 'config.json'), '{not json');
    const r = await cli(s.env, ['context', 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^harborctl: cannot read ${join(s.env.HARBORCTL_CONFIG_DIR!, 'config.json').replace(/[.]/g, '\\.')}: [^\\n]+\\n$`));
  } finally { await s.cleanup(); }
});
