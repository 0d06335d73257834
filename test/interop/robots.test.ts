// Robot accounts and quotas with the real clients (issue 4 "done when"): skopeo and podman log in as
// robots (`robot$<project>+<name>:SECRET`) and push/pull within the robot's permissions only; a
// push over a project's storage quota fails with Harbor's message.
import { beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_AUTHORIZATION } from '../helpers/admin-auth.js';
import { useHarborctl } from '../helpers/interop.js';

const env = useHarborctl({ auths: {} });

async function asAdmin(method: string, path: string, body: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${env.reg.url}/api/v2.0${path}`, {
    method, body: JSON.stringify(body), headers: { authorization: ADMIN_AUTHORIZATION, 'content-type': 'application/json' },
  });
  const text = await res.text();
  expect(res.status, text).toBeLessThan(300);
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function projectRobot(project: string, name: string, actions: string[]): Promise<{ id: number; creds: string; user: string; secret: string }> {
  const r = await asAdmin('POST', '/robots', {
    name, level: 'project', duration: -1,
    permissions: [{ kind: 'project', namespace: project, access: actions.map((action) => ({ resource: 'repository', action })) }],
  });
  return { id: r.body.id, user: r.body.name, secret: r.body.secret, creds: `${r.body.name}:${r.body.secret}` };
}

let puller: Awaited<ReturnType<typeof projectRobot>>;
let pusher: Awaited<ReturnType<typeof projectRobot>>;

beforeAll(async () => {
  await asAdmin('POST', '/projects', { project_name: 'proj', metadata: { public: 'false' } });
  await asAdmin('POST', '/projects', { project_name: 'other', metadata: { public: 'false' } });
  await asAdmin('POST', '/projects', { project_name: 'tight', metadata: { public: 'false' }, storage_limit: 64 });
  const admin = `--dest-creds=admin:${'Harbor12345'}`;
  for (const repo of ['proj/tiny:1', 'other/tiny:1']) {
    await env.clients.skopeo(['copy', '--dest-tls-verify=false', admin, `oci:${env.images.layout}:tiny`, `docker://${env.reg.host}/${repo}`]);
  }
  puller = await projectRobot('proj', 'puller', ['pull']);
  pusher = await projectRobot('proj', 'pusher', ['pull', 'push']);
});

describe('skopeo as a robot', () => {
  test('robot$proj+pusher pushes and pulls in its project', async () => {
    expect(pusher.user).toBe('robot$proj+pusher');
    await env.clients.skopeo(['copy', '--dest-tls-verify=false', `--dest-creds=${pusher.creds}`, `oci:${env.images.layout}:tiny`, `docker://${env.reg.host}/proj/by-robot:1`]);
    const raw = await env.clients.skopeo(['inspect', '--raw', '--tls-verify=false', `--creds=${pusher.creds}`, `docker://${env.reg.host}/proj/by-robot:1`]);
    expect(Buffer.from(raw.stdout, 'utf8').equals(env.images.tiny.manifest)).toBe(true);
  });

  test('robot$proj+pusher is refused in another project', async () => {
    const pull = await env.clients.skopeoRaw(['inspect', '--raw', '--tls-verify=false', `--creds=${pusher.creds}`, `docker://${env.reg.host}/other/tiny:1`]);
    expect(pull.code).not.toBe(0);
    expect(pull.stderr).toMatch(/unauthorized|denied|authentication required/i);
    const push = await env.clients.skopeoRaw(['copy', '--dest-tls-verify=false', `--dest-creds=${pusher.creds}`, `oci:${env.images.layout}:tiny`, `docker://${env.reg.host}/other/mine:1`]);
    expect(push.code).not.toBe(0);
  });

  test('a pull-only robot pulls but cannot push', async () => {
    const raw = await env.clients.skopeo(['inspect', '--raw', '--tls-verify=false', `--creds=${puller.creds}`, `docker://${env.reg.host}/proj/tiny:1`]);
    expect(Buffer.from(raw.stdout, 'utf8').equals(env.images.tiny.manifest)).toBe(true);
    const push = await env.clients.skopeoRaw(['copy', '--dest-tls-verify=false', `--dest-creds=${puller.creds}`, `oci:${env.images.layout}:tiny`, `docker://${env.reg.host}/proj/nope:1`]);
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/unauthorized|denied|authentication required/i);
  });

  test('after a refresh the old secret is refused and the new one works', async () => {
    const r = await projectRobot('proj', 'rotated', ['pull']);
    const fresh = (await asAdmin('PATCH', `/robots/${r.id}`, { secret: '' })).body.secret as string;
    const old = await env.clients.skopeoRaw(['inspect', '--raw', '--tls-verify=false', `--creds=${r.creds}`, `docker://${env.reg.host}/proj/tiny:1`]);
    expect(old.code).not.toBe(0);
    await env.clients.skopeo(['inspect', '--raw', '--tls-verify=false', `--creds=${r.user}:${fresh}`, `docker://${env.reg.host}/proj/tiny:1`]);
  });

  test('a push over the project quota fails with Harbor\'s quota message', async () => {
    const r = await env.clients.skopeoRaw(['copy', '--dest-tls-verify=false', '--dest-creds=admin:Harbor12345', `oci:${env.images.layout}:tiny`, `docker://${env.reg.host}/tight/tiny:1`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/denied|quota exceeded/i);
    const q = await fetch(`${env.reg.url}/api/v2.0/quotas?reference=project&reference_id=${(await (await fetch(`${env.reg.url}/api/v2.0/projects/tight`, { headers: { authorization: ADMIN_AUTHORIZATION } })).json() as { project_id: number }).project_id}`, { headers: { authorization: ADMIN_AUTHORIZATION } });
    const [quota] = await q.json() as { hard: { storage: number }; used: { storage: number } }[];
    expect(quota.hard.storage).toBe(64);
    expect(quota.used.storage).toBeLessThanOrEqual(64);
  });
});

describe('podman as a robot', () => {
  test('login as robot$proj+pusher, pull and push in its project; another project is refused', async () => {
    const login = await env.clients.podman(['login', '--tls-verify=false', '-u', pusher.user, '--password-stdin', env.reg.host], { input: pusher.secret });
    expect(login.stdout).toMatch(/Login Succeeded/i);
    await env.clients.podman(['pull', '--tls-verify=false', `${env.reg.host}/proj/tiny:1`]);
    await env.clients.podman(['tag', `${env.reg.host}/proj/tiny:1`, `${env.reg.host}/proj/podman-robot:1`]);
    await env.clients.podman(['push', '--tls-verify=false', `${env.reg.host}/proj/podman-robot:1`]);
    const denied = await env.clients.podmanRaw(['pull', '--tls-verify=false', `${env.reg.host}/other/tiny:1`]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/unauthorized|denied|authentication required/i);
  });
});
