// Harbor's auth with the real clients (issue 3 "done when"): `podman login` then pull/push and
// `skopeo --creds` work on a private project where the user has a role, the same clients are
// refused on a project where it has none, and anonymous pulls work only on public projects.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_AUTHORIZATION } from '../helpers/admin-auth.js';
import { ContainerClients } from '../helpers/clients.js';
import { buildTestImages, type TestImages } from '../helpers/images.js';
import { startHarborctl, type RegistryProcess } from '../helpers/registry-process.js';

let images: TestImages;
let reg: RegistryProcess;
/** Clients with an empty auth file: every credential comes from the command line or `podman login`. */
let clients: ContainerClients;
const alice = { username: 'alice', password: 'Alice12345' };

async function asAdmin(method: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${reg.url}/api/v2.0${path}`, {
    method, body: JSON.stringify(body), headers: { authorization: ADMIN_AUTHORIZATION, 'content-type': 'application/json' },
  });
  expect(res.status, await res.text()).toBe(201);
}

beforeAll(async () => {
  images = await buildTestImages();
  reg = await startHarborctl();
  clients = await ContainerClients.create([reg.host], {});
  await asAdmin('POST', '/users', { username: alice.username, password: alice.password, email: 'alice@example.com' });
  await asAdmin('POST', '/projects', { project_name: 'team', metadata: { public: 'false' } });
  await asAdmin('POST', '/projects', { project_name: 'secret', metadata: { public: 'false' } });
  await asAdmin('POST', '/projects/team/members', { role_id: 2, member_user: { username: 'alice' } });
  // Something to pull in every project, pushed by the admin.
  const admin = `--dest-creds=admin:${'Harbor12345'}`;
  for (const repo of ['library/tiny:1', 'secret/tiny:1']) {
    await clients.skopeo(['copy', '--dest-tls-verify=false', admin, `oci:${images.layout}:tiny`, `docker://${reg.host}/${repo}`]);
  }
});
afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') console.error(`harborctl log (last 40 lines):\n${reg.logs.slice(-40).join('\n')}`);
});
afterAll(async () => {
  const exit = await reg?.stop();
  await clients?.dispose();
  await images?.dispose();
  expect(exit, 'harborctl exits 0 on SIGTERM').toEqual({ code: 0, signal: null });
});

describe('skopeo', () => {
  test('--creds of a developer pushes to and pulls from its private project', async () => {
    await clients.skopeo(['copy', '--dest-tls-verify=false', `--dest-creds=${alice.username}:${alice.password}`, `oci:${images.layout}:tiny`, `docker://${reg.host}/team/tiny:1`]);
    const raw = await clients.skopeo(['inspect', '--raw', '--tls-verify=false', `--creds=${alice.username}:${alice.password}`, `docker://${reg.host}/team/tiny:1`]);
    expect(Buffer.from(raw.stdout, 'utf8').equals(images.tiny.manifest)).toBe(true);
  });

  test('the same credentials are refused on a project where the user has no role', async () => {
    const pull = await clients.skopeoRaw(['inspect', '--raw', '--tls-verify=false', `--creds=${alice.username}:${alice.password}`, `docker://${reg.host}/secret/tiny:1`]);
    expect(pull.code).not.toBe(0);
    expect(pull.stderr).toMatch(/unauthorized|denied|authentication required/i);
    const push = await clients.skopeoRaw(['copy', '--dest-tls-verify=false', `--dest-creds=${alice.username}:${alice.password}`, `oci:${images.layout}:tiny`, `docker://${reg.host}/secret/mine:1`]);
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/unauthorized|denied|authentication required/i);
  });

  test('a wrong password is refused', async () => {
    const r = await clients.skopeoRaw(['inspect', '--raw', '--tls-verify=false', `--creds=${alice.username}:wrong`, `docker://${reg.host}/team/tiny:1`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unauthorized|authentication required|invalid username or password/i);
  });

  test('anonymous: pull from the public project only, never a push', async () => {
    const pub = await clients.skopeo(['inspect', '--raw', '--tls-verify=false', '--no-creds', `docker://${reg.host}/library/tiny:1`]);
    expect(Buffer.from(pub.stdout, 'utf8').equals(images.tiny.manifest)).toBe(true);
    const priv = await clients.skopeoRaw(['inspect', '--raw', '--tls-verify=false', '--no-creds', `docker://${reg.host}/team/tiny:1`]);
    expect(priv.code).not.toBe(0);
    const push = await clients.skopeoRaw(['copy', '--dest-tls-verify=false', '--dest-no-creds', `oci:${images.layout}:tiny`, `docker://${reg.host}/library/anon:1`]);
    expect(push.code).not.toBe(0);
  });
});

describe('podman', () => {
  test('login, then pull from the private project; the project without a role is refused', async () => {
    const login = await clients.podman(['login', '--tls-verify=false', '-u', alice.username, '--password-stdin', reg.host], { input: alice.password });
    expect(login.stdout).toMatch(/Login Succeeded/i);
    await clients.podman(['pull', '--tls-verify=false', `${reg.host}/team/tiny:1`]);
    const denied = await clients.podmanRaw(['pull', '--tls-verify=false', `${reg.host}/secret/tiny:1`]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/unauthorized|denied|authentication required/i);
  });

  test('push as the logged-in developer to its project', async () => {
    await clients.podman(['tag', `${reg.host}/team/tiny:1`, `${reg.host}/team/podman-pushed:1`]);
    await clients.podman(['push', '--tls-verify=false', `${reg.host}/team/podman-pushed:1`]);
    const raw = await clients.skopeo(['inspect', '--tls-verify=false', `--creds=${alice.username}:${alice.password}`, `docker://${reg.host}/team/podman-pushed:1`]);
    expect(JSON.parse(raw.stdout).Name).toBe(`${reg.host}/team/podman-pushed`);
  });

  test('a wrong password does not log in', async () => {
    const r = await clients.podmanRaw(['login', '--tls-verify=false', '-u', alice.username, '--password-stdin', reg.host], { input: 'wrong' });
    expect(r.code).not.toBe(0);
  });
});
