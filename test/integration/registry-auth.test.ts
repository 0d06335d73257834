// Harbor's registry auth on a real server (harbor-notes §2.3): the Bearer challenge, /service/token
// with actions cut to the caller's role, token checks (signature, expiry, audience, scope, project
// age), Basic on /v2, anonymous pull only from public projects, and mounts needing pull on the source.
import { createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { libtrustKeyId, signJwt, publicKeyOf } from '../../src/core/jwt.js';
import { TOKEN_KEY_SECRET } from '../../src/server/bootstrap.js';
import { addMember, admin, api, basicHeader, bearer, createProject, createUser, getToken, http, pushImageWith } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
const guest = { username: 'guest', password: 'Guest12345' };
const dev = { username: 'dev', password: 'Devel12345' };
const stranger = { username: 'stranger', password: 'Strange123' };

beforeAll(async () => {
  srv = await startTestServer();
  for (const u of [guest, dev, stranger]) await createUser(srv.url, u.username, u.password);
  await createProject(srv.url, 'private');
  await createProject(srv.url, 'open', { public: true });
  await addMember(srv.url, 'private', 'guest', 3);
  await addMember(srv.url, 'private', 'dev', 2);
  await addMember(srv.url, 'open', 'dev', 2);
  const adminToken = (await getToken(srv.url, ['repository:private/app:pull,push', 'repository:open/app:pull,push'], admin)).token!;
  for (const repo of ['private/app', 'open/app']) expect(await pushImageWith(srv.url, repo, 'v1', bearer(adminToken))).toMatchObject({ ok: true });
});
afterAll(async () => { await srv.close(); });

describe('the challenge', () => {
  test('GET /v2/ without credentials is 401 with a Bearer challenge naming /service/token', async () => {
    const r = await http(srv.url, 'GET', '/v2/');
    expect(r.status).toBe(401);
    expect(r.headers['docker-distribution-api-version']).toBe('registry/2.0');
    expect(r.headers['www-authenticate']).toBe(`Bearer realm="${srv.url}/service/token",service="harbor-registry"`);
    expect(r.body.errors[0].code).toBe('UNAUTHORIZED');
  });

  test('a repository request carries its scope; even a public project needs a token', async () => {
    const pull = await http(srv.url, 'GET', '/v2/open/app/manifests/v1');
    expect(pull.status).toBe(401);
    expect(pull.headers['www-authenticate']).toBe(`Bearer realm="${srv.url}/service/token",service="harbor-registry",scope="repository:open/app:pull"`);
    const push = await http(srv.url, 'POST', '/v2/open/app/blobs/uploads/');
    expect(push.headers['www-authenticate']).toContain('scope="repository:open/app:pull,push"');
  });

  test('the realm follows the Host header', async () => {
    const r = await http(srv.url, 'GET', '/v2/', { headers: { host: 'registry.example.com:5000' } });
    expect(r.headers['www-authenticate']).toContain('realm="http://registry.example.com:5000/service/token"');
  });
});

describe('/service/token', () => {
  test('no credentials and no scope is 401 (the login probe); wrong credentials are 401', async () => {
    expect((await getToken(srv.url, [], null)).status).toBe(401);
    expect((await getToken(srv.url, ['repository:open/app:pull'], { username: 'admin', password: 'nope' })).status).toBe(401);
    expect((await getToken(srv.url, [], { username: 'ghost', password: 'nope' })).status).toBe(401);
  });

  test('a login (credentials, no scope) gets a token with no access', async () => {
    const t = await getToken(srv.url, [], dev);
    expect(t.status).toBe(200);
    expect(t.claims).toMatchObject({ iss: 'harbor-token-issuer', aud: 'harbor-registry', sub: 'dev', access: [] });
    expect(t.claims!.exp - t.claims!.iat).toBe(1800);
    expect(JSON.parse(t.text)).toEqual({ token: t.token, expires_in: 1800, issued_at: expect.any(String) });
  });

  test('the token is RS256 with the libtrust kid of the key in the database', async () => {
    const t = await getToken(srv.url, [], admin);
    const key = createPrivateKey((await srv.app.stores.secrets.getSecret(TOKEN_KEY_SECRET))!);
    expect(t.header).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: libtrustKeyId(publicKeyOf(key)) });
    expect(t.header!.kid).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
  });

  test('granted actions are cut to the role: guest pull only, developer pull+push, nobody delete but admin', async () => {
    const scope = ['repository:private/app:pull,push,delete'];
    const actions = async (who: typeof guest | null): Promise<string[]> => (await getToken(srv.url, scope, who)).claims!.access[0].actions;
    expect(await actions(guest)).toEqual(['pull']);
    expect(await actions(dev)).toEqual(['pull', 'push']);
    expect(await actions(stranger)).toEqual([]);
    expect(await actions(null)).toEqual([]);
    expect(await actions(admin)).toEqual(['pull', 'push', 'delete']);
    expect((await getToken(srv.url, ['repository:open/app:pull,push'], null)).claims!.access[0].actions).toEqual(['pull']);
    expect((await getToken(srv.url, ['repository:nosuch/app:pull'], admin)).claims!.access[0].actions).toEqual([]);
    expect((await getToken(srv.url, ['registry:catalog:*'], dev)).claims!.access[0].actions).toEqual([]);
    expect((await getToken(srv.url, ['registry:catalog:*'], admin)).claims!.access[0].actions).toEqual(['*']);
  });

  test('a malformed scope is 400', async () => {
    expect((await getToken(srv.url, ['nonsense'], admin)).status).toBe(400);
  });
});

describe('Bearer tokens on /v2', () => {
  test('a token opens exactly what it grants', async () => {
    const g = (await getToken(srv.url, ['repository:private/app:pull,push'], guest)).token!;
    expect((await http(srv.url, 'GET', '/v2/private/app/manifests/v1', { headers: bearer(g) })).status).toBe(200);
    expect((await http(srv.url, 'GET', '/v2/', { headers: bearer(g) })).status).toBe(200);
    const push = await pushImageWith(srv.url, 'private/app', 'guest', bearer(g));
    expect(push).toMatchObject({ ok: false, status: 401 });
    // A token for one repository does not open another.
    expect((await http(srv.url, 'GET', '/v2/open/app/manifests/v1', { headers: bearer(g) })).status).toBe(401);
    const d = (await getToken(srv.url, ['repository:private/app:pull,push'], dev)).token!;
    expect(await pushImageWith(srv.url, 'private/app', 'dev', bearer(d))).toMatchObject({ ok: true });
    expect((await http(srv.url, 'DELETE', '/v2/private/app/manifests/dev', { headers: bearer(d) })).status).toBe(401);
  });

  test('anonymous pull works on a public project only', async () => {
    const open = (await getToken(srv.url, ['repository:open/app:pull'], null)).token!;
    expect((await http(srv.url, 'GET', '/v2/open/app/manifests/v1', { headers: bearer(open) })).status).toBe(200);
    expect((await http(srv.url, 'GET', '/v2/open/app/tags/list', { headers: bearer(open) })).status).toBe(200);
    const priv = (await getToken(srv.url, ['repository:private/app:pull'], null)).token!;
    expect((await http(srv.url, 'GET', '/v2/private/app/manifests/v1', { headers: bearer(priv) })).status).toBe(401);
  });

  test('a forged, expired or foreign-audience token is refused with 401', async () => {
    const key = createPrivateKey((await srv.app.stores.secrets.getSecret(TOKEN_KEY_SECRET))!);
    const kid = libtrustKeyId(publicKeyOf(key));
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: 'harbor-token-issuer', sub: 'admin', aud: 'harbor-registry', exp: now + 600, nbf: now, iat: now, jti: 'x', access: [{ type: 'repository', name: 'private/app', actions: ['pull'] }] };
    expect((await http(srv.url, 'GET', '/v2/private/app/manifests/v1', { headers: bearer(signJwt(claims, key, kid)) })).status).toBe(200);
    for (const bad of [{ exp: now - 3600, nbf: now - 7200, iat: now - 7200 }, { aud: 'other-registry' }, { iss: 'someone-else' }]) {
      const r = await http(srv.url, 'GET', '/v2/private/app/manifests/v1', { headers: bearer(signJwt({ ...claims, ...bad }, key, kid)) });
      expect(r.status, JSON.stringify(bad)).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Basic realm="harbor"');
    }
    const { generateKeyPairSync } = await import('node:crypto');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect((await http(srv.url, 'GET', '/v2/private/app/manifests/v1', { headers: bearer(signJwt(claims, other, kid)) })).status).toBe(401);
    const good = signJwt(claims, key, kid);
    expect((await http(srv.url, 'GET', '/v2/private/app/manifests/v1', { headers: bearer(`${good.slice(0, -4)}AAAA`) })).status).toBe(401);
    expect((await http(srv.url, 'GET', '/v2/private/app/manifests/v1', { headers: bearer('not-a-jwt') })).status).toBe(401);
  });

  test('the catalog needs registry:catalog:* (system admins only)', async () => {
    const a = (await getToken(srv.url, ['registry:catalog:*'], admin)).token!;
    const r = await http(srv.url, 'GET', '/v2/_catalog', { headers: bearer(a) });
    expect(r.status).toBe(200);
    expect(r.body.repositories).toEqual(expect.arrayContaining(['open/app', 'private/app']));
    const d = (await getToken(srv.url, ['registry:catalog:*'], dev)).token!;
    expect((await http(srv.url, 'GET', '/v2/_catalog', { headers: bearer(d) })).status).toBe(401);
  });

  test('a cross-repository mount needs pull on the source, else it falls back to an upload (202)', async () => {
    const blob = (await http(srv.url, 'GET', '/v2/private/app/manifests/v1', { headers: basicHeader(admin) })).body.layers[0].digest as string;
    // dev may push to open/app and pull from private/app: mounted (201)
    const both = (await getToken(srv.url, ['repository:open/app:pull,push', 'repository:private/app:pull'], dev)).token!;
    const ok = await http(srv.url, 'POST', `/v2/open/app/blobs/uploads/?mount=${blob}&from=private/app`, { headers: bearer(both) });
    expect(ok.status).toBe(201);
    // a token without pull on the source: a plain upload session instead
    const noSource = (await getToken(srv.url, ['repository:open/app:pull,push'], dev)).token!;
    const fallback = await http(srv.url, 'POST', `/v2/open/app/blobs/uploads/?mount=${blob}&from=private/app`, { headers: bearer(noSource) });
    expect(fallback.status).toBe(202);
    // Basic credentials of a user without a role on the source: also a fallback
    await createProject(srv.url, 'mine', { as: stranger });
    const viaBasic = await http(srv.url, 'POST', `/v2/mine/app/blobs/uploads/?mount=${blob}&from=private/app`, { headers: basicHeader(stranger) });
    expect(viaBasic.status).toBe(202);
  });
});

describe('Basic credentials on /v2', () => {
  test('checked against the role like a token', async () => {
    expect((await http(srv.url, 'GET', '/v2/', { headers: basicHeader(dev) })).status).toBe(200);
    expect((await http(srv.url, 'GET', '/v2/private/app/manifests/v1', { headers: basicHeader(guest) })).status).toBe(200);
    expect(await pushImageWith(srv.url, 'private/app', 'basic', basicHeader(guest))).toMatchObject({ ok: false, status: 401 });
    expect(await pushImageWith(srv.url, 'private/app', 'basic', basicHeader(dev))).toMatchObject({ ok: true });
    expect((await http(srv.url, 'GET', '/v2/private/app/manifests/v1', { headers: basicHeader(stranger) })).status).toBe(401);
    expect((await http(srv.url, 'GET', '/v2/_catalog', { headers: basicHeader(dev) })).status).toBe(401);
    expect((await http(srv.url, 'GET', '/v2/_catalog', { headers: basicHeader(admin) })).status).toBe(200);
  });

  test('wrong credentials are 401 with a Basic challenge', async () => {
    const r = await http(srv.url, 'GET', '/v2/', { headers: basicHeader({ username: 'dev', password: 'wrong' }) });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Basic realm="harbor"');
  });
});

describe('tokens and project lifetimes', () => {
  test('a token issued before a project was (re)created does not open it', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const s = await startTestServer({ clock: () => now });
    try {
      await createProject(s.url, 'phoenix');
      const old = (await getToken(s.url, ['repository:phoenix/app:pull,push'], admin)).token!;
      expect(await pushImageWith(s.url, 'phoenix/app', 'v1', bearer(old))).toMatchObject({ ok: true });
      expect((await api(s.url, 'DELETE', '/repositories/phoenix/app', { raw: true })).status).toBe(404);
      expect((await api(s.url, 'DELETE', '/projects/phoenix/repositories/app')).status).toBe(200);
      expect((await api(s.url, 'DELETE', '/projects/phoenix')).status).toBe(200);
      now += 60_000;
      await createProject(s.url, 'phoenix');
      expect((await http(s.url, 'GET', '/v2/phoenix/app/tags/list', { headers: bearer(old) })).status).toBe(401);
      const fresh = (await getToken(s.url, ['repository:phoenix/app:pull,push'], admin)).token!;
      expect(await pushImageWith(s.url, 'phoenix/app', 'v1', bearer(fresh))).toMatchObject({ ok: true });
    } finally {
      await s.close();
    }
  });

  test('a project change made on this server is seen by the next token pull at once, with the clock standing still', async () => {
    // Token pulls keep project rows for up to a second (services/project-rows.ts); a fixed clock never ages them.
    const now = Date.parse('2030-01-01T00:00:00Z');
    const s = await startTestServer({ clock: () => now });
    try {
      await createProject(s.url, 'kept', { public: true });
      const token = (await getToken(s.url, ['repository:kept/app:pull,push'], admin)).token!;
      expect(await pushImageWith(s.url, 'kept/app', 'v1', bearer(token))).toMatchObject({ ok: true });
      const pull = (): ReturnType<typeof http> => http(s.url, 'GET', '/v2/kept/app/manifests/v1', { headers: { ...bearer(token), accept: 'application/vnd.oci.image.manifest.v1+json' } });
      expect((await pull()).status).toBe(200);
      expect((await api(s.url, 'PUT', '/projects/kept', { body: { metadata: { enable_content_trust_cosign: 'true' } } })).status).toBe(200);
      expect((await pull()).status).toBe(412);
      expect((await api(s.url, 'DELETE', '/projects/kept/repositories/app')).status).toBe(200);
      expect((await api(s.url, 'DELETE', '/projects/kept')).status).toBe(200);
      const gone = await pull();
      expect(gone.status).toBe(404);
      expect(gone.body.errors[0].code).toBe('NAME_UNKNOWN');
    } finally {
      await s.close();
    }
  });
});
