// The docker-hub replication adapter against the Docker Hub stand-in (test/helpers/standins/
// docker-hub.ts), which fronts a real docker-registry: login to the Hub API, namespaces,
// repositories and tags through it, organizations created before a push, /v2/ reads with the token
// service's per-namespace scopes, and refusals: a wrong password, hostile Hub API replies.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dockerHubAdapter } from '../../src/services/replication/adapters/docker-hub.js';
import { UpstreamClient, type UpstreamEndpoint } from '../../src/services/upstream.js';
import { pushTinyImage } from '../helpers/push.js';
import { upstreamError } from '../helpers/standins/common.js';
import { startDockerHubStandin, type DockerHubStandin } from '../helpers/standins/docker-hub.js';

let hub: DockerHubStandin;
const PASSWORD = 'dckr_pat_alice-secret-1';
const endpoint = (over: Partial<UpstreamEndpoint> = {}): UpstreamEndpoint => ({
  type: 'docker-hub', url: hub.url, insecure: false, ca: null, username: 'alice', password: PASSWORD, ...over,
});

beforeAll(async () => {
  hub = await startDockerHubStandin();
  hub.addUser('alice', PASSWORD);
  hub.addUser('bob', 'bob-secret');
  await pushTinyImage(hub.url, 'alice/app', '1', { user: 'alice', password: PASSWORD });
  await pushTinyImage(hub.url, 'alice/app', '2', { user: 'alice', password: PASSWORD });
  await pushTinyImage(hub.url, 'alice/tool', 'latest', { user: 'alice', password: PASSWORD });
  await pushTinyImage(hub.url, 'bob/private', '1', { user: 'bob', password: 'bob-secret' });
});

afterAll(async () => {
  await hub?.close();
});

describe('docker-hub adapter against the Docker Hub stand-in', () => {
  test("info is Harbor's docker-hub adapter info; /v2/ is the endpoint itself (registry-1.docker.io for the Hub's web address)", async () => {
    const a = dockerHubAdapter(endpoint());
    expect(a.info).toMatchObject({ type: 'docker-hub', supported_triggers: ['manual', 'scheduled'] });
    expect(a.v2Base()).toBe(hub.url);
    expect(dockerHubAdapter(endpoint({ url: 'https://hub.docker.com' })).v2Base()).toBe('https://registry-1.docker.io');
    expect(await a.auth()).toEqual({ kind: 'basic', username: 'alice', password: PASSWORD });
    await a.close?.();
  });

  test('health check logs in to the Hub API and answers the registry token dance', async () => {
    const a = dockerHubAdapter(endpoint());
    await a.healthCheck();
    expect(hub.requests.some((r) => r === 'POST /v2/auth/token')).toBe(true);
    await a.close?.();
  });

  test("lists the account's repositories and tags through the Hub API (never the closed catalog)", async () => {
    const a = dockerHubAdapter(endpoint());
    const before = hub.requests.length;
    expect((await a.listRepositories()).sort()).toEqual(['alice/app', 'alice/tool']);
    expect((await a.listTags('alice/app')).sort()).toEqual(['1', '2']);
    expect(hub.requests.slice(before).some((r) => r.includes('_catalog'))).toBe(false);
    await a.close?.();
  });

  test('follows the Hub API page by page when the service gives fewer per page than asked', async () => {
    const a = dockerHubAdapter(endpoint());
    hub.pageCap = 1;
    try {
      expect((await a.listRepositories()).sort()).toEqual(['alice/app', 'alice/tool']);
      expect((await a.listTags('alice/app')).sort()).toEqual(['1', '2']);
      expect(hub.requests.filter((r) => r.startsWith('GET /v2/repositories/alice/app/tags/?page=2'))).toHaveLength(1);
    } finally {
      hub.pageCap = 100;
      await a.close?.();
    }
  });

  test("the adapter's auth pulls a manifest through the token service; another account's namespace stays closed", async () => {
    const a = dockerHubAdapter(endpoint());
    const client = new UpstreamClient(endpoint(), 10_000, { base: a.v2Base(), auth: () => a.auth() });
    try {
      const m = await client.getManifest('alice/app', '1');
      expect(m.digest).toMatch(/^sha256:/);
      const e = await upstreamError(client.getManifest('bob/private', '1'));
      expect(e.kind).toBe('auth');
    } finally {
      await client.close();
      await a.close?.();
    }
  });

  test('prepareForPush creates a missing organization, after which the push is allowed', async () => {
    const refused = await pushTinyImage(hub.url, 'aliceorg/app', '1', { user: 'alice', password: PASSWORD }).then(() => 'pushed', (e: Error) => e.message);
    expect(refused).toMatch(/401/);
    const a = dockerHubAdapter(endpoint());
    await a.prepareForPush(['aliceorg/app', 'alice/app', 'aliceorg/other']);
    expect(hub.orgs.get('aliceorg')).toBe('alice');
    expect(hub.requests.filter((r) => r === 'POST /v2/orgs/')).toHaveLength(1);
    await pushTinyImage(hub.url, 'aliceorg/app', '1', { user: 'alice', password: PASSWORD });
    expect(await a.listTags('aliceorg/app')).toEqual(['1']);
    // An organization another account holds cannot be taken.
    const e = await upstreamError(dockerHubAdapter(endpoint({ username: 'bob', password: 'bob-secret' })).prepareForPush(['aliceorg/x']));
    expect(e.message).toMatch(/creating Docker Hub namespace aliceorg/);
    await a.close?.();
  });

  test("deleteTag removes one tag through the Hub API and leaves the others on its digest; another account's is refused", async () => {
    await pushTinyImage(hub.url, 'alice/del', 'keep', { user: 'alice', password: PASSWORD }, 'same');
    await pushTinyImage(hub.url, 'alice/del', 'drop', { user: 'alice', password: PASSWORD }, 'same');
    const a = dockerHubAdapter(endpoint());
    expect(await a.deleteTag!('alice/del', 'drop')).toBe(true);
    expect(await a.listTags('alice/del')).toEqual(['keep']);
    expect(await a.deleteTag!('alice/del', 'drop')).toBe(false);
    const bob = dockerHubAdapter(endpoint({ username: 'bob', password: 'bob-secret' }));
    expect((await upstreamError(bob.deleteTag!('alice/del', 'keep'))).kind).toBe('auth');
    expect(await a.listTags('alice/del')).toEqual(['keep']);
    await a.close?.();
    await bob.close?.();
  });

  test('a wrong password is a clear auth error that does not carry the password', async () => {
    const a = dockerHubAdapter(endpoint({ password: 'wrong-password-xyz' }));
    const e = await upstreamError(a.healthCheck());
    expect(e.kind).toBe('auth');
    expect(e.message).toBe('Docker Hub login refused the credential: 401 (invalid_credentials)');
    const l = await upstreamError(a.listRepositories());
    expect(l.kind).toBe('auth');
    expect(`${e.message} ${l.message}`).not.toContain('wrong-password-xyz');
    await a.close?.();
  });

  test('hostile Hub API replies are protocol errors that say what was wrong', async () => {
    const a = dockerHubAdapter(endpoint());
    const cases: [string, string][] = [
      ['{"namespaces":["alice"],"__proto__":{"polluted":true}}', 'Docker Hub namespaces: the reply carries the key "__proto__"'],
      ['{"namespaces":"alice"}', "Docker Hub namespaces: the reply's namespaces is not a list"],
      ['{"namespaces":["../../etc"]}', "Docker Hub namespaces: the reply's namespace is not a repository name component"],
      [`{"namespaces":${'['.repeat(64)}${']'.repeat(64)}}`, 'Docker Hub namespaces: the reply nests too deep'],
      [`{"namespaces":["${'a'.repeat(5 * 1024 * 1024)}"]}`, 'Docker Hub namespaces: the reply is larger than 4194304 bytes'],
      ['not json', 'Docker Hub namespaces: the reply is not JSON'],
    ];
    try {
      for (const [body, message] of cases) {
        hub.tamper = { path: /^\/v2\/repositories\/namespaces$/, status: 200, body };
        const e = await upstreamError(a.listRepositories());
        expect([e.kind, e.message]).toEqual(['protocol', message]);
      }
      hub.tamper = { path: /^\/v2\/repositories\/alice\/app\/tags\/$/, status: 200, body: '{"results":[{"name":1}],"next":null}' };
      expect((await upstreamError(a.listTags('alice/app'))).message).toBe("Docker Hub tags of alice/app: the reply's result name is not a string");
      hub.tamper = { path: /^\/v2\/repositories\/alice\/app\/tags\/$/, status: 200, body: '{"results":[{"name":"x"}],"next":"more"}' };
      expect((await upstreamError(a.listTags('alice/app'))).message).toBe('Docker Hub tags of alice/app: more than 1000 pages');
    } finally {
      hub.tamper = null;
      await a.close?.();
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
