// `webhook` commands in-process against our real server and a real receiver: every verb with -o
// json and a table, the auth header only from stdin and never printed, a test delivery seen by the
// receiver and its attempt in `executions --log`, and the usage and not-found errors' exit codes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, cliChecks, cliEnv, json, type CliEnv, type CliResult } from '../helpers/cli.js';
import { createProject } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const SECRET = 'Bearer cli-webhook-secret-42';

let server: TestServer;
let rx: WebhookReceiver;
let sandbox: CliEnv;
const outputs: string[] = [];
const h = async (args: string[], stdin?: string): Promise<CliResult> => {
  const r = await cli(sandbox.env, args, { stdin });
  outputs.push(r.stdout, r.stderr);
  return r;
};
const { ok, fails } = cliChecks(h);

beforeAll(async () => {
  rx = await WebhookReceiver.start();
  server = await startTestServer({ logLevel: 'silent', webhooks: { backoffMs: 1, pollMs: 20 } });
  sandbox = await cliEnv({ HARBORCTL_DATA_DIR: server.dataDir });
  await createProject(server.url, 'clihooks');
});
afterAll(async () => {
  await server?.close();
  await rx?.close();
  await sandbox?.cleanup();
});

describe('harborctl webhook', () => {
  test('create, list, get, update, test, executions and delete', async () => {
    const created = json(await ok(['webhook', 'create', 'clihooks', 'ci', '--event', 'PUSH_ARTIFACT', 'DELETE_ARTIFACT', '--address', `${rx.url}/ci`,
      '--format', 'CloudEvents', '--auth-header-stdin', '-o', 'json'], `${SECRET}\n`));
    expect(created).toMatchObject({ id: expect.any(Number), name: 'ci', enabled: true, event_types: ['PUSH_ARTIFACT', 'DELETE_ARTIFACT'],
      targets: [{ type: 'http', address: `${rx.url}/ci`, payload_format: 'CloudEvents', auth_header: '*****', skip_cert_verify: false }] });
    expect(json(await ok(['webhook', 'list', 'clihooks', '-o', 'json'])).map((p: { name: string }) => p.name)).toEqual(['ci']);
    expect((await ok(['webhook', 'list', 'clihooks'])).stdout).toMatch(/ci\s+yes\s+PUSH_ARTIFACT,DELETE_ARTIFACT/);
    expect((await ok(['webhook', 'get', 'clihooks', 'ci'])).stdout).toMatch(/AUTH HEADER\s+set/);

    const updated = json(await ok(['webhook', 'update', 'clihooks', 'ci', '--disable', '--description', 'builds', '-o', 'json']));
    expect(updated).toMatchObject({ enabled: false, description: 'builds', targets: [{ auth_header: '*****' }] });
    await ok(['webhook', 'update', 'clihooks', String(created.id), '--enable', '--format', 'Default']);

    const t = json(await ok(['webhook', 'test', 'clihooks', 'ci', '-o', 'json']));
    expect(t.execution_ids).toHaveLength(1);
    const got = await rx.next((r) => r.path === '/ci');
    expect(got.headers.authorization).toBe(SECRET); // the mask sent back by update kept the header
    expect(got.json).toMatchObject({ type: 'PUSH_ARTIFACT', event_data: { custom_attributes: { harborctl_test: 'true' } } });
    await server.app.webhooks.idle();
    const ex = json(await ok(['webhook', 'executions', 'clihooks', 'ci', '-o', 'json']));
    expect(ex).toEqual([expect.objectContaining({ id: t.execution_ids[0], status: 'Success' })]);
    expect((await ok(['webhook', 'executions', 'clihooks', 'ci'])).stdout).toMatch(/PUSH_ARTIFACT\s+Success/);
    expect((await ok(['webhook', 'executions', 'clihooks', 'ci', '--log', String(t.execution_ids[0])])).stdout).toMatch(/attempt 1\/4: POST .* -> HTTP 200/);

    await fails(['webhook', 'create', 'clihooks', 'x', '--event', 'NOPE', '--address', `${rx.url}/x`], 2, /unknown event type NOPE/);
    await fails(['webhook', 'create', 'clihooks', 'x', '--event', 'PUSH_ARTIFACT'], 2, /needs --address/);
    await fails(['webhook', 'get', 'clihooks', 'nope'], 3, /webhook policy nope not found/);
    await ok(['webhook', 'delete', 'clihooks', 'ci', '--yes']);
    await fails(['webhook', 'get', 'clihooks', String(created.id)], 3, /not found/);
    for (const o of outputs) expect(o).not.toContain('cli-webhook-secret');
  });
});
