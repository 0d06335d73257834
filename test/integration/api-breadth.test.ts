// Issue 14, Harbor API breadth: repositories across projects and their descriptions, artifact copy,
// project-wide artifact lists, labels and the small read-only endpoints, on a real server.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addMember, admin, api, basicHeader, createProject, createUser, expectApiError, pushImageWith } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
const dev = { username: 'bdev', password: 'Devel12345' };
const guest = { username: 'bguest', password: 'Guest12345' };
const outsider = { username: 'bout', password: 'Outsd12345' };

async function push(repo: string, tag: string): Promise<string> {
  const r = await pushImageWith(srv.url, repo, tag, basicHeader(admin));
  if (!r.ok) throw new Error(r.text);
  return r.digest;
}

beforeAll(async () => {
  srv = await startTestServer();
  await createProject(srv.url, 'priv');
  await createProject(srv.url, 'pub', { public: true });
  await createProject(srv.url, 'hidden');
  for (const u of [dev, guest, outsider]) await createUser(srv.url, u.username, u.password);
  await addMember(srv.url, 'priv', dev.username, 2);
  await addMember(srv.url, 'priv', guest.username, 3);
  await push('priv/app', 'v1');
  await push('priv/team/api', 'v1');
  await push('pub/web', 'v1');
  await push('hidden/secret', 'v1');
});
afterAll(async () => { await srv.close(); });

const names = (body: { name: string }[]): string[] => body.map((x) => x.name).sort();

describe('GET /repositories', () => {
  test('an admin sees every project\'s repositories, with paging and q=', async () => {
    const r = await api(srv.url, 'GET', '/repositories');
    expect(r.status).toBe(200);
    expect(names(r.body)).toEqual(['hidden/secret', 'priv/app', 'priv/team/api', 'pub/web']);
    expect(r.headers['x-total-count']).toBe('4');
    const q = await api(srv.url, 'GET', `/repositories?q=${encodeURIComponent('name=~team')}`);
    expect(names(q.body)).toEqual(['priv/team/api']);
    const page = await api(srv.url, 'GET', '/repositories?sort=name&page=2&page_size=1');
    expect(page.body.map((x: { name: string }) => x.name)).toEqual(['priv/app']);
    expect(page.headers['x-total-count']).toBe('4');
    expect(page.headers.link).toContain('rel="next"');
    expect(page.headers.link).toContain('rel="prev"');
  });

  test('a member sees its projects and public ones; an outsider and anonymous only public ones', async () => {
    expect(names((await api(srv.url, 'GET', '/repositories', { as: guest })).body)).toEqual(['priv/app', 'priv/team/api', 'pub/web']);
    expect(names((await api(srv.url, 'GET', '/repositories', { as: outsider })).body)).toEqual(['pub/web']);
    const anon = await api(srv.url, 'GET', '/repositories', { as: null });
    expect(names(anon.body)).toEqual(['pub/web']);
    expect(anon.headers['x-total-count']).toBe('1');
  });

  test('a malformed q= is a 400', async () => {
    expectApiError(await api(srv.url, 'GET', '/repositories?q=novalue'), 400, 'BAD_REQUEST');
  });
});

describe('PUT a repository', () => {
  test('sets the description, HTML-escaped as Harbor stores it', async () => {
    const r = await api(srv.url, 'PUT', '/projects/priv/repositories/team%252Fapi', { as: dev, body: { description: 'the <b>API</b> & "co"' } });
    expect(r.status).toBe(200);
    const g = await api(srv.url, 'GET', '/projects/priv/repositories/team%252Fapi');
    expect(g.body.description).toBe('the &lt;b&gt;API&lt;/b&gt; &amp; &#34;co&#34;');
    const all = await api(srv.url, 'GET', `/repositories?q=${encodeURIComponent('name=priv/team/api')}`);
    expect(all.body[0].description).toBe(g.body.description);
  });

  test('a guest may not (403), anonymous must sign in (401), an unknown repository is 404', async () => {
    expectApiError(await api(srv.url, 'PUT', '/projects/priv/repositories/app', { as: guest, body: { description: 'x' } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'PUT', '/projects/priv/repositories/app', { as: null, body: { description: 'x' } }), 401, 'UNAUTHORIZED');
    expectApiError(await api(srv.url, 'PUT', '/projects/priv/repositories/nope', { body: { description: 'x' } }), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'PUT', '/projects/priv/repositories/app', { body: { description: 3 } }), 400, 'BAD_REQUEST');
  });
});
