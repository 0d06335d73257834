// `replication` commands in-process against two real servers (A, where the policies live, and B,
// registered in A as type harbor): every verb with -o json and a table, `run --wait` with its progress
// bar on stderr and its exit code, the flag checks made before any request, and `registry create`
// accepting every type replication has an adapter for.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, cliChecks, cliEnv, json, type CliEnv, type CliResult } from '../helpers/cli.js';
import { api, createProject } from '../helpers/api.js';
import { call, pushImage } from '../helpers/oci.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let a: TestServer;
let b: TestServer;
let sandbox: CliEnv;
const h = (args: string[], stdin?: string): Promise<CliResult> => cli(sandbox.env, args, { stdin });
const { ok, fails } = cliChecks(h);

beforeAll(async () => {
  [a, b] = await Promise.all([startTestServer({ logLevel: 'silent', replication: { pollMs: 20 } }), startTestServer({ logLevel: 'silent' })]);
  sandbox = await cliEnv({ HARBORCTL_DATA_DIR: a.dataDir });
  await createProject(a.url, 'cli');
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await sandbox?.cleanup();
});

describe('harborctl replication', () => {
  test('registry create takes every adapter type', async () => {
    const types = (await api(a.url, 'GET', '/replication/adapters')).body as string[];
    for (const t of new Set([...types, 'docker-registry', 'harbor', 'docker-hub', 'azure-acr', 'ali-acr'])) {
      const r = json(await ok(['registry', 'create', `t-${t}`, '--type', t, '--url', 'https://registry.example.com', '-o', 'json']));
      expect(r.type).toBe(t);
      await ok(['registry', 'delete', `t-${t}`, '--yes']);
    }
  });

  test('policy create, list, get, update; run --wait; executions, tasks, log, stop; delete', async () => {
    await ok(['registry', 'create', 'b', '--type', 'harbor', '--url', b.url, '--username', 'admin', '--password-stdin'], 'Harbor12345\n');
    const img = await pushImage(a.url, 'cli/app', 'v1', 'cli-app');
    await pushImage(a.url, 'cli/app', 'dev', 'cli-app-dev');
    const created = json(await ok(['replication', 'policy', 'create', 'to-b', '--to', 'b', '--repos', 'cli/**', '--dest-namespace', 'clim',
      '--tags', 'dev', '--exclude-tags', '--speed', '100000', '-o', 'json']));
    expect(created).toMatchObject({ name: 'to-b', enabled: true, dest_registry: { name: 'b' }, src_registry: { id: 0 }, dest_namespace: 'clim',
      filters: [{ type: 'name', value: 'cli/**' }, { type: 'tag', value: 'dev', decoration: 'excludes' }], speed: 100000, override: true,
      trigger: { type: 'manual' } });
    expect((await ok(['replication', 'policy', 'list'])).stdout).toMatch(/to-b\s+yes\s+local\s+b:clim\s+manual/);
    expect((await ok(['replication', 'policy', 'get', 'to-b'])).stdout).toMatch(/TAGS\s+not dev/);
    const upd = json(await ok(['replication', 'policy', 'update', 'to-b', '--disable', '--description', 'to B', '-o', 'json']));
    expect(upd).toMatchObject({ enabled: false, description: 'to B', filters: created.filters, dest_namespace: 'clim' });
    await fails(['replication', 'run', 'to-b'], 2, /the policy \d+ is disabled/);
    await ok(['replication', 'policy', 'update', String(created.id), '--enable']);

    const e = json(await ok(['replication', 'run', 'to-b', '--wait', '-o', 'json']));
    expect(e).toMatchObject({ status: 'Succeed', total: 1, succeed: 1 });
    const dig = await call(b.url, '/v2/clim/app/manifests/v1', { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    expect(dig.headers['docker-content-digest']).toBe(img.digest);
    expect((await call(b.url, '/v2/clim/app/manifests/dev', { method: 'HEAD' })).status).toBe(404);

    // In a table, --wait draws its progress on stderr.
    const table = await h(['replication', 'run', 'to-b', '--wait']);
    expect(table.code).toBe(0);
    expect(table.stderr).toMatch(/replication \d+: \[#+\] 100% 1\/1 tasks/);
    expect(table.stdout).toMatch(/STATUS\s+Succeed/);

    const runs = json(await ok(['replication', 'executions', 'to-b', '-o', 'json']));
    expect(runs.map((x: { id: number }) => x.id)).toEqual([expect.any(Number), e.id]);
    expect(json(await ok(['replication', 'executions', '--status', 'Failed', '-o', 'json']))).toEqual([]);
    const tasks = json(await ok(['replication', 'tasks', String(e.id), '-o', 'json']));
    expect(tasks).toEqual([expect.objectContaining({ status: 'Succeed', src_resource: 'cli/app [1 item(s) in total]', bytes: expect.any(Number) })]);
    expect((await ok(['replication', 'tasks', String(e.id)])).stdout).toMatch(/Succeed\s+copy\s+cli\/app/);
    expect((await ok(['replication', 'log', String(e.id), String(tasks[0].id)])).stdout).toMatch(/copied blob sha256:/);
    expect((await ok(['replication', 'log', String(e.id)])).stdout).toMatch(new RegExp(`== task ${tasks[0].id}: cli/app`));
    expect(json(await ok(['replication', 'stop', String(e.id), '-o', 'json']))).toMatchObject({ id: e.id, status: 'Succeed' });

    await fails(['replication', 'policy', 'create', 'x'], 2, /needs --to REGISTRY/);
    await fails(['replication', 'policy', 'create', 'x', '--to', 'b', '--from', 'b'], 2, /exclude each other/);
    await fails(['replication', 'policy', 'create', 'x', '--to', 'b', '--trigger', 'scheduled'], 2, /needs --cron/);
    await fails(['replication', 'policy', 'create', 'x', '--to', 'b', '--resource', 'chart'], 2, /--resource must be image or artifact/);
    await fails(['replication', 'policy', 'create', 'x', '--to', 'nope'], 3, /registry nope not found/);
    await fails(['replication', 'policy', 'get', 'nope'], 3, /replication policy nope not found/);
    await fails(['replication', 'tasks', 'x'], 2, /execution must be a positive integer/);
    await ok(['replication', 'policy', 'delete', 'to-b', '--yes']);
    await fails(['replication', 'policy', 'get', String(created.id)], 3, /not found/);
  });
});
