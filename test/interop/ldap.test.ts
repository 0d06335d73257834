// LDAP users with the real clients (issue 17): a `harborctl serve` process in ldap_auth mode against
// a real slapd; skopeo and podman log in with a directory user's password and get exactly what that
// user's LDAP group is given in a project, nothing in another, and a user in no group gets nothing.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_AUTHORIZATION } from '../helpers/admin-auth.js';
import { useHarborctl } from '../helpers/interop.js';
import { BASE_DN, loadDirectory, startSlapd, type Slapd } from '../helpers/slapd.js';

const env = useHarborctl({ auths: {} });
let slapd: Slapd;
const bob = { user: 'bob', password: 'Bob-pass-1' };
const carol = { user: 'carol', password: 'Carol-pass-1' };

async function asAdmin(method: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${env.reg.url}/api/v2.0${path}`, {
    method, body: JSON.stringify(body), headers: { authorization: ADMIN_AUTHORIZATION, 'content-type': 'application/json' },
  });
  expect(res.status, await res.text()).toBeLessThan(300);
}

beforeAll(async () => {
  slapd = await startSlapd();
  await loadDirectory(slapd.url, [
    { uid: 'bob', cn: 'Bob', mail: 'bob@example.org', password: bob.password },
    { uid: 'carol', cn: 'Carol', mail: 'carol@example.org', password: carol.password },
  ], [{ cn: 'devs', members: ['bob'] }]);
  await asAdmin('PUT', '/configurations', {
    auth_mode: 'ldap_auth', ldap_url: slapd.url, ldap_search_dn: `cn=harbor,ou=service,${BASE_DN}`, ldap_search_password: 'Search-pass-1',
    ldap_base_dn: `ou=people,${BASE_DN}`, ldap_uid: 'uid', ldap_group_base_dn: `ou=groups,${BASE_DN}`, ldap_group_search_filter: '(objectClass=groupOfNames)',
  });
  for (const p of ['team', 'other']) await asAdmin('POST', '/projects', { project_name: p, metadata: { public: 'false' } });
  await asAdmin('POST', '/projects/team/members', { role_id: 2, member_group: { ldap_group_dn: `cn=devs,ou=groups,${BASE_DN}` } });
  await env.clients.skopeo(['copy', '--dest-tls-verify=false', '--dest-creds=admin:Harbor12345', `oci:${env.images.layout}:tiny`, `docker://${env.reg.host}/other/tiny:1`]);
}, 120_000);
afterAll(async () => { await slapd?.stop(); });

describe('an LDAP user with the real clients', () => {
  test('skopeo: bob pushes and pulls in the project his group develops in, and is refused in another', async () => {
    const creds = `--dest-creds=${bob.user}:${bob.password}`;
    await env.clients.skopeo(['copy', '--dest-tls-verify=false', creds, `oci:${env.images.layout}:tiny`, `docker://${env.reg.host}/team/tiny:1`]);
    const raw = await env.clients.skopeo(['inspect', '--raw', '--tls-verify=false', `--creds=${bob.user}:${bob.password}`, `docker://${env.reg.host}/team/tiny:1`]);
    expect(Buffer.from(raw.stdout, 'utf8').equals(env.images.tiny.manifest)).toBe(true);
    const other = await env.clients.skopeoRaw(['inspect', '--raw', '--tls-verify=false', `--creds=${bob.user}:${bob.password}`, `docker://${env.reg.host}/other/tiny:1`]);
    expect(other.code).not.toBe(0);
    const wrong = await env.clients.skopeoRaw(['inspect', '--raw', '--tls-verify=false', `--creds=${bob.user}:Wrong-pass-1`, `docker://${env.reg.host}/team/tiny:1`]);
    expect(wrong.code).not.toBe(0);
  });

  test('podman: bob logs in with his directory password and pulls; carol (no group) logs in but may not pull', async () => {
    await env.clients.podman(['login', '--tls-verify=false', '-u', bob.user, '--password-stdin', env.reg.host], { input: bob.password });
    await env.clients.podman(['pull', '--tls-verify=false', `${env.reg.host}/team/tiny:1`]);
    await env.clients.podman(['logout', env.reg.host]);
    await env.clients.podman(['login', '--tls-verify=false', '-u', carol.user, '--password-stdin', env.reg.host], { input: carol.password });
    const pull = await env.clients.podmanRaw(['pull', '--tls-verify=false', `${env.reg.host}/team/tiny:1`]);
    expect(pull.code).not.toBe(0);
    expect(pull.stderr).toMatch(/unauthorized|denied|authentication required/i);
    const bad = await env.clients.podmanRaw(['login', '--tls-verify=false', '-u', carol.user, '--password-stdin', env.reg.host], { input: 'Wrong-pass-1' });
    expect(bad.code).not.toBe(0);
  });
});
