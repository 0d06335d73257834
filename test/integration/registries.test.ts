// Registry endpoints (/api/v2.0/registries, issue 5 item 1) against the real server, with Debian's
// docker-registry as the upstream a ping reaches: open, and behind htpasswd Basic authentication.
// The credential's secret must never come back in a reply or a log line, and must be stored only
// as ciphertext under a 0600 key in the data dir.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { api, createUser, expectApiError, type ApiReply } from '../helpers/api.js';
import { freePort, startDistribution, type RegistryProcess } from '../helpers/registry-process.js';
import { CREDENTIAL_KEY_SECRET } from '../../src/server/bootstrap.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startAliAcrStandin } from '../helpers/standins/ali-acr.js';
import { startAzureAcrStandin } from '../helpers/standins/azure-acr.js';

const SECRET = 'Upstream-S3cret-Never-Shown';
const HT_USER = 'puller';
const HT_PASS = 'Pull-Pass-4711';

let srv: TestServer;
let open: RegistryProcess;
let locked: RegistryProcess;
const replies: ApiReply[] = [];

async function call(method: string, path: string, opts: Parameters<typeof api>[3] = {}): Promise<ApiReply> {
  const r = await api(srv.url, method, path, opts);
  replies.push(r);
  return r;
}

async function create(body: Record<string, unknown>): Promise<number> {
  const r = await call('POST', '/registries', { body });
  expect(r.status, r.text).toBe(201);
  const m = /^\/api\/v2\.0\/registries\/(\d+)$/.exec(r.headers.location ?? '');
  expect(m, r.headers.location).not.toBeNull();
  return Number(m![1]);
}

beforeAll(async () => {
  srv = await startTestServer();
  open = await startDistribution();
  const htpasswd = execFileSync('htpasswd', ['-Bbn', HT_USER, HT_PASS], { encoding: 'utf8' });
  locked = await startDistribution({ htpasswd, readyAuthorization: `Basic ${Buffer.from(`${HT_USER}:${HT_PASS}`).toString('base64')}` });
}, 60_000);

afterAll(async () => {
  await srv?.close();
  await open?.stop();
  await locked?.stop();
});

describe('registry endpoints', () => {
  test('create, get, list, update and delete in Harbor\'s shapes; the secret is masked', async () => {
    const id = await create({
      name: 'upstream', type: 'docker-registry', url: `${open.url}/`, description: 'the open one', insecure: true,
      credential: { type: 'basic', access_key: 'bob', access_secret: SECRET },
    });
    const got = await call('GET', `/registries/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({
      id, name: 'upstream', type: 'docker-registry', url: open.url, description: 'the open one', insecure: true, status: 'unknown',
      credential: { type: 'basic', access_key: 'bob', access_secret: '*****' },
      creation_time: expect.any(String), update_time: expect.any(String),
    });
    const hub = await create({ name: 'hub', type: 'docker-hub', url: 'https://hub.docker.com' });
    const list = await call('GET', '/registries');
    expect(list.status).toBe(200);
    expect(list.headers['x-total-count']).toBe('2');
    expect(list.body.map((r: { name: string }) => r.name)).toEqual(['upstream', 'hub']);
    expect((await call('GET', '/registries?q=type%3Ddocker-hub')).body.map((r: { id: number }) => r.id)).toEqual([hub]);
    expect((await call('GET', '/registries?name=stre')).body.map((r: { id: number }) => r.id)).toEqual([id]);
    expect((await call('GET', `/registries/${hub}`)).body.credential).toEqual({ type: '', access_key: '', access_secret: '' });

    const info = await call('GET', `/registries/${id}/info`);
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ type: 'docker-registry', supported_triggers: expect.any(Array) });

    expect((await call('PUT', `/registries/${id}`, { body: { description: 'renamed', name: 'upstream2', insecure: false } })).status).toBe(200);
    expect((await call('GET', `/registries/${id}`)).body).toMatchObject({ name: 'upstream2', description: 'renamed', insecure: false, url: open.url,
      credential: { access_key: 'bob', access_secret: '*****' } });
    expectApiError(await call('PUT', `/registries/${id}`, { body: { name: 'hub' } }), 409, 'CONFLICT');
    expect((await call('PUT', `/registries/${id}`, { body: { access_key: '' } })).status).toBe(200);
    expect((await call('GET', `/registries/${id}`)).body.credential).toEqual({ type: '', access_key: '', access_secret: '' });

    expect((await call('DELETE', `/registries/${id}`)).status).toBe(200);
    expectApiError(await call('GET', `/registries/${id}`), 404, 'NOT_FOUND');
    expectApiError(await call('DELETE', `/registries/${id}`), 404, 'NOT_FOUND');
    expectApiError(await call('PUT', `/registries/${id}`, { body: { description: 'x' } }), 404, 'NOT_FOUND');
    expectApiError(await call('GET', `/registries/${id}/info`), 404, 'NOT_FOUND');
    expect((await call('DELETE', `/registries/${hub}`)).status).toBe(200);
  });

  test('bad input is refused with BAD_REQUEST, a taken name with CONFLICT', async () => {
    const ok = { name: 'valid', type: 'harbor', url: 'https://harbor.example.com' };
    const bad: Record<string, unknown>[] = [
      { ...ok, type: 'helm-hub' }, { ...ok, type: 'nope' }, { ...ok, type: undefined }, { ...ok, name: '' }, { ...ok, name: 'a\nb' },
      { ...ok, url: 'ftp://h' }, { ...ok, url: 'https://h/v2/../x' }, { ...ok, url: 'https://h/path' }, { ...ok, url: 'https://u:p@h' },
      { ...ok, url: 'https://h?x=1' }, { ...ok, url: 'https://h#f' }, { ...ok, url: 'not a url' }, { ...ok, url: 42 },
      { ...ok, insecure: 'yes' }, { ...ok, credential: { type: 'basic', access_key: 'k' } },
      { ...ok, credential: { type: 'oauth', access_key: 'k', access_secret: 's' } }, { ...ok, credential: 'k:s' },
      { ...ok, ca_certificate: 'not pem' },
    ];
    for (const body of bad) expectApiError(await call('POST', '/registries', { body }), 400, 'BAD_REQUEST');
    expectApiError(await call('POST', '/registries', { body: 'null' }), 400, 'BAD_REQUEST');
    const id = await create(ok);
    expectApiError(await call('POST', '/registries', { body: ok }), 409, 'CONFLICT');
    expectApiError(await call('GET', '/registries/abc'), 400, 'BAD_REQUEST');
    expectApiError(await call('PUT', `/registries/${id}`, { body: { url: 'https://h/x' } }), 400, 'BAD_REQUEST');
    expectApiError(await call('PUT', `/registries/${id}`, { body: { access_key: 'k' } }), 400, 'BAD_REQUEST'); // no secret to go with it
    expectApiError(await call('POST', '/registries/ping', { body: {} }), 400, 'BAD_REQUEST');
    expectApiError(await call('POST', '/registries/ping', { body: { id: 99999 } }), 404, 'NOT_FOUND');
    expect((await call('DELETE', `/registries/${id}`)).status).toBe(200);
  });

  test('only a system administrator may see or change endpoints', async () => {
    await createUser(srv.url, 'reg-user', 'Passw0rdX');
    const user = { username: 'reg-user', password: 'Passw0rdX' };
    const id = await create({ name: 'guarded', type: 'docker-registry', url: open.url });
    for (const [m, p, body] of [['GET', '/registries'], ['POST', '/registries', { name: 'x', type: 'harbor', url: 'https://h' }],
      ['GET', `/registries/${id}`], ['PUT', `/registries/${id}`, { description: 'x' }], ['DELETE', `/registries/${id}`],
      ['GET', `/registries/${id}/info`], ['POST', '/registries/ping', { id }]] as [string, string, unknown?][]) {
      expectApiError(await call(m, p, { as: user, body }), 403, 'FORBIDDEN');
      expectApiError(await call(m, p, { as: null, body }), 401, 'UNAUTHORIZED');
    }
    expect((await call('DELETE', `/registries/${id}`)).status).toBe(200);
  });

  test('ping: a live docker-registry is healthy, a closed port is not, and a stored ping records the status', async () => {
    expect((await call('POST', '/registries/ping', { body: { type: 'docker-registry', url: open.url } })).status).toBe(200);
    const id = await create({ name: 'pinged', type: 'docker-registry', url: open.url });
    expect((await call('POST', '/registries/ping', { body: { id } })).status).toBe(200);
    expect((await call('GET', `/registries/${id}`)).body.status).toBe('healthy');

    const closed = `http://127.0.0.1:${await freePort()}`;
    const down = await call('POST', '/registries/ping', { body: { type: 'docker-registry', url: closed } });
    expectApiError(down, 400, 'BAD_REQUEST');
    expect(down.body.errors[0].message).toMatch(/unhealthy/);
    expect((await call('PUT', `/registries/${id}`, { body: { url: closed } })).status).toBe(200);
    expectApiError(await call('POST', '/registries/ping', { body: { id } }), 400, 'BAD_REQUEST');
    expect((await call('GET', `/registries/${id}`)).body.status).toBe('unhealthy');
    // Fields given with an id are laid over the stored endpoint for this ping only.
    expect((await call('POST', '/registries/ping', { body: { id, url: open.url } })).status).toBe(200);
    expect((await call('DELETE', `/registries/${id}`)).status).toBe(200);
  });

  test('ping with a credential: htpasswd-protected docker-registry accepts the right one only', async () => {
    expect((await call('POST', '/registries/ping', { body: { type: 'docker-registry', url: locked.url } })).status).toBe(200); // reachable
    expect((await call('POST', '/registries/ping', {
      body: { type: 'docker-registry', url: locked.url, credential_type: 'basic', access_key: HT_USER, access_secret: HT_PASS },
    })).status).toBe(200);
    expectApiError(await call('POST', '/registries/ping', {
      body: { type: 'docker-registry', url: locked.url, credential_type: 'basic', access_key: HT_USER, access_secret: 'wrong' },
    }), 400, 'BAD_REQUEST');

    // Stored: the sealed secret is opened for the ping; the mask a client read back keeps it.
    const id = await create({ name: 'locked', type: 'docker-registry', url: locked.url, credential: { type: 'basic', access_key: HT_USER, access_secret: HT_PASS } });
    expect((await call('POST', '/registries/ping', { body: { id } })).status).toBe(200);
    expect((await call('PUT', `/registries/${id}`, { body: { access_key: HT_USER, access_secret: '*****' } })).status).toBe(200);
    expect((await call('POST', '/registries/ping', { body: { id } })).status).toBe(200);
    expect((await call('PUT', `/registries/${id}`, { body: { access_secret: 'changed-wrong' } })).status).toBe(200);
    expectApiError(await call('POST', '/registries/ping', { body: { id } }), 400, 'BAD_REQUEST');
    expect((await call('GET', `/registries/${id}`)).body.status).toBe('unhealthy');
    expect((await call('DELETE', `/registries/${id}`)).status).toBe(200);
  });

  test("azure-acr takes an Azure AD access token as an oauth credential: the ping exchanges it at ACR's /oauth2/exchange", async () => {
    const acr = await startAzureAcrStandin();
    try {
      const id = await create({ name: 'acr-aad', type: 'azure-acr', url: acr.url, credential: { type: 'oauth', access_key: 'aad', access_secret: acr.aadToken() } });
      expect((await call('GET', `/registries/${id}`)).body.credential).toEqual({ type: 'oauth', access_key: 'aad', access_secret: '*****' });
      expect((await call('POST', '/registries/ping', { body: { id } })).status).toBe(200);
      expect(acr.requests).toContain('POST /oauth2/exchange');
      // An expired token fails the ping; the token never shows in the reason.
      const expired = acr.aadToken({ expiresInSeconds: -60 });
      const bad = await call('POST', '/registries/ping', { body: { type: 'azure-acr', url: acr.url, credential_type: 'oauth', access_key: 'aad', access_secret: expired } });
      expectApiError(bad, 400, 'BAD_REQUEST');
      expect(bad.text).not.toContain(expired.split('.')[2]);
      // The admin user stays a basic credential.
      expect((await call('POST', '/registries/ping', {
        body: { type: 'azure-acr', url: acr.url, credential_type: 'basic', access_key: acr.admin.username, access_secret: acr.admin.password },
      })).status).toBe(200);
      // oauth means something only to azure-acr.
      expectApiError(await call('POST', '/registries', {
        body: { name: 'x', type: 'docker-registry', url: open.url, credential: { type: 'oauth', access_key: 'a', access_secret: 'b' } },
      }), 400, 'BAD_REQUEST');
      expect((await call('DELETE', `/registries/${id}`)).status).toBe(200);
    } finally {
      await acr.close();
    }
  });

  test('ali-acr: a ping signs GetAuthorizationToken with the AccessKey and uses the temporary credential; the secret never reaches the registry', async () => {
    const acr = await startAliAcrStandin('ee');
    try {
      const body = { type: 'ali-acr', url: acr.url, credential_type: 'basic', access_key: acr.accessKey.id, access_secret: acr.accessKey.secret };
      expect((await call('POST', '/registries/ping', { body })).status).toBe(200);
      expect(acr.requests.some((r) => r.includes('Action=GetAuthorizationToken'))).toBe(true);
      expect([...acr.authorizations].join('\n')).not.toContain(acr.accessKey.secret);
      expectApiError(await call('POST', '/registries/ping', { body: { ...body, access_secret: 'wrong-secret' } }), 400, 'BAD_REQUEST');
    } finally {
      await acr.close();
    }
  });

  test('the secret is sealed at rest: ciphertext only in its row (the key is a shared secret of the replicas), never in a reply or log line', async () => {
    const id = await create({ name: 'sealed', type: 'harbor', url: 'https://harbor.example.com', credential: { type: 'basic', access_key: 'robot$x', access_secret: SECRET } });
    expect((await call('GET', `/registries/${id}`)).body.credential).toEqual({ type: 'basic', access_key: 'robot$x', access_secret: '*****' });
    await call('GET', '/registries');

    expect(Buffer.from((await srv.app.stores.secrets.getSecret(CREDENTIAL_KEY_SECRET))!.trim(), 'base64')).toHaveLength(32);

    const db = new Database(join(srv.dataDir, 'registry.db'), { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare('SELECT * FROM registries WHERE id = ?').get(id) as Record<string, unknown>;
      expect(row.access_key).toBe('robot$x');
      expect(String(row.access_secret_enc)).toMatch(/^v1:[A-Za-z0-9+/=]+$/);
      expect(JSON.stringify(row)).not.toContain(SECRET);
    } finally {
      db.close();
    }
    for (const f of ['registry.db', 'registry.db-wal']) {
      let bytes: Buffer;
      try { bytes = readFileSync(join(srv.dataDir, f)); } catch { continue; }
      expect(bytes.includes(Buffer.from(SECRET)), f).toBe(false);
    }
    for (const r of replies) expect(r.text).not.toContain(SECRET);
    expect(srv.logs.join('\n')).not.toContain(SECRET);
    expect(srv.logs.join('\n')).not.toContain(HT_PASS);
    expect((await call('DELETE', `/registries/${id}`)).status).toBe(200);
  });

  test('the key survives a restart: a stored credential still opens', async () => {
    const dataDir = srv.dataDir;
    const id = await create({ name: 'restart', type: 'docker-registry', url: locked.url, credential: { type: 'basic', access_key: HT_USER, access_secret: HT_PASS } });
    await srv.close({ keepData: true });
    srv = await startTestServer({ dataDir });
    expect((await call('POST', '/registries/ping', { body: { id } })).status).toBe(200);
    expect((await call('DELETE', `/registries/${id}`)).status).toBe(200);
  });
});
