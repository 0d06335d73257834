// The OIDC sign-in in a real browser (issue 17): Debian's Chromium, headless, through the registry's
// login, the test OP's login form, the callback, the onboarding page, to the signed-in page; then
// the session cookie opens the API from that browser.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { api } from '../helpers/api.js';
import { startChromium, type TestBrowser } from '../helpers/chromium.js';
import { CLIENT_ID, CLIENT_SECRET, startTestOp, type TestOp } from '../helpers/oidc-provider.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let op: TestOp;
let srv: TestServer;
let browser: TestBrowser;

beforeAll(async () => {
  op = await startTestOp(() => [`${srv.url}/c/oidc/callback`]);
  srv = await startTestServer();
  const r = await api(srv.url, 'PUT', '/configurations', { body: {
    auth_mode: 'oidc_auth', oidc_endpoint: op.issuer, oidc_client_id: CLIENT_ID, oidc_client_secret: CLIENT_SECRET,
    oidc_scope: 'openid,profile,email,offline_access', oidc_groups_claim: 'groups',
  } });
  expect(r.status, r.text).toBe(200);
  browser = await startChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await srv?.close();
  await op?.stop();
});

test('login → OP login form → callback → onboarding page → signed in, and the API answers with the session', async () => {
  op.accounts.set('bea', { name: 'Bea Browser', email: 'bea@example.org', groups: ['web-team'] });
  const page = await browser.context.newPage();
  await page.goto(`${srv.url}/c/oidc/login`, { waitUntil: 'domcontentloaded' });
  // The OP's sign-in form (oidc-provider's dev interaction), then its consent when it asks.
  expect(new URL(page.url()).origin).toBe(op.issuer);
  await page.fill('input[name="login"]', 'bea');
  await page.fill('input[name="password"]', 'anything');
  await page.click('button[type="submit"]');
  await page.waitForURL((u) => u.origin === srv.url || u.pathname.startsWith('/interaction/'), { waitUntil: 'domcontentloaded' });
  if (new URL(page.url()).origin === op.issuer) await page.click('button[type="submit"]');
  await page.waitForURL(`${srv.url}/c/oidc/onboard`, { waitUntil: 'domcontentloaded' });
  expect(await page.inputValue('#username')).toBe('Bea_Browser');
  await page.fill('#username', 'admin');
  await page.click('#submit');
  await page.waitForSelector('#error');
  expect(await page.textContent('#error')).toBe('the username admin is already taken');
  await page.fill('#username', 'bea');
  await page.click('#submit');
  await page.waitForURL(`${srv.url}/c/oidc/signed-in`, { waitUntil: 'domcontentloaded' });
  expect(await page.textContent('#username')).toBe('bea');
  // The browser's session cookie opens the API (our pages' CSP forbids scripts fetching: the browser navigates).
  const reply = await page.goto(`${srv.url}/api/v2.0/users/current`);
  expect(reply!.status()).toBe(200);
  const me = await reply!.json() as { username: string; oidc_user_meta: { secret: string } };
  expect(me.username).toBe('bea');
  expect(me.oidc_user_meta.secret.length).toBeGreaterThanOrEqual(8);
  const groups = (await api(srv.url, 'GET', '/usergroups')).body as { group_name: string; group_type: number }[];
  expect(groups).toEqual([expect.objectContaining({ group_name: 'web-team', group_type: 3 })]);
  await page.close();
});
