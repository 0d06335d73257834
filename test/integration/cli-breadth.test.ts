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

describe('label and artifact label', () => {
  test('create, list, update, put on an artifact, take off, delete', async () => {
    const g = json(await h(['label', 'create', 'release', '--color', '#00AA00', '--description', 'ok to ship', '-o', 'json']));
    expect(g).toMatchObject({ name: 'release', color: '#00AA00', scope: 'g', project_id: 0 });
    const p = json(await h(['label', 'create', 'qa', '--project', 'team-b', '-o', 'json']));
    expect(p).toMatchObject({ name: 'qa', scope: 'p' });
    expect(json(await h(['label', 'list', '-o', 'json'])).map((l: { name: string }) => l.name)).toEqual(['release']);
    expect((await h(['label', 'list', '--project', 'team-b', '-q'])).stdout).toBe('qa\n');
    expect(json(await h(['label', 'update', 'qa', '--project', 'team-b', '--name', 'qa-passed', '-o', 'json'])).name).toBe('qa-passed');

    const add = await h(['artifact', 'label', 'add', 'team-b/tools/api:v1', 'qa-passed']);
    expect([add.code, add.stdout]).toEqual([0, '✓ added label qa-passed to team-b/tools/api:v1\n']);
    expect(json(await h(['artifact', 'label', 'add', 'team-b/tools/api:v1', 'release', '-o', 'json']))).toMatchObject({ label: 'release', added: true });
    const dup = await h(['artifact', 'label', 'add', 'team-b/tools/api:v1', 'release']);
    expect(dup.code).toBe(1);
    expect(json(await h(['artifact', 'label', 'remove', 'team-b/tools/api:v1', 'release', '-o', 'json']))).toMatchObject({ label: 'release', removed: true });
    const nf = await h(['artifact', 'label', 'add', 'team-b/tools/api:v1', 'nope']);
    expect([nf.code, nf.stderr]).toEqual([3, 'harborctl: label nope not found in project team-b nor among the global labels\n']);

    expect(json(await h(['label', 'delete', 'release', '--yes', '-o', 'json']))).toEqual({ kind: 'label', name: 'release', id: g.id, deleted: true });
    const gone = await h(['label', 'delete', 'release', '--yes']);
    expect([gone.code, gone.stderr]).toEqual([3, 'harborctl: label release not found among the global labels\n']);
  });
});

describe('info', () => {
  test('shows the counts and storage from /statistics', async () => {
    const j = json(await h(['info', '-o', 'json']));
    expect(j.statistics).toMatchObject({ total_project_count: 2, public_project_count: 1, private_project_count: 1 });
    const t = await h(['info']);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/\nPROJECTS\s+2 \(1 public, 1 private\)\n/);
    expect(t.stdout).toMatch(/\nSTORAGE\s+\d/);
    expect(t.stderr).toBe('');
  });
});

describe('search and permissions', () => {
  test('search lists matching projects and repositories; -o json is Harbor\'s object', async () => {
    const t = await h(['search', 'team-b']);
    expect(t.stdout.split('\n')[0]).toMatch(/^KIND\s+NAME\s+ACCESS\s+COUNT$/);
    expect(t.stdout).toMatch(/\nproject\s+team-b\s+private/);
    expect(t.stdout).toMatch(/\nrepository\s+team-b\/tools\/api\s+private\s+1\n/);
    const j = json(await h(['search', 'web', '-o', 'json']));
    expect(j.repository.map((r: { repository_name: string }) => r.repository_name)).toContain('library/web');
    const none = await h(['search', 'zzz-nothing']);
    expect([none.code, none.stdout, none.stderr]).toEqual([0, '', 'nothing matches "zzz-nothing"\n']);
  });

  test('permissions lists what robots may be given', async () => {
    const t = await h(['permissions']);
    expect(t.stdout).toMatch(/\nsystem\s+registry\s+create\n/);
    expect(t.stdout).toMatch(/\nproject\s+repository\s+pull\n/);
    expect(Object.keys(json(await h(['permissions', '-o', 'json'])))).toEqual(['system', 'project']);
  });
});

describe('info as a non-admin (last: it logs in as another user)', () => {
  test('the counts are what the user sees, since Harbor sends the totals to admins only', async () => {
    expect((await h(['user', 'create', 'viewer', '--password-stdin'], 'Viewer12345')).code).toBe(0);
    expect((await h(['member', 'add', 'team-b', 'viewer', '--role', 'guest'])).code).toBe(0);
    expect((await h(['login', server.url, '-u', 'viewer', '--password-stdin'], 'Viewer12345')).code).toBe(0);
    const t = await h(['info']);
    expect(t.stdout).toMatch(/\nPROJECTS\s+2 \(1 public, 1 private\)\n/);
    expect(t.stdout).toMatch(/\nSTORAGE\s+0 B\n/);
  });
});
