// Harbor's auth with the real clients (issue 3 "done when"): `podman login` then pull/push and
// `skopeo --creds` work on a private project where the user has a role, the same clients are
// refused on a project where it has none, and anonymous pulls work only on public projects.
import { beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_AUTHORIZATION } from '../helpers/admin-auth.js';
import { useHarborctl } from '../helpers/interop.js';

const env = useHarborctl({ auths: {} });

/** Clients with an empty auth file: every credential comes from the command line or `podman login`. */
const alice = { username: 'alice', password: 'Alice12345' };

async function asAdmin(method: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${env.reg.url}/api/v2.0${path}`, {
    method, body: JSON.stringify(body), headers: { authorization: ADMIN_AUTHORIZATION, 'content-type': 'application/json' },
  });
  expect(res.status, await res.text()).toBe(201);
}

beforeAll(async () => {
  await asAdmin('POST', '/users', { username: alice.username, password: alice.password, email: 'alice@example.com' });
  await asAdmin('POST', '/projects', { project_name: 'team', metadata: { public: 'false' } });
  await asAdmin('POST', '/projects', { project_name: 'secret', metadata: { public: 'false' } });
  await asAdmin('POST', '/projects/team/members', { role_id: 2, member_user: { username: 'alice' } });
  // Something to pull in every project, pushed by the admin.
  const admin = `--dest-creds=admin:${'Harbor12345'}`;
  for (const repo of ['library/tiny:1', 'secret/tiny:1']) {
    await env.clients.skopeo(['copy', '--dest-tls-verify=false', admin, `oci:${env.images.layout}:tiny`, `docker://${env.reg.host}/${repo}`]);
  }
});

describe('skopeo', () => {
  test('--creds of a developer pushes to and pulls from its private project', async () => {
    await env.clients.skopeo(['copy', '--dest-tls-verify=false', `--dest-creds=${alice.username}:${alice.password}`, `oci:${env.images.layout}:tiny`, `docker://${env.reg.host}/team/tiny:1`]);
    const raw = await env.clients.skopeo(['inspect', '--raw', '--tls-verify=false', `--creds=${alice.username}:${alice.password}`, `docker://${env.reg.host}/team/tiny:1`]);
    expect(Buffer.from(raw.stdout, 'utf8').equals(env.images.tiny.manifest)).toBe(true);
  });

  test('the same credentials are refused on a project where the user has no role', async () => {
    const pull = await env.clients.skopeoRaw(['inspect', '--raw', '--tls-verify=false', `--creds=${alice.username}:${alice.password}`, `docker://${env.reg.host}/secret/tiny:1`]);
    expect(pull.code).not.toBe(0);
    expect(pull.stderr).toMatch(/unauthorized|denied|authentication required/i);
    const push = await env.clients.skopeoRaw(['copy', '--dest-tls-verify=false', `--dest-creds=${alice.username}:${alice.password}`, `oci:${env.images.layout}:tiny`, `docker://${env.reg.host}/secret/mine:1`]);
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/unauthorized|denied|authentication required/i);
  });

  test('a wrong password is refused', async () => {
    const r = await env.clients.skopeoRaw(['inspect', '--raw', '--tls-verify=false', `--creds=${alice.username}:wrong`, `docker://${env.reg.host}/team/tiny:1`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unauthorized|authentication required|invalid username or password/i);
  });

  test('anonymous: pull from the public project only, never a push', async () => {
    const pub = await env.clients.skopeo(['inspect', '--raw', '--tls-verify=false', '--no-creds', `docker://${env.reg.host}/library/tiny:1`]);
    expect(Buffer.from(pub.stdout, 'utf8').equals(env.images.tiny.manifest)).toBe(true);
    const priv = await env.clients.skopeoRaw(['inspect', '--raw', '--tls-verify=false', '--no-creds', `docker://${env.reg.host}/team/tiny:1`]);
    expect(priv.code).not.toBe(0);
    const push = await env.clients.skopeoRaw(['copy', '--dest-tls-verify=false', '--dest-no-creds', `oci:${env.images.layout}:tiny`, `docker://${env.reg.host}/library/anon:1`]);
    expect(push.code).not.toBe(0);
  });
});

describe('podman', () => {
  test('login, then pull from the private project; the project without a role is refused', async () => {
    const login = await env.clients.podman(['login', '--tls-verify=false', '-u', alice.username, '--password-stdin', env.reg.host], { input: alice.password });
    expect(login.stdout).toMatch(/Login Succeeded/i);
    await env.clients.podman(['pull', '--tls-verify=false', `${env.reg.host}/team/tiny:1`]);
    const denied = await env.clients.podmanRaw(['pull', '--tls-verify=false', `${env.reg.host}/secret/tiny:1`]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/unauthorized|denied|authentication required/i);
  });

  test('push as the logged-in developer to its project', async () => {
    await env.clients.podman(['tag', `${env.reg.host}/team/tiny:1`, `${env.reg.host}/team/podman-pushed:1`]);
    await env.clients.podman(['push', '--tls-verify=false', `${env.reg.host}/team/podman-pushed:1`]);
    const raw = await env.clients.skopeo(['inspect', '--tls-verify=false', `--creds=${alice.username}:${alice.password}`, `docker://${env.reg.host}/team/podman-pushed:1`]);
    expect(JSON.parse(raw.stdout).Name).toBe(`${env.reg.host}/team/podman-pushed`);
  });

  test('a wrong password does not log in', async () => {
    const r = await env.clients.podmanRaw(['login', '--tls-verify=false', '-u', alice.username, '--password-stdin', env.reg.host], { input: 'wrong' });
    expect(r.code).not.toBe(0);
  });
});
