// Issue 12's CLI defects (items 15-27), in-process against the real server on port 0. Each test
// names its item; each failed before its fix.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, cliEnv, json, spawnCli, type CliEnv, type CliResult } from '../helpers/cli.js';
import { makeModelDir } from '../helpers/model.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let sandbox: CliEnv;
let work: string;
let host: string;
const h = (args: string[], stdin?: string): Promise<CliResult> => cli(sandbox.env, args, { stdin });
const ADMIN_PASSWORD = 'Harbor12345';

beforeAll(async () => {
  server = await startTestServer({ adminPassword: ADMIN_PASSWORD, logLevel: 'silent' });
  host = new URL(server.url).host;
  // No local data dir: the contexts are the logins below, nothing else.
  sandbox = await cliEnv();
  work = await mkdtemp(join(tmpdir(), 'harborctl-cli-fixes-'));
  expect((await h(['login', server.url, '-u', 'admin', '--password-stdin'], ADMIN_PASSWORD)).code).toBe(0);
  expect((await h(['user', 'create', 'alice', '--email', 'alice@example.com', '--password-stdin'], 'Alice12345')).code).toBe(0);
  // alice is saved first; admin is logged in last and is the current context.
  expect((await h(['logout'])).code).toBe(0);
  expect((await h(['login', server.url, '-u', 'alice', '--password-stdin'], 'Alice12345')).code).toBe(0);
  expect((await h(['login', server.url, '-u', 'admin', '--password-stdin'], ADMIN_PASSWORD)).code).toBe(0);
});
afterAll(async () => {
  await server?.close();
  await sandbox?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('15: model HOST/... uses the current context for that host', () => {
  test('push, inspect and pull run as the current context (admin), not the first saved (alice)', async () => {
    const dir = join(work, 'm15');
    await makeModelDir(dir, 4096);
    const ref = `${host}/library/m15:v1`;
    const p = await h(['model', 'push', dir, ref, '-o', 'json']);
    expect({ code: p.code, stderr: p.stderr }).toEqual({ code: 0, stderr: '' });
    expect((await h(['model', 'inspect', ref, '-o', 'json'])).code).toBe(0);
    expect((await h(['model', 'pull', ref, join(work, 'm15-back'), '-o', 'json'])).code).toBe(0);
    // --context still picks the other login for the same host: alice may not push to library.
    const denied = await h(['--context', `alice@${host}`, 'model', 'push', dir, `${host}/library/m15:v2`]);
    expect(denied.code).toBe(5);
  });
});

describe('16: a push over quota', () => {
  test('is refused before any byte is sent, with exit 6 and the numbers', async () => {
    expect((await h(['project', 'create', 'q16', '--storage-limit', '10KiB'])).code).toBe(0);
    const dir = join(work, 'm16');
    await makeModelDir(dir, 64 * 1024);
    const r = await h(['model', 'push', dir, `${host}/q16/m:v1`]);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 6, stdout: '' });
    expect(r.stderr).toMatch(/^harborctl: project q16 has 10 ?KiB of its 10 ?KiB quota left; this push needs .* more: nothing was sent/);
    expect(json(await h(['quota', 'get', 'q16', '-o', 'json'])).used.storage).toBe(0);
  });

  test('the registry\'s own quota refusal keeps its message and exits 6, not "may not push" (5)', async () => {
    const { RegistryClient } = await import('../../src/client/registry.js');
    const { writeFile } = await import('node:fs/promises');
    const { digestOf } = await import('../../src/oci/digest.js');
    const body = 'x'.repeat(20 * 1024);
    const file = join(work, 'big.bin');
    await writeFile(file, body);
    const c = new RegistryClient({ server: server.url, credentials: { username: 'admin', password: ADMIN_PASSWORD } });
    try {
      const e = await c.pushFile('q16/raw', { digest: digestOf(body), size: body.length, path: file }).then(() => undefined, (x: unknown) => x);
      expect(e).toMatchObject({ code: 'QUOTA_EXCEEDED', exitCode: 6 });
      expect((e as Error).message).toMatch(/^Quota exceeded when processing the request of adding/);
    } finally {
      await c.close();
    }
  });
});

describe('17: project get|create|update show the storage limit (the project\'s quota)', () => {
  const limitLine = (r: CliResult): string | undefined => r.stdout.split('\n').find((l) => l.startsWith('STORAGE LIMIT'));
  test('from the quota, in the table and in JSON', async () => {
    expect(limitLine(await h(['project', 'create', 'p17', '--storage-limit', '5MiB']))).toMatch(/^STORAGE LIMIT\s+5\.0 MiB$/);
    expect(limitLine(await h(['project', 'get', 'p17']))).toMatch(/^STORAGE LIMIT\s+5\.0 MiB$/);
    expect(json(await h(['project', 'update', 'p17', '--storage-limit', '2GiB', '-o', 'json'])).storage_limit).toBe(2 * 1024 ** 3);
    expect(limitLine(await h(['project', 'get', 'library']))).toMatch(/^STORAGE LIMIT\s+unlimited$/);
  });
});

describe('18: serve with a data dir it cannot use', () => {
  // The built binary: before the fix, /proc/nope spun in Node's recursive mkdir (spawnCli kills it).
  test.each([
    ['a path where no directory can be made', '/proc/nope', 'no directory can be created there'],
    ['a regular file', '@file', 'it is a file, not a directory'],
    ['a directory nobody may write in', '/sys/kernel', 'permission denied'],
  ])('%s: one clear line, exit 2', async (_what, dirArg, why) => {
    const dir = dirArg === '@file' ? join(work, 'a-file') : dirArg;
    if (dirArg === '@file') await (await import('node:fs/promises')).writeFile(dir, 'x');
    const r = await spawnCli(sandbox.env, ['serve', '--data-dir', dir, '--listen', '127.0.0.1:0']);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 2, stdout: '', stderr: `harborctl: cannot use the data dir ${dir}: ${why}; choose another with --data-dir or HARBORCTL_DATA_DIR\n`,
    });
  });
});

describe('20: --server that is a plain registry', () => {
  test('says it has no Harbor API instead of "not found"', async () => {
    const { startDistribution } = await import('../helpers/registry-process.js');
    const reg = await startDistribution();
    try {
      const r = await h(['--server', reg.url, 'project', 'list']);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
        code: 1, stdout: '',
        stderr: `harborctl: ${reg.url} has no Harbor API (GET /api/v2.0/projects and /api/v2.0/ping answered 404): a plain registry? these commands need a Harbor or harborctl serve\n`,
      });
    } finally {
      await reg.stop();
    }
  });

  test('a real 404 from Harbor stays "not found" (3)', async () => {
    const r = await h(['project', 'get', 'no-such-project']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 3, stderr: 'harborctl: project no-such-project not found\n' });
  });
});

describe('22: messages', () => {
  test('member add names what is missing: the user, or the project', async () => {
    const u = await h(['member', 'add', 'library', 'nobody']);
    expect({ code: u.code, stderr: u.stderr }).toEqual({ code: 3, stderr: 'harborctl: user nobody not found\n' });
    const p = await h(['member', 'add', 'no-such-project', 'alice']);
    expect({ code: p.code, stderr: p.stderr }).toEqual({ code: 3, stderr: 'harborctl: project no-such-project not found\n' });
  });

  test('an unknown context is exit 3 everywhere, also one named like an Object method', async () => {
    for (const name of ['nope', 'constructor', 'toString', '__proto__']) {
      for (const args of [['--context', name, 'project', 'list'], ['context', 'use', name], ['logout', name]]) {
        const r = await h(args);
        expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 3, stderr: `harborctl: context ${name} not found: see harborctl context list\n` });
      }
    }
  });

  test('--mirror with a space says so, not "write the scheme"', async () => {
    for (const verb of [['configure-mirror', '--dry-run'], ['doctor']]) {
      const r = await h(['containerd', ...verb, '--mirror', 'http://bad host', '--certs-dir', join(work, 'certs.d'), '--containerd-config', join(work, 'nope.toml')]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: 'harborctl: invalid --mirror "http://bad host": it contains a space; the registry root is http(s)://HOST[:PORT]\n' });
    }
  });

  test('a bad digest is echoed, with what a sha256 digest is', async () => {
    const r = await h(['artifact', 'delete', 'library/x@sha256:abc', '--yes']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 2, stderr: 'harborctl: invalid digest "sha256:abc" in "library/x@sha256:abc": a sha256 digest is sha256: and 64 hex characters (0-9, a-f)\n',
    });
  });

  test('the containerd group\'s help line reads right', async () => {
    const r = await h(['--help']);
    expect(r.stdout).toMatch(/containerd\s+make containerd pull through a mirror/);
    expect(r.stdout).toMatch(/microk8s\s+make MicroK8s' containerd pull through a mirror/);
    expect(r.stdout).not.toContain("containerd's containerd");
  });
});

describe('18: tls init with a data dir it cannot use', () => {
  test('the same clear line and exit 2, not a spin in mkdir', async () => {
    const r = await spawnCli(sandbox.env, ['tls', 'init', '--data-dir', '/proc/nope']);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 2, stdout: '', stderr: 'harborctl: cannot use the data dir /proc/nope: no directory can be created there; choose another with --data-dir or HARBORCTL_DATA_DIR\n',
    });
  });
});

describe('21: --timeout', () => {
  test('a server that accepts and never answers is given up on, with exit 1 and one line', async () => {
    const net = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const silent = net.createServer((s) => { sockets.push(s); });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as import('node:net').AddressInfo).port}`;
    try {
      const r = await h(['--server', url, '--timeout', '1s', 'project', 'list']);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
        code: 1, stdout: '', stderr: `harborctl: ${url} did not answer within 1s: raise --timeout if it is just slow\n`,
      });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  test('a bad --timeout is a usage error before any request', async () => {
    const r = await h(['--timeout', 'soon', 'project', 'list']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: 'harborctl: invalid --timeout "soon": a duration of at least 1s, e.g. 10s, 2m\n' });
  });
});

describe('24: -q/--quiet on list commands', () => {
  test('names (or ids) only, one a line', async () => {
    const names = (r: CliResult): string[] => { expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' }); return r.stdout.split('\n').filter(Boolean); };
    expect((await h(['project', 'create', 'q24'])).code).toBe(0);
    expect(names(await h(['project', 'list', '-q', '--page-size', '0']))).toEqual(expect.arrayContaining(['library', 'q24']));
    expect(names(await h(['user', 'list', '--quiet']))).toEqual(['admin', 'alice']);
    expect(names(await h(['context', 'list', '-q']))).toEqual([`admin@${host}`, `alice@${host}`]);
    // A paged list still says nothing but names, not "showing 1 of 3".
    expect(names(await h(['project', 'list', '-q', '--page-size', '1']))).toHaveLength(1);
  });

  test('-q with -o json is a usage error', async () => {
    const r = await h(['project', 'list', '-q', '-o', 'json']);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 2, stdout: '', stderr: 'harborctl: -q prints names only; -o json prints everything: choose one\n' });
  });

  test('every list command has -q', async () => {
    const { buildProgram } = await import('../../src/cli/main.js');
    const lists: string[] = [];
    const walk = (c: import('commander').Command, path: string[]): void => {
      for (const s of c.commands) {
        const p = [...path, s.name()];
        if (s.name() === 'list') lists.push(`${p.join(' ')} ${s.options.some((o) => o.long === '--quiet' && o.short === '-q') ? 'has -q' : 'lacks -q'}`);
        walk(s, p);
      }
    };
    walk(buildProgram(), []);
    expect(lists.length).toBeGreaterThan(10);
    expect(lists.filter((l) => l.endsWith('lacks -q'))).toEqual([]);
  });
});

describe('25: harbor-cli habits', () => {
  test('view/info for get, rm for delete, context switch', async () => {
    for (const verb of ['get', 'view', 'info']) expect(json(await h(['project', verb, 'library', '-o', 'json'])).name).toBe('library');
    expect((await h(['project', 'create', 'rm25'])).code).toBe(0);
    expect(json(await h(['project', 'rm', 'rm25', '--yes', '-o', 'json']))).toEqual({ kind: 'project', name: 'rm25', deleted: true });
    expect(json(await h(['context', 'switch', `admin@${host}`, '-o', 'json'])).current).toBe(true);
  });

  test('harborctl health', async () => {
    const t = await h(['health']);
    expect({ code: t.code, stderr: t.stderr }).toEqual({ code: 0, stderr: '' });
    expect(t.stdout).toMatch(/^status: healthy\nCOMPONENT\s+STATUS\s+ERROR\n/);
    expect(json(await h(['health', '-o', 'json'])).status).toBe('healthy');
  });

  test('harborctl info: system info, and the counts where /statistics answers', async () => {
    const r = await h(['info', '-o', 'json']);
    expect(r.code).toBe(0);
    const info = json(r);
    expect(info.server).toBe(server.url);
    expect(typeof info.systeminfo.harbor_version).toBe('string');
    const t = await h(['info']);
    expect(t.stdout).toMatch(/^SERVER\s+http:\/\/127\.0\.0\.1:\d+\nVERSION\s+\S+/);
    if (info.statistics === null) expect(t.stderr).toBe('no statistics: the server does not share them with this user\n');
    else expect(t.stdout).toMatch(/\nPROJECTS\s+\d+ \(\d+ public, \d+ private\)\n/);
  });
});

describe('robot list and pull columns (with the API side of items 8 and 10)', () => {
  test('robot list: system robots (Harbor\'s GET /robots without q); --project a project\'s (q escaped twice, as Harbor unescapes it twice); --all both', async () => {
    const all = await h(['--debug', 'robot', 'list', '-o', 'json']);
    expect(all.stderr).toMatch(/^debug: > GET \/api\/v2\.0\/robots\?page=1&page_size=10 x-request-id=/);
    const one = await h(['--debug', 'robot', 'list', '--project', 'library', '-o', 'json']);
    expect(one.stderr).toMatch(/debug: > GET \/api\/v2\.0\/robots\?q=Level%253Dproject%252CProjectID%253D1&page=1&page_size=10 x-request-id=/);

    expect((await h(['robot', 'create', 'sys8', '--permission', 'system/project:list', '-o', 'json'])).code).toBe(0);
    expect((await h(['robot', 'create', 'ci8', '--project', 'library', '--permission', 'pull', '-o', 'json'])).code).toBe(0);
    const names = async (args: string[]): Promise<string[]> => (json(await h(['robot', 'list', ...args, '-o', 'json'])) as { name: string }[]).map((r) => r.name);
    expect(await names([])).toEqual(['robot$sys8']);
    expect(await names(['--project', 'library'])).toEqual(['robot$library+ci8']);
    expect(await names(['--all'])).toEqual(['robot$sys8', 'robot$library+ci8']);
    const bad = await h(['robot', 'list', '--all', '--project', 'library']);
    expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 2, stderr: 'harborctl: --all lists every robot: not with --project\n' });
  });

  test('never pulled: PULLED and PULLS show "-", not 0001-01-01 or 0', async () => {
    const dir = join(work, 'm-never');
    await makeModelDir(dir, 1024);
    expect((await h(['model', 'push', dir, 'library/never:v1'])).code).toBe(0);
    const a = await h(['artifact', 'get', 'library/never:v1']);
    expect(a.stdout).toMatch(/\nPULLED\s+-\n/);
    const repos = await h(['repo', 'list', 'library', '--page-size', '0']);
    expect(repos.stdout).toMatch(/\nlibrary\/never\s+1\s+-\s/);
  });
});

describe('26: every --help ends with examples', () => {
  test('a walk over every command: "Examples:" last, each line a harborctl command of that command', async () => {
    const { buildProgram } = await import('../../src/cli/main.js');
    const paths: string[][] = [[]];
    const walk = (c: import('commander').Command, path: string[]): void => {
      for (const s of c.commands) { paths.push([...path, s.name()]); walk(s, [...path, s.name()]); }
    };
    walk(buildProgram(), []);
    expect(paths.length).toBeGreaterThan(80);
    const bad: string[] = [];
    for (const path of paths) {
      const r = await h([...path, '--help']);
      const m = /\nExamples:\n((?: {2}\$ .+\n)+)$/.exec(r.stdout);
      const lines = m ? m[1].trimEnd().split('\n').map((l) => l.slice(4)) : [];
      const prefix = `harborctl ${path.join(' ')}`.trimEnd();
      if (r.code !== 0 || lines.length === 0 || !lines.every((l) => l.startsWith(prefix) || path.length === 0 || /^\S+=\S+ harborctl|^echo /.test(l))) bad.push(path.join(' ') || '(root)');
    }
    expect(bad).toEqual([]);
  });
});

describe('27: tables', () => {
  test('model push says "1 file in 1 layer", not "1 files in 1 layers"', async () => {
    const dir = join(work, 'one-file');
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'model.safetensors'), 'weights');
    const r = await h(['model', 'push', dir, 'library/one-file:v1']);
    expect(r.stdout).toMatch(/ \(1 file in 1 layer, 7 B; sent 7 B, 0 blobs already there\)\n$/);
  });

  test('tag list of one artifact shows its digest', async () => {
    const all = json(await h(['tag', 'list', 'library/one-file', '-o', 'json']));
    const digest = all[0].digest as string;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const one = await h(['tag', 'list', 'library/one-file:v1']);
    expect(one.stdout).toMatch(new RegExp(`\\nv1\\s+${digest}\\s`));
  });

  test('PROXY CACHE OF names the registry endpoint', async () => {
    expect((await h(['registry', 'create', 'hub27', '--type', 'docker-registry', '--url', 'http://127.0.0.1:9'])).code).toBe(0);
    const r = await h(['project', 'create', 'proxy27', '--proxy-cache', 'hub27']);
    expect(r.stdout).toMatch(/\nPROXY CACHE OF\s+hub27\n/);
  });

  test('tls init prints its date like every table: YYYY-MM-DD HH:MMZ', async () => {
    const r = await h(['tls', 'init', '--data-dir', join(work, 'tls27')]);
    expect(r.stdout).toMatch(/\nVALID UNTIL\s+\d{4}-\d\d-\d\d \d\d:\d\dZ\n$/);
  });
});
