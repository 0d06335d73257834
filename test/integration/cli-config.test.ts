// `harborctl config get|set` in-process against a real server (issue 17): the table and JSON share
// one set of data, values take the item's type, and the server's refusals reach the exit code.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { cli, cliChecks, cliEnv, json, type CliEnv } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let sandbox: CliEnv;
const { ok, fails } = cliChecks((args, stdin) => cli(sandbox.env, args, { stdin }));

beforeAll(async () => {
  server = await startTestServer({ logLevel: 'silent' });
  sandbox = await cliEnv({ HARBORCTL_DATA_DIR: server.dataDir });
});
afterAll(async () => {
  await server?.close();
  await sandbox?.cleanup();
});

test('config get shows every item as a table or Harbor\'s map; named items only when asked', async () => {
  expect((await ok(['config', 'get'])).stdout).toMatch(/^read_only\s+false\s+yes$/m);
  const all = json(await ok(['config', 'get', '-o', 'json']));
  expect(all.auth_mode).toEqual({ value: 'db_auth', editable: true });
  expect(json(await ok(['config', 'get', 'read_only', 'storage_per_project', '-o', 'json']))).toEqual({
    read_only: { value: false, editable: true }, storage_per_project: { value: -1, editable: true },
  });
  await fails(['config', 'get', 'nope'], 3, 'no configuration item nope (secrets are never shown)');
});

test('config set types each value as the item is typed; sizes for storage_per_project', async () => {
  expect(json(await ok(['config', 'set', 'storage_per_project=10GiB', 'robot_token_duration=90', 'project_creation_restriction=adminonly', '-o', 'json']))).toEqual({
    storage_per_project: { value: 10 * 2 ** 30, editable: true }, robot_token_duration: { value: 90, editable: true },
    project_creation_restriction: { value: 'adminonly', editable: true },
  });
  await fails(['config', 'set', 'read_only'], 2, 'expected NAME=VALUE, got "read_only"');
  await fails(['config', 'set', 'read_only=yes'], 2, 'read_only takes true or false');
  await fails(['config', 'set', 'bogus=1'], 2, /invalid config, item not defined: "bogus"/);
  await fails(['config', 'set', 'project_creation_restriction=nobody'], 2, /project_creation_restriction must be one of everyone, adminonly/);
  expect(json(await ok(['config', 'get', 'project_creation_restriction', '-o', 'json'])).project_creation_restriction.value).toBe('adminonly');
});

test('a secret is set but never printed back', async () => {
  const r = await ok(['config', 'set', 'ldap_search_password=Cli-secret-42', '-o', 'json']);
  expect(json(r)).toEqual({});
  expect((await ok(['config', 'get', '-o', 'json'])).stdout).not.toContain('Cli-secret-42');
  await fails(['config', 'get', 'ldap_search_password'], 3, 'no configuration item ldap_search_password (secrets are never shown)');
});

test('the audit log items through config set: types checked by the server, refusals with their reason', async () => {
  expect(json(await ok(['config', 'set', 'disabled_audit_log_event_types=pull_artifact,login_user', '-o', 'json']))).toEqual({
    disabled_audit_log_event_types: { value: 'pull_artifact,login_user', editable: true },
  });
  await fails(['config', 'set', 'disabled_audit_log_event_types=eat_cake'], 2, /unknown event type "eat_cake"/);
  await fails(['config', 'set', 'audit_log_forward_endpoint=syslog.example'], 2, /audit_log_forward_endpoint must be HOST:PORT/);
  await fails(['config', 'set', 'skip_audit_log_database=true'], 2, /audit log forward endpoint should be configured before enable skip audit log in database/);
  expect(json(await ok(['config', 'get', 'skip_audit_log_database', '-o', 'json']))).toEqual({ skip_audit_log_database: { value: false, editable: true } });
});
