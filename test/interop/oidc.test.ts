// OIDC users with the real clients (issue 17): a `harborctl serve` process in oidc_auth mode against a
// real OpenID Provider (oidc-provider on loopback); a user signs in once through the browser flow,
// then skopeo and podman log in with the user's CLI secret and get exactly what the user's OIDC
// group is given in a project, nothing in another; the provider password is no way in.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_AUTHORIZATION } from '../helpers/admin-auth.js';
import { useHarborctl } from '../helpers/interop.js';
import { CLIENT_ID, CLIENT_SECRET, HttpBrowser, startTestOp, type TestOp } from '../helpers/oidc-provider.js';

const env = useHarborctl({ auths: {} });
let op: TestOp;
const ivy = { user: 'ivy', secret: 'Ivy-cli-secret-1' };

async function asAdmin(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${env.reg.url}/api/v2.0${path}`, {
    method, body: body === undefined ? undefined : JSON.stringify(body), headers: { authorization: ADMIN_AUTHORIZATION, 'content-type': 'application/json' },
  });
  const text = await res.text();
  expect(res.status, text).toBeLessThan(300);
  return text ? JSON.parse(text) : undefined;
}

beforeAll(async () => {
  op = await startTestOp(() => [`${env.reg.url}/c/oidc/callback`]);
  await asAdmin('PUT', '/configurations', {
    auth_mode: 'oidc_auth', oidc_endpoint: op.issuer, oidc_client_id: CLIENT_ID, oidc_client_secret: CLIENT_SECRET,
    oidc_scope: 'openid,profile,offline_access', oidc_groups_claim: 'groups', oidc_auto_onboard: true, oidc_user_claim: 'preferred_username',
  });
  op.accounts.set('sub-ivy', { preferred_username: ivy.user, groups: ['builders'] });
  const signedIn = await new HttpBrowser().follow(`${env.reg.url}/c/oidc/login`, { login: 'sub-ivy', issuer: op.issuer, stop: (l) => l.endsWith('/c/oidc/signed-in') });
  expect(signedIn.status).toBe(302);
  const [user] = await asAdmin('GET', `/users?q=username=${ivy.user}`) as { user_id: number }[];
  await asAdmin('PUT', `/users/${user.user_id}/cli_secret`, { secret: ivy.secret });
  for (const p of ['builds', 'other']) await asAdmin('POST', '/projects', { project_name: p, metadata: { public: 'false' } });
  await asAdmin('POST', '/projects/builds/members', { role_id: 2, member_group: { group_name: 'builders', group_type: 3 } });
  await env.clients.skopeo(['copy', '--dest-tls-verify=false', '--dest-creds=admin:Harbor12345', `oci:${env.images.layout}:tiny`, `docker://${env.reg.host}/other/tiny:1`]);
}, 120_000);
afterAll(async () => { await op?.stop(); });

describe('an OIDC user with the real clients', () => {
  test('skopeo: the CLI secret pushes and pulls where the group develops, and nothing elsewhere', async () => {
    const creds = `${ivy.user}:${ivy.secret}`;
    await env.clients.skopeo(['copy', '--dest-tls-verify=false', `--dest-creds=${creds}`, `oci:${env.images.layout}:tiny`, `docker://${env.reg.host}/builds/tiny:1`]);
    const raw = await env.clients.skopeo(['inspect', '--raw', '--tls-verify=false', `--creds=${creds}`, `docker://${env.reg.host}/builds/tiny:1`]);
    expect(Buffer.from(raw.stdout, 'utf8').equals(env.images.tiny.manifest)).toBe(true);
    const other = await env.clients.skopeoRaw(['inspect', '--raw', '--tls-verify=false', `--creds=${creds}`, `docker://${env.reg.host}/other/tiny:1`]);
    expect(other.code).not.toBe(0);
  });

  test('podman login with the CLI secret, then pull; any other password is refused', async () => {
    await env.clients.podman(['login', '--tls-verify=false', '-u', ivy.user, '--password-stdin', env.reg.host], { input: ivy.secret });
    await env.clients.podman(['pull', '--tls-verify=false', `${env.reg.host}/builds/tiny:1`]);
    await env.clients.podman(['logout', env.reg.host]);
    const bad = await env.clients.podmanRaw(['login', '--tls-verify=false', '-u', ivy.user, '--password-stdin', env.reg.host], { input: 'Provider-passw0rd' });
    expect(bad.code).not.toBe(0);
  });
});
