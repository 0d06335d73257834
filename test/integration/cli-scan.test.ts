// `scanner` and `scan` commands in-process against our real server and the spec scanner adapter:
// register (credential only from stdin, never printed), list, default, scan --wait with its
// summary, and the usage / not-found / failed-scan exit codes.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { admin, basicHeader, pushImageWith } from '../helpers/api.js';
import { cli, cliChecks, cliEnv, json, type CliEnv, type CliResult } from '../helpers/cli.js';
import { startScannerAdapter, type ScannerAdapter } from '../helpers/scanner-adapter.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let adapter: ScannerAdapter;
let sandbox: CliEnv;
const outputs: string[] = [];
const h = async (args: string[], stdin?: string): Promise<CliResult> => {
  const r = await cli(sandbox.env, args, { stdin });
  outputs.push(r.stdout, r.stderr);
  return r;
};
const { ok, fails } = cliChecks(h);

beforeAll(async () => {
  adapter = await startScannerAdapter({ requireAuthorization: 'Bearer cli-scanner-token-7' });
  server = await startTestServer({ logLevel: 'silent' });
  sandbox = await cliEnv({ HARBORCTL_DATA_DIR: server.dataDir });
  expect(await pushImageWith(server.url, 'library/scanme', 'v1', basicHeader(admin))).toMatchObject({ ok: true });
});
afterAll(async () => {
  await server?.close();
  await adapter?.close();
  await sandbox?.cleanup();
});

test('scanner create, list, default and delete; scan --wait shows the report\'s summary', async () => {
  // The built-in SBOM generator is the default: a vulnerability scan is refused (412 → exit 1).
  await fails(['scan', 'library/scanme:v1'], 1, /no available scanner/);
  const created = json(await ok(['scanner', 'create', 'trivy', adapter.url, '--auth', 'Bearer', '--credential-stdin', '--default', '-o', 'json'], 'cli-scanner-token-7\n'));
  expect(created).toMatchObject({ name: 'trivy', url: adapter.url, is_default: true, auth: 'Bearer', access_credential: '*****' });
  expect((await ok(['scanner', 'list'])).stdout).toMatch(/trivy\s+\S+\s+http:\/\/127\.0\.0\.1:\d+\s+yes/);
  expect(json(await ok(['scanner', 'list', '-o', 'json'])).map((r: { name: string }) => r.name)).toEqual(['harborctl', 'trivy']);

  const scanned = json(await ok(['scan', 'library/scanme:v1', '--wait', '-o', 'json']));
  expect(scanned).toMatchObject({ artifact: expect.stringContaining('library/scanme:v1'), scan_overview: { scan_status: 'Success', severity: 'Critical', summary: { total: 2, fixable: 1 } } });
  expect((await ok(['scan', 'library/scanme:v1', '--wait'])).stdout).toMatch(/VULNERABILITIES\s+2/);

  await ok(['scanner', 'default', 'harborctl']);
  expect(json(await ok(['scanner', 'list', '-o', 'json'])).find((r: { name: string }) => r.name === 'trivy').is_default).toBe(false);
  await fails(['scanner', 'delete', 'harborctl', '--yes'], 5, /immutable/);
  expect(json(await ok(['scanner', 'delete', 'trivy', '--yes', '-o', 'json']))).toMatchObject({ kind: 'scanner', name: 'trivy', deleted: true });
  await fails(['scanner', 'default', 'trivy'], 3, 'scanner trivy not found');
  for (const o of outputs) expect(o).not.toContain('cli-scanner-token-7');
});

test('bad flags are usage errors before any call', async () => {
  await fails(['scanner', 'create', 'x', 'http://x', '--auth', 'Digest', '--credential-stdin'], 2, /--auth must be one of/, 'c\n');
  await fails(['scanner', 'create', 'x', 'http://x', '--auth', 'Bearer'], 2, /go together/);
  await fails(['scan', 'library/scanme:v1', '--timeout', '5s'], 2, /--timeout goes with --wait/);
  await fails(['scan', 'library/scanme'], 2, /./);
});
