// The built binary (bin/harborctl after `tsc -p .`, into a private copy) spawned against our real
// server: robot, quota and k8s verbs with -o json, secrets in 0600 files, the pull secret compared with
// kubectl's, and each error path's one line on stderr and exit code (3 unknown, 5 denied, 2 usage,
// 4 missing input on a non-TTY).
import { execFileSync } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildPrivateBinary, cliEnv, json, spawnCli, type CliEnv, type CliResult, cliChecks } from '../helpers/cli.js';
import { pushTinyImage } from '../helpers/push.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let sandbox: CliEnv;
let build: { bin: string; dispose(): Promise<void> } | undefined;
let bin: string;
const h = (args: string[], stdin?: string): Promise<CliResult> => spawnCli(sandbox.env, args, { stdin, bin });
const { ok, fails } = cliChecks(h);

beforeAll(async () => {
  build = await buildPrivateBinary('robot-quota-live');
  bin = build.bin;
  server = await startTestServer({ adminPassword: 'Harbor12345', logLevel: 'silent' });
  sandbox = await cliEnv({ HARBORCTL_DATA_DIR: server.dataDir });
});
afterAll(async () => {
  await server?.close();
  await sandbox?.cleanup();
  await build?.dispose();
});

describe('harborctl robot/quota/k8s, spawned', () => {
  test('a robot from create to delete, as a script would drive it', async () => {
    await ok(['project', 'create', 'apps', '-o', 'json']);
    const created = json(await ok(['robot', 'create', 'deploy', '--project', 'apps', '--permission', 'pull,push', '--duration', '-1', '-o', 'json']));
    expect(created).toMatchObject({ name: 'robot$apps+deploy', expires_at: -1, secret: expect.stringMatching(/^[A-Za-z0-9]{32}$/) });
    await pushTinyImage(server.url, 'apps/web', 'v1', { user: created.name, password: created.secret });
    const listed = json(await ok(['robot', 'list', '--project', 'apps', '--page-size', '0', '-o', 'json']));
    expect(listed).toEqual([expect.objectContaining({ id: created.id, name: 'robot$apps+deploy', level: 'project', disable: false })]);
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    const refreshed = json(await ok(['robot', 'refresh', 'robot$apps+deploy', '-o', 'json']));
    expect(Object.keys(refreshed)).toEqual(['id', 'name', 'secret']);
    await expect(pushTinyImage(server.url, 'apps/web', 'v2', { user: created.name, password: created.secret })).rejects.toThrow();
    await pushTinyImage(server.url, 'apps/web', 'v2', { user: created.name, password: refreshed.secret });
    expect(json(await ok(['robot', 'disable', 'deploy', '--project', 'apps', '-o', 'json'])).disable).toBe(true);
    expect(json(await ok(['robot', 'enable', 'apps+deploy', '-o', 'json'])).disable).toBe(false);
    const file = join(sandbox.dir, 'deploy.secret');
    const r = await ok(['robot', 'refresh', String(created.id), '--secret-file', file, '-o', 'json']);
    expect(json(r)).toEqual({ id: created.id, name: 'robot$apps+deploy', secret_file: file });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await pushTinyImage(server.url, 'apps/web', 'v3', { user: created.name, password: (await readFile(file, 'utf8')).trim() });
    expect(json(await ok(['robot', 'delete', 'apps+deploy', '--yes', '-o', 'json']))).toEqual({ kind: 'robot', name: 'robot$apps+deploy', id: created.id, deleted: true });
  });

  test('quotas: exact bytes in JSON, human sizes in the table, verify', async () => {
    expect(json(await ok(['quota', 'set', 'apps', '2GiB', '-o', 'json'])).hard.storage).toBe(2 * 2 ** 30);
    expect((await ok(['quota', 'get', 'apps'])).stdout).toMatch(/^LIMIT\s+2\.0 GiB$/m);
    expect(json(await ok(['quota', 'set', 'apps', '-1', '-o', 'json'])).hard.storage).toBe(-1);
    const v = json(await ok(['quota', 'verify', 'apps', '-o', 'json']));
    expect(v).toEqual([{ id: expect.any(Number), project: 'apps', used: expect.any(Number), recount: v[0].used, drift: 0 }]);
    expect(v[0].used).toBeGreaterThan(0);
  });

  test('k8s pull-secret from a piped secret equals kubectl\'s output', async () => {
    const r = await ok(['k8s', 'pull-secret', 'regcred', '--server', 'registry.local:5280', '--robot', 'apps+deploy', '--password-stdin', '-n', 'prod'], 'Pa55word\n');
    const theirs = execFileSync('kubectl', ['create', 'secret', 'docker-registry', 'regcred', '--docker-server=registry.local:5280',
      '--docker-username=robot$apps+deploy', '--docker-password=Pa55word', '-n', 'prod', '--dry-run=client', '-o', 'yaml'],
    { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: sandbox.dir, KUBECONFIG: join(sandbox.dir, 'kubeconfig') } });
    expect(YAML.parse(r.stdout)).toEqual(YAML.parse(theirs));
    expect(r.stdout).toBe(theirs);
  });

  test('every error path: one line on stderr, nothing on stdout, the documented exit code', async () => {
    await fails(['robot', 'get', 'apps+ghost'], 3, 'robot robot$apps+ghost not found');
    await fails(['robot', 'delete', 'ghost', '--project', 'apps', '--yes'], 3, 'robot robot$apps+ghost not found');
    await fails(['quota', 'set', 'apps', '12 parsecs'], 2, 'invalid size "12 parsecs": use a number and a unit, e.g. 500MiB, 10GiB, 1TB, or -1 for unlimited');
    await fails(['k8s', 'pull-secret', 'regcred', '--server', 'r.local', '--robot', 'x', '--password-stdin'], 4, 'no password on stdin (--password-stdin)');
    await fails(['k8s', 'pull-secret', 'regcred', '--server', 'r.local', '--robot', 'x'], 4, 'a password is required: pass --password-stdin (no terminal to ask on)');
    await ok(['user', 'create', 'eve', '--password-stdin', '-o', 'json'], 'Eve123456');
    await ok(['login', server.url, '-u', 'eve', '--password-stdin', '--name', 'eve', '-o', 'json'], 'Eve123456\n');
    await fails(['--context', 'eve', 'robot', 'create', 'x', '--project', 'apps', '--permission', 'pull'], 5, 'create on robot accounts of project apps is not allowed');
    await fails(['--context', 'eve', 'quota', 'set', 'apps', '1GiB'], 5, 'read on project of project apps is not allowed');
    await fails(['--context', 'eve', 'quota', 'verify'], 5, 'list on quota is for system administrators');
  });
});
