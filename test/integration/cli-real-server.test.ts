// The CLI in-process (run() with captured streams) against our real server on port 0: paging through
// more than one page of 100, names and numeric ids, nested repository names, and the first-run context.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { HarborClient } from '../../src/client/http.js';
import { cli, cliEnv, json, type CliEnv, type CliResult } from '../helpers/cli.js';
import { pushTinyImage } from '../helpers/push.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let sandbox: CliEnv;
const h = (args: string[], stdin?: string): Promise<CliResult> => cli(sandbox.env, args, { stdin });

beforeAll(async () => {
  server = await startTestServer({ adminPassword: 'Harbor12345', logLevel: 'silent' });
  sandbox = await cliEnv({ HARBORCTL_DATA_DIR: server.dataDir });
});
afterAll(async () => { await server?.close(); await sandbox?.cleanup(); });

test('--page-size 0 walks every page of 100; --page/--page-size pick one', async () => {
  const c = new HarborClient({ server: server.url, username: 'admin', password: 'Harbor12345' });
  try {
    for (let i = 0; i < 120; i += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, j) => c.request('POST', '/projects', { body: { project_name: `p-${String(i + j).padStart(3, '0')}` } })));
    }
  } finally { await c.close(); }
  const all = json(await h(['project', 'list', '--name', 'p-', '--page-size', '0', '-o', 'json']));
  expect(all).toHaveLength(120);
  expect(new Set(all.map((p: { name: string }) => p.name)).size).toBe(120);
  const page = json(await h(['project', 'list', '--name', 'p-', '--page', '2', '--page-size', '50', '-o', 'json']));
  expect(page).toHaveLength(50);
  const t = await h(['project', 'list', '--name', 'p-']);
  expect(t.stderr).toBe('showing 10 of 120: use --page 2 or --page-size 0 for all\n');
});

test('names and numeric ids for projects, users and members', async () => {
  const p = json(await h(['project', 'create', 'ids', '-o', 'json']));
  expect(json(await h(['project', 'get', String(p.project_id), '-o', 'json'])).name).toBe('ids');
  const u = json(await h(['user', 'create', 'iduser', '--password-stdin', '-o', 'json'], 'Idu123456'));
  const m = json(await h(['member', 'add', String(p.project_id), 'iduser', '--role', 'guest', '-o', 'json']));
  expect(json(await h(['member', 'update', 'ids', String(m.id), '--role', 'limited-guest', '-o', 'json'])).role_id).toBe(5);
  expect(json(await h(['member', 'remove', String(p.project_id), 'iduser', '--yes', '-o', 'json'])).deleted).toBe(true);
  expect(json(await h(['user', 'delete', String(u.user_id), '--yes', '-o', 'json']))).toEqual({ kind: 'user', name: 'iduser', id: u.user_id, deleted: true });
  expect(json(await h(['project', 'delete', String(p.project_id), '--yes', '-o', 'json'])).deleted).toBe(true);
  const gone = await h(['project', 'get', String(p.project_id)]);
  expect([gone.code, gone.stderr]).toEqual([3, `harborctl: project ${p.project_id} not found\n`]);
});

test('a nested repository name survives the double encoding, in a table and in YAML', async () => {
  await pushTinyImage(server.url, 'library/a/b/c', 'v1', { user: 'admin', password: 'Harbor12345' });
  const t = await h(['artifact', 'list', 'library/a/b/c']);
  expect(t.code).toBe(0);
  expect(t.stdout).toMatch(/^DIGEST\s+TAGS\s+TYPE\s+SIZE\s+PUSHED\nsha256:[0-9a-f]{12}\s+v1\s/);
  const y = await h(['artifact', 'get', 'library/a/b/c:v1', '-o', 'yaml']);
  expect(y.stdout).toMatch(/^id: \d+\n/m);
  expect(y.stdout).toContain('repository_name: library/a/b/c');
  expect(json(await h(['repo', 'delete', 'library/a/b/c', '--yes', '-o', 'json']))).toEqual({ kind: 'repository', name: 'library/a/b/c', deleted: true });
});

test('member add --group: an OIDC or HTTP group by name, an LDAP group by DN; listed as groups; bad input is a usage error', async () => {
  expect((await h(['project', 'create', 'grp-proj'])).code).toBe(0);
  const c = new HarborClient({ server: server.url, username: 'admin', password: 'Harbor12345' });
  try {
    await c.request('POST', '/usergroups', { body: { group_name: 'platform', group_type: 3 } });
    await c.request('POST', '/usergroups', { body: { group_name: 'proxied', group_type: 2 } });
  } finally { await c.close(); }
  const m = json(await h(['member', 'add', 'grp-proj', 'platform', '--group', 'oidc', '--role', 'maintainer', '-o', 'json']));
  expect(m).toMatchObject({ entity_name: 'platform', entity_type: 'g', role_id: 4 });
  expect(json(await h(['member', 'add', 'grp-proj', 'proxied', '--group', 'http', '-o', 'json']))).toMatchObject({ entity_name: 'proxied', entity_type: 'g', role_id: 2 });
  const t = await h(['member', 'list', 'grp-proj']);
  expect(t.stdout).toMatch(/\bplatform\s+group\s+maintainer\n/);
  // The server's refusal, as it says it: no such group.
  const none = await h(['member', 'add', 'grp-proj', 'nobody', '--group', 'oidc']);
  expect(none.code).not.toBe(0);
  expect(none.stderr).toMatch(/^harborctl: .*nobody.*\n$/);
  // With no LDAP configured, a DN is refused by the server; a DN that is no DN is refused before asking.
  const ldap = await h(['member', 'add', 'grp-proj', 'cn=devs,ou=groups,dc=example,dc=org', '--group', 'ldap']);
  expect(ldap.code).not.toBe(0);
  for (const [args, line] of [
    [['platform', '--group', 'oidcx'], 'invalid --group "oidcx": oidc, ldap or http'],
    [['devs', '--group', 'ldap'], 'with --group ldap the member is the group\'s DN (cn=devs,ou=groups,dc=example,dc=org), not "devs"'],
  ] as const) {
    const r = await h(['member', 'add', 'grp-proj', ...args]);
    expect([r.code, r.stderr]).toEqual([2, `harborctl: ${line}\n`]);
  }
});
