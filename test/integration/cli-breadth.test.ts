// Issue 14's CLI commands in-process against our real server on port 0 (first-run context): repo
// list across projects and repo update, artifact copy, labels, search, info and permissions.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, cliEnv, json, type CliEnv, type CliResult } from '../helpers/cli.js';
import { pushTinyImage } from '../helpers/push.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let sandbox: CliEnv;
const h = (args: string[], stdin?: string): Promise<CliResult> => cli(sandbox.env, args, { stdin });
const creds = { user: 'admin', password: 'Harbor12345' };

beforeAll(async () => {
  server = await startTestServer({ adminPassword: 'Harbor12345', logLevel: 'silent' });
  sandbox = await cliEnv({ HARBORCTL_DATA_DIR: server.dataDir });
  expect((await h(['project', 'create', 'team-b'])).code).toBe(0);
  await pushTinyImage(server.url, 'library/web', 'v1', creds);
  await pushTinyImage(server.url, 'team-b/tools/api', 'v1', creds);
});
afterAll(async () => { await server?.close(); await sandbox?.cleanup(); });

describe('repo', () => {
  test('repo list without a project lists every repository; repo update sets the description', async () => {
    const all = json(await h(['repo', 'list', '-o', 'json']));
    expect(all.map((r: { name: string }) => r.name).sort()).toEqual(['library/web', 'team-b/tools/api']);
    const u = json(await h(['repo', 'update', 'team-b/tools/api', '--description', 'the API', '-o', 'json']));
    expect(u).toMatchObject({ name: 'team-b/tools/api', description: 'the API' });
    const t = await h(['repo', 'update', 'team-b/tools/api', '--description', 'again']);
    expect(t.stdout).toMatch(/^NAME\s+team-b\/tools\/api\nDESCRIPTION\s+again\n/);
    const nf = await h(['repo', 'update', 'team-b/nope', '--description', 'x']);
    expect([nf.code, nf.stderr]).toEqual([3, 'harborctl: repository team-b/nope not found\n']);
  });
});

describe('artifact copy', () => {
  test('copies across projects; an unknown source exits 3', async () => {
    const r = json(await h(['artifact', 'copy', 'library/web:v1', 'team-b/copies/web', '-o', 'json']));
    expect(r).toEqual({ kind: 'artifact', name: 'team-b/copies/web', from: 'library/web:v1', copied: true });
    const a = json(await h(['artifact', 'get', 'team-b/copies/web:v1', '-o', 'json']));
    expect(a.repository_name).toBe('team-b/copies/web');
    const t = await h(['artifact', 'copy', `library/web@${a.digest}`, 'team-b/copies/again']);
    expect([t.code, t.stdout]).toEqual([0, `✓ copied library/web@${a.digest} to team-b/copies/again\n`]);
    const nf = await h(['artifact', 'copy', 'library/web:nope', 'team-b/x']);
    expect([nf.code, nf.stderr]).toEqual([3, 'harborctl: artifact library/web:nope or project team-b not found\n']);
  });
});
