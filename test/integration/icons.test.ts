// Issue 14: GET /icons/{digest} serves the icon an artifact's `icon` field names, to anyone.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { admin, api, basicHeader, expectApiError, pushImageWith } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
beforeAll(async () => { srv = await startTestServer(); });
afterAll(async () => { await srv.close(); });

test('an artifact\'s icon is served under Harbor\'s digest name, without sign-in', async () => {
  expect(await pushImageWith(srv.url, 'library/icon', 'v1', basicHeader(admin))).toMatchObject({ ok: true });
  const a = await api(srv.url, 'GET', '/projects/library/repositories/icon/artifacts/v1', { as: null });
  expect(a.body.icon).toBe('sha256:0048162a053eef4d4ce3fe7518615bef084403614f8bca43b40ae2e762e11e06');
  const r = await api(srv.url, 'GET', `/icons/${a.body.icon}`, { as: null });
  expect(r.status).toBe(200);
  expect(r.body['content-type']).toBe('image/svg+xml');
  expect(Buffer.from(r.body.content, 'base64').toString('utf8')).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^]*<\/svg>$/);
  for (const d of ['sha256:c19f80c357cd7e90d2a01b9ae3e2eb62ce447a2662bb590a19177d72d550bdae', 'sha256:1e1e5c5fdaf0931ec8655e835d1182f723a0c322a6760211622e1270f0193717',
    'sha256:da834479c923584f4cbcdecc0dac61f32bef1d51e8aae598cf16bd154efab49f']) {
    expect((await api(srv.url, 'GET', `/icons/${d}`, { as: null })).status).toBe(200);
  }
});

test('an unknown digest is a 404, a malformed one a 400', async () => {
  expectApiError(await api(srv.url, 'GET', `/icons/sha256:${'0'.repeat(64)}`), 404, 'NOT_FOUND');
  expectApiError(await api(srv.url, 'GET', '/icons/constructor'), 400, 'BAD_REQUEST');
  expectApiError(await api(srv.url, 'GET', '/icons/__proto__'), 400, 'BAD_REQUEST');
});
