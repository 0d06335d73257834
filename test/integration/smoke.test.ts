import { afterAll, beforeAll, expect, test } from 'vitest';
import { adminRequest as request } from '../helpers/admin-auth.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
beforeAll(async () => { srv = await startTestServer(); });
afterAll(async () => { await srv.close(); });

test('GET /v2/ answers 200 {} with the API version header', async () => {
  const res = await request(`${srv.url}/v2/`);
  expect(res.statusCode).toBe(200);
  expect(res.headers['docker-distribution-api-version']).toBe('registry/2.0');
  expect(await res.body.json()).toEqual({});
});
