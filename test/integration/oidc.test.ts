// OIDC sign-in (issue 17 §OIDC) against a real OpenID Provider (npm oidc-provider on loopback,
// PKCE required, test/helpers/oidc-provider.ts), driven over HTTP with a cookie jar: configuration
// (secret never shown), the code flow with onboarding, auto-onboarding, groups and the admin group,
// browser sessions with CSRF, CLI secrets for the token service and Basic, the refresh of groups when
// a CLI secret is used, and every refusal (state, replayed code, nonce, expiry, hostile claims).
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { addMember, admin, api, createProject, expectApiError, getToken, http, type Creds } from '../helpers/api.js';
import { generateKeyPairSync } from 'node:crypto';
import * as oidcClient from 'openid-client';
import { signJwt } from '../../src/core/jwt.js';
import { CLIENT_ID, CLIENT_SECRET, HttpBrowser, OTHER_CLIENT_ID, startTestOp, type TestOp } from '../helpers/oidc-provider.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let op: TestOp;
let srv: TestServer;
/** The registry's clock runs this far ahead of the real one (login-state expiry, token expiry). */
let skewMs = 0;

const configure = (body: Record<string, unknown>) => api(srv.url, 'PUT', '/configurations', { body });

beforeAll(async () => {
  op = await startTestOp(() => [`${srv.url}/c/oidc/callback`]);
  srv = await startTestServer({ clock: () => Date.now() + skewMs, loginDelay: { freeFailures: 100, baseMs: 1, maxMs: 1 } });
  const r = await configure({
    auth_mode: 'oidc_auth', oidc_name: 'Test OP', oidc_endpoint: op.issuer, oidc_client_id: CLIENT_ID, oidc_client_secret: CLIENT_SECRET,
    oidc_scope: 'openid,profile,email,offline_access', oidc_groups_claim: 'groups', oidc_admin_group: 'harbor-admins', oidc_verify_cert: true,
  });
  expect(r.status, r.text).toBe(200);
}, 60_000);
afterAll(async () => {
  await srv?.close();
  await op?.stop();
});
beforeEach(async () => {
  skewMs = 0;
  await configure({ oidc_auto_onboard: false, oidc_user_claim: '', oidc_group_filter: '' });
});

/** Signs `login` in through the browser flow up to the registry's answer after the callback. */
async function signIn(b: HttpBrowser, login: string, start = `${srv.url}/c/oidc/login`) {
  return b.follow(start, { login, issuer: op.issuer, stop: (l) => l.startsWith(srv.url) && !l.includes('/c/oidc/callback') });
}

/** The full first sign-in with onboarding under `username`; returns the browser (holding the session) and the CLI secret. */
async function onboard(login: string, claims: Record<string, unknown>, username = login): Promise<{ b: HttpBrowser; secret: string; id: number }> {
  op.accounts.set(login, claims);
  const b = new HttpBrowser();
  const r = await signIn(b, login);
  expect(r.location, r.text).toBe(`${srv.url}/c/oidc/onboard`);
  const form = await b.request(`${srv.url}/c/oidc/onboard`);
  const token = /name="form_token" value="([^"]+)"/.exec(form.text)![1];
  const done = await b.request(`${srv.url}/c/oidc/onboard`, { form: { username, form_token: token } });
  expect(done.status, done.text).toBe(302);
  const me = await sessionApi(b, 'GET', '/users/current');
  expect(me.status, me.text).toBe(200);
  return { b, secret: me.body.oidc_user_meta.secret, id: me.body.user_id };
}

/** An API call with the browser's session cookie (no Authorization). */
function sessionApi(b: HttpBrowser, method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}) {
  const sid = b.cookie(srv.url, 'sid');
  return api(srv.url, method, path, { as: null, body: opts.body, headers: { ...(sid ? { cookie: `sid=${sid}` } : {}), ...opts.headers } });
}

function errorOf(page: { text: string }): string {
  return /id="error">([^<]*)</.exec(page.text)?.[1] ?? `(no error on the page: ${page.text.slice(0, 300)})`;
}

describe('OIDC configuration', () => {
  test('the client secret is sealed at rest and never shown; systeminfo names the provider', async () => {
    const c = (await api(srv.url, 'GET', '/configurations')).body;
    expect(c.auth_mode.value).toBe('oidc_auth');
    expect(c.oidc_endpoint.value).toBe(op.issuer);
    expect(c.oidc_scope.value).toBe('openid,profile,email,offline_access');
    expect(Object.keys(c)).not.toContain('oidc_client_secret');
    expect(JSON.stringify(c)).not.toContain(CLIENT_SECRET);
    const db = new Database(join(srv.dataDir, 'registry.db'), { readonly: true });
    try {
      const stored = db.prepare("SELECT value FROM configurations WHERE name = 'oidc_client_secret'").pluck().get() as string;
      expect(stored).toMatch(/^"v1:/);
    } finally {
      db.close();
    }
    const info = (await api(srv.url, 'GET', '/systeminfo', { as: null })).body;
    expect(info).toMatchObject({ auth_mode: 'oidc_auth', oidc_provider_name: 'Test OP' });
  });

  test.each([
    [{ oidc_endpoint: 'http://op.example.org' }, 'oidc_endpoint must be an https URL'],
    [{ oidc_endpoint: 'https://op.example.org/?x=1' }, 'oidc_endpoint must be an https URL'],
    [{ oidc_scope: 'profile,email' }, 'oidc_scope must be comma-separated scope names including openid'],
    [{ oidc_scope: 'openid,bad scope' }, 'oidc_scope must be comma-separated'],
    [{ oidc_group_filter: '([a-z' }, 'oidc_group_filter must be a valid regular expression'],
    [{ oidc_extra_redirect_parms: '[1]' }, 'oidc_extra_redirect_parms must be a JSON object of strings'],
    [{ oidc_extra_redirect_parms: '{"a":1}' }, 'oidc_extra_redirect_parms must be a JSON object of strings'],
    [{ oidc_extra_redirect_parms: '{"code_challenge":"x"}' }, 'oidc_extra_redirect_parms may not set code_challenge'],
    [{ oidc_user_claim: 'has space' }, 'oidc_user_claim must be a claim name'],
    [{ oidc_verify_cert: 'yes' }, 'oidc_verify_cert must be a boolean'],
  ])('a bad value is refused: %j', async (body, message) => {
    const r = await configure(body);
    expectApiError(r, 400, 'BAD_REQUEST');
    expect(r.body.errors[0].message).toContain(message);
  });

  test('POST /system/oidc/ping: a provider answers; a dead port or a page that is no provider fails; admins only', async () => {
    expect((await api(srv.url, 'POST', '/system/oidc/ping', { body: { url: op.issuer, verify_cert: true } })).status).toBe(200);
    const dead = await api(srv.url, 'POST', '/system/oidc/ping', { body: { url: 'http://127.0.0.1:1', verify_cert: true } });
    expectApiError(dead, 400, 'BAD_REQUEST');
    expect(dead.body.errors[0].message).toBe('failed to verify connection');
    expectApiError(await api(srv.url, 'POST', '/system/oidc/ping', { body: { url: srv.url } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/system/oidc/ping', { as: null, body: { url: op.issuer } }), 401, 'UNAUTHORIZED');
    expectApiError(await api(srv.url, 'POST', '/system/oidc/ping', { body: {} }), 400, 'BAD_REQUEST');
  });
});

describe('browser sign-in over HTTP', () => {
  test('login → provider → callback → onboarding form → signed in; the session works for the API with CSRF', async () => {
    op.accounts.set('olga', { name: 'Olga O', email: 'olga@example.org' });
    const b = new HttpBrowser();
    const start = await b.request(`${srv.url}/c/oidc/login`);
    expect(start.status).toBe(302);
    const auth = new URL(start.location!);
    expect(auth.origin).toBe(op.issuer);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(auth.searchParams.get('state')).toBeTruthy();
    expect(auth.searchParams.get('nonce')).toBeTruthy();
    expect(auth.searchParams.get('scope')).toBe('openid profile email offline_access');
    const cb = await b.follow(start.location!, { login: 'olga', issuer: op.issuer, stop: (l) => l.startsWith(srv.url) && !l.includes('/callback') });
    expect(cb.location).toBe(`${srv.url}/c/oidc/onboard`);
    const form = await b.request(`${srv.url}/c/oidc/onboard`);
    expect(form.status).toBe(200);
    expect(form.headers.get('content-security-policy')).toContain("default-src 'none'");
    // The suggested name is the `name` claim with its blanks replaced (Harbor's).
    expect(form.text).toContain('value="Olga_O"');
    const token = /name="form_token" value="([^"]+)"/.exec(form.text)![1];
    // A forged form (no token from this sign-in) is refused.
    const forged = await b.request(`${srv.url}/c/oidc/onboard`, { form: { username: 'olga', form_token: 'x' } });
    expect(forged.status).toBe(403);
    // A taken name (admin) or a bad one: the form again with the reason.
    const taken = await b.request(`${srv.url}/c/oidc/onboard`, { form: { username: 'admin', form_token: token } });
    expect(taken.status).toBe(409);
    expect(errorOf(taken)).toBe('the username admin is already taken');
    const bad = await b.request(`${srv.url}/c/oidc/onboard`, { form: { username: 'a,b', form_token: token } });
    expect(bad.status).toBe(400);
    expect(errorOf(bad)).toContain('the username must be');
    const done = await b.request(`${srv.url}/c/oidc/onboard`, { form: { username: 'olga', form_token: token } });
    expect(done.status).toBe(302);
    expect(done.location).toBe(`${srv.url}/c/oidc/signed-in`);
    expect(done.headers.getSetCookie().join('\n')).toMatch(/sid=[^;]+; Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax/);
    const landing = await b.request(done.location!);
    expect(landing.text).toContain('Signed in as <b id="username">olga</b>');

    const me = await sessionApi(b, 'GET', '/users/current');
    expect(me.body).toMatchObject({ username: 'olga', email: 'olga@example.org', realname: 'olga', sysadmin_flag: false, comment: 'Onboarded via OIDC provider' });
    expect(me.body.oidc_user_meta).toMatchObject({ user_id: me.body.user_id, subiss: `olga${op.issuer}`, secret: expect.stringMatching(/^.{8,128}$/) });
    const csrf = me.headers['x-harbor-csrf-token'];
    expect(csrf).toBeTruthy();
    // A change with the session cookie needs the CSRF token.
    expectApiError(await sessionApi(b, 'POST', '/projects', { body: { project_name: 'olga-p' } }), 403, 'FORBIDDEN');
    expect((await sessionApi(b, 'POST', '/projects', { body: { project_name: 'olga-p' }, headers: { 'x-harbor-csrf-token': csrf } })).status).toBe(201);
    // The onboarding step is over: the form is gone.
    expect((await b.request(`${srv.url}/c/oidc/onboard`)).status).toBe(400);
    // The second sign-in of the same subject goes straight to a session.
    const again = await signIn(new HttpBrowser(), 'olga');
    expect(again.location).toBe(`${srv.url}/c/oidc/signed-in`);
    // Sign out as Harbor's UI does: /c/log_out answers an OIDC session with 403 and where to go,
    // /c/oidc/logout ends the session (oidc_logout is off: straight to the sign-in page).
    const sid = b.cookie(srv.url, 'sid')!;
    const first = await b.request(`${srv.url}/c/log_out`);
    expect(first.status).toBe(403);
    expect(JSON.parse(first.text)).toEqual({ redirect_location: `${srv.url}/c/oidc/logout` });
    expect(b.cookie(srv.url, 'sid')).toBe(sid);
    const out1 = await b.request(`${srv.url}/c/oidc/logout`);
    expect(out1.status).toBe(302);
    expect(out1.location).toBe(`${srv.url}/account/sign-in`);
    expect(b.cookie(srv.url, 'sid')).toBeUndefined();
    expect((await b.request(out1.location!)).text).toContain('<a id="sign-in" href="/c/oidc/login">');
    // The audit log names the session's user (the request carried no other credential).
    const out = await api(srv.url, 'GET', '/auditlog-exts', { query: { page_size: '100' } });
    expect((out.body as { operation: string; username: string }[]).filter((r) => r.operation === 'logout').map((r) => r.username)).toEqual(['olga']);
    expectApiError(await api(srv.url, 'GET', '/users/current', { as: null, headers: { cookie: `sid=${sid}` } }), 401, 'UNAUTHORIZED');
  });

  test('POST /c/oidc/onboard with JSON {username} (what Harbor\'s UI sends): 200 and a session; every refusal in Harbor\'s error envelope', async () => {
    op.accounts.set('jo', { email: 'jo@example.org' });
    const b = new HttpBrowser();
    expect((await signIn(b, 'jo')).location).toBe(`${srv.url}/c/oidc/onboard`);
    const post = (json: string, headers?: Record<string, string>) => b.request(`${srv.url}/c/oidc/onboard`, { json, headers });
    const code = (r: { text: string }) => (JSON.parse(r.text) as { errors: { code: string; message: string }[] }).errors[0];
    for (const [body, message] of [
      ['{"username":"admin"}', 'the username admin is already taken'],
      ['{"username":"a,b"}', 'the username must be'],
      ['{"username":""}', 'the username must be'],
      ['{"username":7}', 'username must be a string'],
      ['{}', 'the username must be'],
      ['{"__proto__":{"username":"jo"}}', 'the username must be'],
      ['["jo"]', 'the request body must be a JSON object'],
      ['{"username":', 'JSON'],
    ] as const) {
      const r = await post(body);
      expect(r.status, body).toBe(message.includes('taken') ? 409 : 400);
      expect(r.headers.get('content-type'), body).toMatch(/^application\/json/);
      expect(code(r).message, body).toContain(message);
    }
    expect((await post('{"username":"jo"}', { 'content-type': 'text/plain' })).status).toBe(415);
    // The refusals kept the onboarding step; the name is free: onboarded and signed in.
    const done = await post('{"username":"jo"}');
    expect(done.status, done.text).toBe(200);
    expect(JSON.parse(done.text)).toEqual({ redirect_location: `${srv.url}/c/oidc/signed-in` });
    expect(done.headers.getSetCookie().join('\n')).toMatch(/sid=[^;]+; Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax/);
    expect((await sessionApi(b, 'GET', '/users/current')).body).toMatchObject({ username: 'jo', email: 'jo@example.org' });
    // Once only: the step is over.
    const again = await post('{"username":"jo2"}');
    expect(again.status).toBe(400);
    expect(code(again)).toMatchObject({ code: 'BAD_REQUEST', message: 'no onboarding in progress (it expired or was completed): sign in again' });
  });

  test('oidc_logout: /c/oidc/logout ends the session here and sends the browser to the provider\'s end_session_endpoint with id_token_hint and post_logout_redirect_uri', async () => {
    expect((await api(srv.url, 'GET', '/configurations')).body.oidc_logout).toEqual({ value: false, editable: true });
    await configure({ oidc_auto_onboard: true, oidc_user_claim: 'preferred_username', oidc_logout: true });
    try {
      expect((await api(srv.url, 'GET', '/configurations')).body.oidc_logout.value).toBe(true);
      expectApiError(await configure({ oidc_logout: 'yes' }), 400, 'BAD_REQUEST');
      op.accounts.set('lou', { preferred_username: 'lou' });
      const b = new HttpBrowser();
      await signIn(b, 'lou');
      const sid = b.cookie(srv.url, 'sid')!;
      expect((await sessionApi(b, 'GET', '/users/current')).status).toBe(200);
      const out = await b.request(`${srv.url}/c/oidc/logout`);
      expect(out.status).toBe(302);
      const to = new URL(out.location!);
      expect(`${to.origin}${to.pathname}`).toBe(`${op.issuer}/session/end`);
      expect(to.searchParams.get('post_logout_redirect_uri')).toBe(`${srv.url}/account/sign-in`);
      expect(to.searchParams.get('client_id')).toBe(CLIENT_ID);
      // The hint is the ID token of this sign-in: the provider's own verifier accepts it.
      const hint = JSON.parse(Buffer.from(to.searchParams.get('id_token_hint')!.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
      expect(hint).toMatchObject({ sub: 'lou', aud: CLIENT_ID, iss: op.issuer });
      // The session here is over before the provider is asked.
      expect(b.cookie(srv.url, 'sid')).toBeUndefined();
      expectApiError(await api(srv.url, 'GET', '/users/current', { as: null, headers: { cookie: `sid=${sid}` } }), 401, 'UNAUTHORIZED');
      // The provider asks to confirm, ends its session and sends the browser back to the sign-in page.
      const confirm = await b.request(out.location!);
      expect(confirm.status, confirm.text).toBe(200);
      const action = /<form[^>]*action="([^"]+)"/.exec(confirm.text)![1];
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.text)![1];
      const ended = await b.request(new URL(action, op.issuer).toString(), { form: { xsrf, logout: 'yes' } });
      expect(ended.status).toBeGreaterThanOrEqual(300);
      expect(ended.status).toBeLessThan(400);
      expect(ended.location).toBe(`${srv.url}/account/sign-in`);
      // The audit log has the logout once.
      const log = (await api(srv.url, 'GET', '/auditlog-exts', { query: { page_size: '100' } })).body as { operation: string; username: string }[];
      expect(log.filter((r) => r.operation === 'logout' && r.username === 'lou')).toHaveLength(1);
      // No session (a second visit, a stale cookie): straight to the sign-in page, nothing recorded.
      const again = await b.request(`${srv.url}/c/oidc/logout`, { headers: { cookie: `sid=${sid}` } });
      expect(again.location).toBe(`${srv.url}/account/sign-in`);
      expectApiError(await http(srv.url, 'POST', '/c/oidc/logout', { as: null }), 405, 'METHOD_NOT_ALLOWED');
      // A provider that cannot be reached: an error page that says so; the session here has ended anyway.
      await signIn(b, 'lou');
      await configure({ oidc_endpoint: 'http://127.0.0.1:9/' });
      const down = await b.request(`${srv.url}/c/oidc/logout`);
      expect(down.status).toBe(502);
      expect(errorOf(down)).toContain('you are signed out here, but the session at the OpenID provider could not be ended');
      expect(b.cookie(srv.url, 'sid')).toBeUndefined();
    } finally {
      await configure({ oidc_logout: false, oidc_endpoint: op.issuer });
    }
  });

  test('redirect_url: a local path is where the sign-in lands; another site is refused', async () => {
    op.accounts.set('rita', { name: 'rita' });
    await configure({ oidc_auto_onboard: true });
    const r = await signIn(new HttpBrowser(), 'rita', `${srv.url}/c/oidc/login?redirect_url=${encodeURIComponent('/harbor/projects')}`);
    expect(r.location).toBe(`${srv.url}/harbor/projects`);
    for (const bad of ['//evil.example.org/x', 'https://evil.example.org/', '/\\evil.example.org']) {
      const page = await new HttpBrowser().request(`${srv.url}/c/oidc/login?redirect_url=${encodeURIComponent(bad)}`);
      expect(page.status).toBe(400);
      expect(errorOf(page)).toBe('cannot redirect to other site');
    }
  });

  test('auto-onboarding takes the name from oidc_user_claim; a missing claim is a clear error and creates nobody', async () => {
    await configure({ oidc_auto_onboard: true, oidc_user_claim: 'preferred_username' });
    op.accounts.set('sub-paul', { name: 'Paul', preferred_username: 'paul' });
    const r = await signIn(new HttpBrowser(), 'sub-paul');
    expect(r.location).toBe(`${srv.url}/c/oidc/signed-in`);
    const users = (await api(srv.url, 'GET', '/users?q=username=paul')).body;
    expect(users).toHaveLength(1);
    // `constructor` is on every object's prototype: only the claims' own properties count.
    await configure({ oidc_user_claim: 'constructor' });
    op.accounts.set('sub-nobody', { email: 'nobody@example.org' });
    const page = await signIn(new HttpBrowser(), 'sub-nobody');
    expect(page.status).toBe(400);
    expect(errorOf(page)).toContain('unable to recover the username for automatic onboarding: the claim &#34;constructor&#34; is missing or not a string');
    expect((await api(srv.url, 'GET', '/users')).body.map((u: { email: string }) => u.email)).not.toContain('nobody@example.org');
  });
});

describe('groups, admin group and access by group', () => {
  test('the groups claim becomes OIDC user groups, refreshed at each login; non-strings skipped; the filter applies', async () => {
    await configure({ oidc_auto_onboard: true, oidc_user_claim: 'preferred_username', oidc_group_filter: '^(team-|harbor-)' });
    op.accounts.set('gina', { preferred_username: 'gina', groups: ['team-a', 'team-b', 7, { x: 1 }, null, '__proto__', 'constructor', 'other'] });
    await signIn(new HttpBrowser(), 'gina');
    const groups = (await api(srv.url, 'GET', '/usergroups')).body as { group_name: string; group_type: number }[];
    expect(groups.filter((g) => g.group_name.startsWith('team-')).map((g) => [g.group_name, g.group_type])).toEqual([['team-a', 3], ['team-b', 3]]);
    expect(groups.map((g) => g.group_name)).not.toContain('other');
    expect(groups.map((g) => g.group_name)).not.toContain('__proto__');
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();

    // Project access by group: team-a is a developer of gproj.
    await createProject(srv.url, 'gproj');
    const m = await api(srv.url, 'POST', '/projects/gproj/members', { body: { role_id: 2, member_group: { group_name: 'team-a', group_type: 3 } } });
    expect(m.status, m.text).toBe(201);
    const me = (await api(srv.url, 'GET', '/users?q=username=gina')).body[0];
    await api(srv.url, 'PUT', `/users/${me.user_id}/cli_secret`, { body: { secret: 'Gina-secret-1' } });
    const gina: Creds = { username: 'gina', password: 'Gina-secret-1' };
    expect((await getToken(srv.url, ['repository:gproj/app:pull,push'], gina)).claims!.access[0].actions.sort()).toEqual(['pull', 'push']);

    // The next sign-in without team-a drops the membership, and with it the access.
    op.accounts.set('gina', { preferred_username: 'gina', groups: ['team-b'] });
    await signIn(new HttpBrowser(), 'gina');
    skewMs = 2 * 60_000; // past the auth service's memory of the verified secret
    expect((await getToken(srv.url, ['repository:gproj/app:pull,push'], gina)).claims!.access[0].actions).toEqual([]);
  });

  test('a member of oidc_admin_group is a system admin for that sign-in, not a stored flag', async () => {
    await configure({ oidc_auto_onboard: true, oidc_user_claim: 'preferred_username' });
    op.accounts.set('adam', { preferred_username: 'adam', groups: ['harbor-admins'] });
    const b = new HttpBrowser();
    await signIn(b, 'adam');
    // As Harbor's UserResp: the stored flag stays false, admin_role_in_auth says the provider made the admin.
    const me = await sessionApi(b, 'GET', '/users/current');
    expect(me.body).toMatchObject({ sysadmin_flag: false, admin_role_in_auth: true });
    expect((await sessionApi(b, 'GET', `/users/${me.body.user_id}`)).body).toMatchObject({ sysadmin_flag: false, admin_role_in_auth: true });
    expect((await sessionApi(b, 'GET', '/users')).status).toBe(200);
    const stored = (await api(srv.url, 'GET', `/users/${me.body.user_id}`)).body;
    expect(stored).toMatchObject({ sysadmin_flag: false, admin_role_in_auth: false });
    // Out of the group: the next sign-in is no admin.
    op.accounts.set('adam', { preferred_username: 'adam', groups: [] });
    const b2 = new HttpBrowser();
    await signIn(b2, 'adam');
    expectApiError(await sessionApi(b2, 'GET', '/users'), 403, 'FORBIDDEN');
    expect((await sessionApi(b2, 'GET', '/users/current')).body).toMatchObject({ sysadmin_flag: false, admin_role_in_auth: false });
  });
});

describe('refused sign-ins: a clear page, nothing created', () => {
  test('a wrong state is refused', async () => {
    op.accounts.set('sam', { name: 'sam' });
    const b = new HttpBrowser();
    const cb = await b.follow(`${srv.url}/c/oidc/login`, { login: 'sam', issuer: op.issuer, stop: (l) => l.includes('/c/oidc/callback') });
    const url = new URL(cb.location!);
    url.searchParams.set('state', 'forged-state');
    const page = await b.request(url.toString());
    expect(page.status).toBe(400);
    expect(errorOf(page)).toContain('state mismatch');
    expect(page.text).toContain('href="/c/oidc/login"');
    // The login state is used up: the right state does not work afterwards either.
    url.searchParams.set('state', new URL(cb.location!).searchParams.get('state')!);
    expect(errorOf(await b.request(url.toString()))).toContain('this sign-in has expired or was already used');
  });

  test('a replayed code is refused (with the used login state, and with a fresh one)', async () => {
    await configure({ oidc_auto_onboard: true });
    op.accounts.set('rex', { name: 'rex' });
    const b = new HttpBrowser();
    const cb = await b.follow(`${srv.url}/c/oidc/login`, { login: 'rex', issuer: op.issuer, stop: (l) => l.includes('/c/oidc/callback') });
    expect((await b.request(cb.location!)).status).toBe(302);
    // The access log keeps the callback's parameter names, never the code or the state.
    const code = new URL(cb.location!).searchParams.get('code')!;
    expect(srv.logs.join('\n')).toContain('/c/oidc/callback?code=-&state=-');
    expect(srv.logs.join('\n')).not.toContain(code);
    const again = await b.request(cb.location!);
    expect(again.status).toBe(400);
    expect(errorOf(again)).toContain('this sign-in has expired or was already used');
    // A new login state with the old code (and the new state): the provider refuses the code.
    const fresh = await b.request(`${srv.url}/c/oidc/login`);
    const replay = new URL(cb.location!);
    replay.searchParams.set('state', new URL(fresh.location!).searchParams.get('state')!);
    const page = await b.request(replay.toString());
    expect(page.status).toBe(400);
    expect(errorOf(page)).toContain('the sign-in could not be completed: invalid_grant');
  });

  test('an ID token with another nonce is refused', async () => {
    op.accounts.set('nina', { name: 'nina' });
    const b = new HttpBrowser();
    const start = await b.request(`${srv.url}/c/oidc/login`);
    const tampered = new URL(start.location!);
    tampered.searchParams.set('nonce', 'not-the-registry-nonce');
    const cb = await b.follow(tampered.toString(), { login: 'nina', issuer: op.issuer, stop: (l) => l.includes('/c/oidc/callback') });
    const page = await b.request(cb.location!);
    expect(page.status).toBe(400);
    expect(errorOf(page)).toBe('the sign-in could not be completed: unexpected ID Token &#34;nonce&#34; claim value');
    expect((await api(srv.url, 'GET', '/users')).body.map((u: { username: string }) => u.username)).not.toContain('nina');
  });

  test('an expired login state, or none (no cookie), is refused', async () => {
    op.accounts.set('eve', { name: 'eve' });
    const b = new HttpBrowser();
    const cb = await b.follow(`${srv.url}/c/oidc/login`, { login: 'eve', issuer: op.issuer, stop: (l) => l.includes('/c/oidc/callback') });
    expect(errorOf(await new HttpBrowser().request(cb.location!))).toContain('this sign-in has expired or was already used');
    skewMs = 11 * 60_000;
    const page = await b.request(cb.location!);
    expect(page.status).toBe(400);
    expect(errorOf(page)).toContain('this sign-in has expired or was already used');
  });

  test('the provider\'s own refusal (error=access_denied) is shown', async () => {
    const b = new HttpBrowser();
    const start = await b.request(`${srv.url}/c/oidc/login`);
    const state = new URL(start.location!).searchParams.get('state')!;
    const page = await b.request(`${srv.url}/c/oidc/callback?state=${state}&error=access_denied&error_description=${encodeURIComponent('<script>x</script>')}`);
    expect(page.status).toBe(400);
    expect(errorOf(page)).toBe('the OpenID provider refused the sign-in: access_denied - &#60;script&#62;x&#60;/script&#62;');
    expect(page.text).not.toContain('<script>');
  });

  test('more groups than accepted is refused with the reason', async () => {
    await configure({ oidc_auto_onboard: true });
    op.accounts.set('many', { name: 'many', groups: Array.from({ length: 1001 }, (_, i) => `g${i}`) });
    const page = await signIn(new HttpBrowser(), 'many');
    expect(page.status).toBe(400);
    expect(errorOf(page)).toContain('the groups claim holds 1001 groups; at most 1000 are accepted');
    expect((await api(srv.url, 'GET', '/users')).body.map((u: { username: string }) => u.username)).not.toContain('many');
  });

  test('a forged ID token (same claims, signed by another key) is refused', async () => {
    op.accounts.set('fiona', { name: 'fiona' });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    op.tamperToken = (body) => {
      const [h, p] = String(body.id_token).split('.');
      const kid = (JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string }).kid;
      return { ...body, id_token: signJwt(JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>, privateKey, kid) };
    };
    try {
      const page = await signIn(new HttpBrowser(), 'fiona');
      expect(page.status).toBe(400);
      expect(errorOf(page)).toContain('the sign-in could not be completed:');
      expect(errorOf(page)).toMatch(/signature/i);
    } finally {
      op.tamperToken = undefined;
    }
    expect((await api(srv.url, 'GET', '/users')).body.map((u: { username: string }) => u.username)).not.toContain('fiona');
  });

  test('an ID token for another audience (another client of the same provider, same nonce) is refused', async () => {
    op.accounts.set('otto', { name: 'otto' });
    const b = new HttpBrowser();
    const start = await b.request(`${srv.url}/c/oidc/login`);
    const nonce = new URL(start.location!).searchParams.get('nonce')!;
    // A genuine ID token, signed by the provider, with the registry's nonce, but issued to another client.
    const other = await oidcClient.discovery(new URL(op.issuer), OTHER_CLIENT_ID, CLIENT_SECRET, undefined, { execute: [oidcClient.allowInsecureRequests] });
    const verifier = oidcClient.randomPKCECodeVerifier();
    const url = oidcClient.buildAuthorizationUrl(other, {
      redirect_uri: `${srv.url}/c/oidc/callback`, scope: 'openid', state: 'other-state', nonce,
      code_challenge: await oidcClient.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    });
    const back = await new HttpBrowser().follow(url.toString(), { login: 'otto', issuer: op.issuer, stop: (l) => l.includes('/c/oidc/callback') });
    const foreign = await oidcClient.authorizationCodeGrant(other, new URL(back.location!), { pkceCodeVerifier: verifier, expectedState: 'other-state', expectedNonce: nonce });
    expect(foreign.claims()!.aud).toBe(OTHER_CLIENT_ID);
    op.tamperToken = (body) => ({ ...body, id_token: foreign.id_token });
    try {
      const cb = await b.follow(start.location!, { login: 'otto', issuer: op.issuer, stop: (l) => l.includes('/c/oidc/callback') });
      const page = await b.request(cb.location!);
      expect(page.status).toBe(400);
      expect(errorOf(page)).toBe('the sign-in could not be completed: unexpected JWT &#34;aud&#34; (audience) claim value');
    } finally {
      op.tamperToken = undefined;
    }
    expect((await api(srv.url, 'GET', '/users')).body.map((u: { username: string }) => u.username)).not.toContain('otto');
  });

  test('a provider answer over 1 MiB (a huge claim) is refused, not buffered', async () => {
    await configure({ oidc_auto_onboard: true });
    op.accounts.set('huge', { name: 'huge', huge: 'x'.repeat(1536 * 1024) });
    const page = await signIn(new HttpBrowser(), 'huge');
    expect(page.status).toBe(400);
    expect(errorOf(page)).toContain('the provider&#39;s answer is larger than 1048576 bytes');
    expect((await api(srv.url, 'GET', '/users')).body.map((u: { username: string }) => u.username)).not.toContain('huge');
  });

  test('cli_redirect must be a loopback address (RFC 8252)', async () => {
    const state = 'abcdefghijklmnopqrstuvwxyz';
    const challenge = 'a'.repeat(43);
    for (const to of ['http://evil.example.org:8080/cb', 'https://127.0.0.1:9/cb', 'http://127.0.0.1/cb', 'http://localhost:9/cb']) {
      const page = await new HttpBrowser().request(`${srv.url}/c/oidc/login?cli_redirect=${encodeURIComponent(to)}&cli_state=${state}&cli_challenge=${challenge}`);
      expect(page.status).toBe(400);
      expect(errorOf(page)).toContain('cli_redirect must be http://127.0.0.1:PORT/PATH');
    }
    const short = await new HttpBrowser().request(`${srv.url}/c/oidc/login?cli_redirect=${encodeURIComponent('http://127.0.0.1:9/cb')}&cli_state=x&cli_challenge=${challenge}`);
    expect(errorOf(short)).toContain('cli_state must be');
  });
});

describe('CLI secrets', () => {
  test('the token service and Basic on /v2 take the CLI secret; a password or a wrong secret is refused', async () => {
    const { secret, id } = await onboard('carl', { name: 'carl', groups: ['team-c'] });
    await createProject(srv.url, 'cproj');
    await api(srv.url, 'POST', '/projects/cproj/members', { body: { role_id: 2, member_group: { group_name: 'team-c', group_type: 3 } } });
    const carl: Creds = { username: 'carl', password: secret };
    const t = await getToken(srv.url, ['repository:cproj/app:pull,push'], carl);
    expect(t.status).toBe(200);
    expect(t.claims!.sub).toBe('carl');
    expect(t.claims!.access[0].actions.sort()).toEqual(['pull', 'push']);
    // podman login's probe: GET /v2/ with Basic.
    expect((await http(srv.url, 'GET', '/v2/', { as: carl })).status).toBe(200);
    // Anything but the CLI secret is refused, and no password can be set for an OIDC user.
    expect((await getToken(srv.url, ['repository:cproj/app:pull'], { username: 'carl', password: 'Any-passw0rd' })).status).toBe(401);
    expect((await http(srv.url, 'GET', '/v2/', { as: { username: 'carl', password: `${secret}x` } })).status).toBe(401);
    expectApiError(await api(srv.url, 'PUT', `/users/${id}/password`, { body: { new_password: 'New-passw0rd' } }), 403, 'FORBIDDEN');
    // The admin still signs in with its password.
    expect((await getToken(srv.url, ['repository:cproj/app:pull'], admin)).status).toBe(200);
    // The CLI secret and the provider's tokens are sealed at rest.
    const db = new Database(join(srv.dataDir, 'registry.db'), { readonly: true });
    try {
      const row = db.prepare('SELECT secret, token FROM oidc_users WHERE user_id = ?').get(id) as { secret: string; token: string };
      expect(row.secret).toMatch(/^v1:/);
      expect(row.token).toMatch(/^v1:/);
      expect(row.secret).not.toContain(secret);
      expect(db.prepare("SELECT count(*) FROM web_sessions WHERE data NOT LIKE 'v1:%'").pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });

  test('PUT /users/{id}/cli_secret: Harbor\'s strength rules, generated when empty, the old secret dead at once; self or admin only', async () => {
    const { secret, id } = await onboard('dora', { name: 'dora' });
    const { id: otherId } = await onboard('ed', { name: 'ed' });
    const dora: Creds = { username: 'dora', password: secret };
    expect((await http(srv.url, 'GET', '/v2/', { as: dora })).status).toBe(200);
    const weak = await api(srv.url, 'PUT', `/users/${id}/cli_secret`, { as: dora, body: { secret: 'weak' } });
    expectApiError(weak, 400, 'BAD_REQUEST');
    expect((await api(srv.url, 'PUT', `/users/${id}/cli_secret`, { as: dora, body: { secret: 'Dora-secret-2' } })).status).toBe(200);
    expect((await http(srv.url, 'GET', '/v2/', { as: dora })).status).toBe(401);
    expect((await http(srv.url, 'GET', '/v2/', { as: { username: 'dora', password: 'Dora-secret-2' } })).status).toBe(200);
    expectApiError(await api(srv.url, 'PUT', `/users/${otherId}/cli_secret`, { as: { username: 'dora', password: 'Dora-secret-2' }, body: { secret: 'Ed-secret-22' } }), 403, 'FORBIDDEN');
    expect((await api(srv.url, 'PUT', `/users/${id}/cli_secret`, { body: {} })).status).toBe(200);
    const meta = (await api(srv.url, 'GET', '/users/current', { as: null, headers: { authorization: `Basic ${Buffer.from('dora:Dora-secret-2').toString('base64')}` } }));
    expect(meta.status).toBe(401);
    // The admin is no OIDC user.
    expectApiError(await api(srv.url, 'PUT', '/users/1/cli_secret', { body: { secret: 'Admin-secret-1' } }), 412, 'PRECONDITION');
    expectApiError(await api(srv.url, 'PUT', '/users/99999/cli_secret', { body: { secret: 'Admin-secret-1' } }), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'PUT', `/users/${id}/cli_secret`, { as: null, body: { secret: 'Admin-secret-1' } }), 401, 'UNAUTHORIZED');
  });

  test('an expired access token is refreshed when the CLI secret is used: groups follow the provider; a failed refresh refuses', async () => {
    const { secret } = await onboard('fred', { name: 'fred', groups: ['team-f1'] });
    await createProject(srv.url, 'fproj');
    expect((await api(srv.url, 'POST', '/usergroups', { body: { group_name: 'team-f2', group_type: 3 } })).status).toBe(201);
    expect((await api(srv.url, 'POST', '/projects/fproj/members', { body: { role_id: 2, member_group: { group_name: 'team-f2', group_type: 3 } } })).status).toBe(201);
    const fred: Creds = { username: 'fred', password: secret };
    expect((await getToken(srv.url, ['repository:fproj/app:pull'], fred)).claims!.access[0].actions).toEqual([]);
    op.accounts.set('fred', { name: 'fred', groups: ['team-f2'] });
    skewMs = 2 * 3600_000; // the access token (1 h) has expired on the registry's clock
    expect((await getToken(srv.url, ['repository:fproj/app:pull'], fred)).claims!.access[0].actions).toEqual(['pull']);
    // The account is gone at the provider: the refresh fails, the secret is refused.
    op.accounts.delete('fred');
    skewMs = 4 * 3600_000;
    expect((await getToken(srv.url, ['repository:fproj/app:pull'], fred)).status).toBe(401);
    expect(srv.logs.join('\n')).toContain('OIDC CLI secret refused');
    expect(srv.logs.join('\n')).not.toContain(secret);
  });
});

describe('a provider that is down', () => {
  test('the sign-in shows a clear error and creates nothing', async () => {
    const before = (await api(srv.url, 'GET', '/users')).body.length;
    await configure({ oidc_endpoint: 'http://127.0.0.1:1' });
    try {
      const page = await new HttpBrowser().request(`${srv.url}/c/oidc/login`);
      expect(page.status).toBe(502);
      expect(errorOf(page)).toContain('the OpenID provider cannot be reached or is not one');
    } finally {
      await configure({ oidc_endpoint: op.issuer });
    }
    expect((await api(srv.url, 'GET', '/users')).body.length).toBe(before);
  });
});

test('once OIDC users exist the auth mode cannot change (Harbor\'s rule)', async () => {
  await configure({ oidc_auto_onboard: true });
  op.accounts.set('late', { name: 'late' });
  expect((await signIn(new HttpBrowser(), 'late')).status).toBe(302);
  const r = await configure({ auth_mode: 'db_auth' });
  expectApiError(r, 400, 'BAD_REQUEST');
  expect(r.body.errors[0].message).toBe('the auth mode cannot be modified as new users have been inserted into database');
  expect((await api(srv.url, 'GET', '/configurations')).body.auth_mode).toEqual({ value: 'oidc_auth', editable: false });
});
