// The azure-acr replication adapter against the ACR stand-in (test/helpers/standins/azure-acr.ts),
// which fronts a real docker-registry: the admin user through the token dance (basic), and an Azure
// AD access token through /oauth2/exchange → /oauth2/token (oauth); the catalog with a
// registry:catalog:* token, followed page by page through the registry's own Link headers; refusals:
// a wrong admin password, an expired or foreign AAD token, hostile replies.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { azureAcrAdapter } from '../../src/services/replication/adapters/azure-acr.js';
import { UpstreamClient, type UpstreamEndpoint } from '../../src/services/upstream.js';
import { pushTinyImage } from '../helpers/push.js';
import { upstreamError } from '../helpers/standins/common.js';
import { startAzureAcrStandin, type AzureAcrStandin } from '../helpers/standins/azure-acr.js';

let acr: AzureAcrStandin;
const basic = (over: Partial<UpstreamEndpoint> = {}): UpstreamEndpoint => ({
  type: 'azure-acr', url: acr.url, insecure: false, ca: null, username: acr.admin.username, password: acr.admin.password, ...over,
});
const oauth = (token: string): UpstreamEndpoint & { credentialType: string } => ({
  type: 'azure-acr', url: acr.url, insecure: false, ca: null, username: 'aad', password: token, credentialType: 'oauth',
});

beforeAll(async () => {
  acr = await startAzureAcrStandin();
  const creds = { user: acr.admin.username, password: acr.admin.password };
  await pushTinyImage(acr.url, 'team/app', '1', creds);
  await pushTinyImage(acr.url, 'team/app', '2', creds);
  await pushTinyImage(acr.url, 'nested/path/tool', 'v1', creds);
});

afterAll(async () => {
  await acr?.close();
});

describe('azure-acr adapter against the ACR stand-in', () => {
  test("info is Harbor's azure-acr adapter info (copy by chunk); basic auth is the admin user, for the token dance", async () => {
    const a = azureAcrAdapter(basic());
    expect(a.info).toMatchObject({ type: 'azure-acr', supported_copy_by_chunk: true, supported_triggers: ['manual', 'scheduled'] });
    expect(a.v2Base()).toBe(acr.url);
    expect(await a.auth()).toEqual({ kind: 'basic', username: acr.admin.username, password: acr.admin.password });
    await a.close?.();
  });

  test('admin user: health, catalog and tags (metadata_read), and a pull with its auth', async () => {
    const a = azureAcrAdapter(basic());
    await a.healthCheck();
    expect((await a.listRepositories()).sort()).toEqual(['nested/path/tool', 'team/app']);
    expect((await a.listTags('team/app')).sort()).toEqual(['1', '2']);
    expect(acr.requests.some((r) => r.startsWith('GET /oauth2/token?') && r.includes('metadata_read'))).toBe(true);
    const client = new UpstreamClient(basic(), 10_000, { base: a.v2Base(), auth: () => a.auth() });
    try {
      expect((await client.getManifest('team/app', '2')).digest).toMatch(/^sha256:/);
    } finally {
      await client.close();
      await a.close?.();
    }
  });

  test('Azure AD token: exchanged once for a refresh token, which buys scoped access tokens; the bearer auth pulls', async () => {
    const a = azureAcrAdapter(oauth(acr.aadToken()));
    const before = acr.requests.length;
    await a.healthCheck();
    expect((await a.listRepositories()).sort()).toEqual(['nested/path/tool', 'team/app']);
    expect(await a.listTags('nested/path/tool')).toEqual(['v1']);
    const auth = await a.auth();
    expect(auth.kind).toBe('bearer');
    const client = new UpstreamClient(oauth('x'), 10_000, { base: a.v2Base(), auth: () => a.auth() });
    try {
      expect((await client.getManifest('team/app', '1')).digest).toMatch(/^sha256:/);
    } finally {
      await client.close();
    }
    const calls = acr.requests.slice(before);
    expect(calls.filter((r) => r === 'POST /oauth2/exchange')).toHaveLength(1);
    expect(calls.filter((r) => r === 'POST /oauth2/token').length).toBeGreaterThanOrEqual(3);
    expect(calls.some((r) => r.startsWith('GET /oauth2/token'))).toBe(false);
    await a.close?.();
  });

  test('the catalog is followed through the Link pages of the real registry', async () => {
    for (let i = 0; i < 105; i++) await pushTinyImage(acr.url, `bulk/r${String(i).padStart(3, '0')}`, 'x', { user: acr.admin.username, password: acr.admin.password }, 'same');
    const a = azureAcrAdapter(basic());
    const repos = await a.listRepositories();
    expect(repos.filter((r) => r.startsWith('bulk/'))).toHaveLength(105);
    expect(acr.requests.filter((r) => r.startsWith('GET /v2/_catalog')).length).toBeGreaterThanOrEqual(2);
    await a.close?.();
  });

  test('deleteTag untags through DELETE /v2/<repo>/manifests/<tag> with a delete-scoped token; the other tags stay', async () => {
    const creds = { user: acr.admin.username, password: acr.admin.password };
    await pushTinyImage(acr.url, 'team/del', 'keep', creds, 'same');
    await pushTinyImage(acr.url, 'team/del', 'drop', creds, 'same');
    const a = azureAcrAdapter(oauth(acr.aadToken()));
    expect(await a.deleteTag!('team/del', 'drop')).toBe(true);
    expect(await a.listTags('team/del')).toEqual(['keep']);
    expect(await a.deleteTag!('team/del', 'drop')).toBe(false);
    await a.close?.();
  });

  test('a wrong admin password, an expired AAD token and one for another audience are clear auth errors without the secret', async () => {
    const wrong = azureAcrAdapter(basic({ password: 'not-the-admin-password' }));
    const e1 = await upstreamError(wrong.healthCheck());
    expect([e1.kind, e1.message]).toEqual(['auth', 'ACR token service refused the credential: 401']);
    const expired = acr.aadToken({ expiresInSeconds: -60 });
    const e2 = await upstreamError(azureAcrAdapter(oauth(expired)).listRepositories());
    expect([e2.kind, e2.message]).toEqual(['auth', 'ACR token exchange refused the credential: 401']);
    const foreign = acr.aadToken({ audience: 'https://storage.azure.com/' });
    const e3 = await upstreamError(azureAcrAdapter(oauth(foreign)).healthCheck());
    expect(e3.kind).toBe('auth');
    expect(`${e1.message}${e2.message}${e3.message}`).not.toMatch(/not-the-admin-password|eyJ/);
    await wrong.close?.();
  });

  test('hostile replies: prototype keys, wrong types, a realm on another host, a next link off the registry', async () => {
    const a = azureAcrAdapter(basic());
    try {
      acr.tamper = { path: /^\/v2\/_catalog$/, status: 200, body: '{"repositories":["team/app"],"constructor":{"prototype":{}}}' };
      expect((await upstreamError(a.listRepositories())).message).toBe('ACR catalog: the reply carries the key "prototype"');
      acr.tamper = { path: /^\/v2\/_catalog$/, status: 200, body: '{"repositories":[{"name":"x"}]}' };
      expect((await upstreamError(a.listRepositories())).message).toBe("ACR catalog: the reply's repository is not a string");
      acr.tamper = { path: /^\/oauth2\/token$/, status: 200, body: '{"access_token":42}' };
      expect((await upstreamError(a.listTags('team/app'))).message).toBe("ACR token service: the reply's access_token is not a string");
    } finally {
      acr.tamper = null;
      await a.close?.();
    }
    // A challenge whose realm is another host never gets the credential; a next link off the registry is not followed.
    const b = azureAcrAdapter(basic());
    try {
      acr.tamper = { path: /^\/v2\/$/, status: 401, body: '{}', headers: { 'www-authenticate': 'Bearer realm="http://evil.example/oauth2/token",service="x"' } };
      expect((await upstreamError(b.healthCheck())).message).toBe("the ACR token realm evil.example is not the registry's host");
      acr.tamper = { path: /^\/v2\/$/, status: 401, body: '{}' };
      expect((await upstreamError(b.healthCheck())).message).toBe('ACR /v2/ did not answer with a Bearer challenge (401)');
      acr.tamper = null;
      const c = azureAcrAdapter(basic());
      acr.tamper = { path: /^\/v2\/_catalog$/, status: 200, body: '{"repositories":[]}', headers: { link: '<http://evil.example/v2/_catalog?last=a>; rel="next"' } };
      expect((await upstreamError(c.listRepositories())).message).toBe('ACR catalog: the next-page link does not stay on the registry');
      await c.close?.();
    } finally {
      acr.tamper = null;
      await b.close?.();
    }
  });
});
