// harborctl gc, spawned (the built binary) against our real server: run with --wait and progress,
// history, log, stop, schedule get/set/off, and the usage errors.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildPrivateBinary, cliChecks, cliEnv, json, spawnCli, type CliEnv, type CliResult } from '../helpers/cli.js';
import { call } from '../helpers/oci.js';
import { pushTinyImage } from '../helpers/push.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let sandbox: CliEnv;
let build: { bin: string; dispose(): Promise<void> } | undefined;
const h = (args: string[]): Promise<CliResult> => spawnCli(sandbox.env, args, { bin: build!.bin });
const { ok, fails } = cliChecks(h);

beforeAll(async () => {
  build = await buildPrivateBinary('gc');
  server = await startTestServer({ logLevel: 'silent' });
  sandbox = await cliEnv({ HARBORCTL_DATA_DIR: server.dataDir });
});
afterAll(async () => {
  await server?.close();
  await sandbox?.cleanup();
  await build?.dispose();
});

describe('harborctl gc', () => {
  test('run --dry-run --wait, then a real run: progress on stderr, the result on stdout, history and log', async () => {
    const digest = await pushTinyImage(server.url, 'library/gone', 'v1', { user: 'admin', password: 'Harbor12345' });
    expect((await call(server.url, `/v2/library/gone/manifests/${digest}`, { method: 'DELETE' })).status).toBe(202);
    const dry = await h(['gc', 'run', '--dry-run', '--delete-untagged', '--wait']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toMatch(/would delete blob sha256:/);
    expect(dry.stdout).toMatch(/STATUS\s+Success/);
    const real = json(await ok(['gc', 'run', '--wait', '-o', 'json']));
    expect(real).toMatchObject({ job_status: 'Success', job_kind: 'MANUAL' });
    expect(JSON.parse(real.job_parameters)).toMatchObject({ dry_run: false, purged_blobs: 2 });
    const history = json(await ok(['gc', 'history', '-o', 'json']));
    expect(history.map((x: { id: number }) => x.id)).toEqual([real.id, real.id - 1]);
    expect((await ok(['gc', 'log', String(real.id)])).stdout).toMatch(/delete blob sha256:[0-9a-f]{64} \(\d+ bytes\)/);
    expect((await ok(['gc', 'stop', String(real.id)])).stdout).toContain(`asked garbage collection ${real.id} to stop`);
    await fails(['gc', 'log', 'x'], 2, /invalid id/);
    await fails(['gc', 'log', '99999'], 3, /not found/);
    await fails(['gc', 'run', '--workers', '11'], 2, /--workers/);
  });

  test('schedule set/get/off', async () => {
    expect(json(await ok(['gc', 'schedule', 'get', '-o', 'json']))).toMatchObject({ type: 'None' });
    await ok(['gc', 'schedule', 'set', '0 0 2 * * 6', '--delete-untagged']);
    expect(json(await ok(['gc', 'schedule', 'get', '-o', 'json']))).toMatchObject({ type: 'Custom', cron: '0 0 2 * * 6', parameters: { delete_untagged: true }, next: expect.stringMatching(/T02:00:00/) });
    await ok(['gc', 'schedule', 'set', 'daily']);
    expect(json(await ok(['gc', 'schedule', 'get', '-o', 'json']))).toMatchObject({ type: 'Daily', cron: '0 0 0 * * *' });
    await fails(['gc', 'schedule', 'set', '0 2 * * *'], 2, /6-field cron/);
    await ok(['gc', 'schedule', 'set', 'off']);
    expect(json(await ok(['gc', 'schedule', 'get', '-o', 'json']))).toMatchObject({ type: 'None' });
  });
});
