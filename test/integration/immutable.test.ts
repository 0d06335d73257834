// Immutable tag rules (issue 15 §5): Harbor's /projects/{p}/immutabletagrules, and every way to move
// or remove an immutable tag refused with Harbor's 412 PRECONDITION and message.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addMember, admin, api, basicHeader, createProject, createUser, expectApiError, http, pushImageWith, type Creds } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
const auth = basicHeader(admin);
const dev: Creds = { username: 'imdev', password: 'Imdev12345' };
const maint: Creds = { username: 'immaint', password: 'Immaint12345' };

const sel = (decoration: string, pattern: string) => ({ kind: 'doublestar', decoration, pattern });
const rule = (tag: string, repo = '**', over: Record<string, unknown> = {}) => ({
  disabled: false, action: 'immutable', template: 'immutable_template',
  tag_selectors: [sel('matches', tag)], scope_selectors: { repository: [sel('repoMatches', repo)] }, ...over,
});

async function push(repo: string, tag: string, seed: string) {
  return pushImageWith(srv.url, repo, tag, auth, seed);
}

beforeAll(async () => {
  srv = await startTestServer();
  await createProject(srv.url, 'imm');
  await createUser(srv.url, dev.username, dev.password);
  await createUser(srv.url, maint.username, maint.password);
  await addMember(srv.url, 'imm', dev.username, 2);
  await addMember(srv.url, 'imm', maint.username, 4);
});
afterAll(async () => {
  await srv.close();
});

describe('immutable tag rules API', () => {
  test('create, list, update, disable and delete a rule, with Harbor shapes and codes', async () => {
    const c = await api(srv.url, 'POST', '/projects/imm/immutabletagrules', { as: maint, body: rule('v*', 'crud') });
    expect(c.status, c.text).toBe(201);
    const id = Number(c.headers.location.split('/').pop());
    expect(c.headers.location).toBe(`/api/v2.0/projects/imm/immutabletagrules/${id}`);
    const dup = await api(srv.url, 'POST', '/projects/imm/immutabletagrules', { as: maint, body: rule('v*', 'crud') });
    expectApiError(dup, 409, 'CONFLICT');
    const l = await api(srv.url, 'GET', '/projects/imm/immutabletagrules', { as: maint });
    expect(l.status).toBe(200);
    expect(l.body.find((r: { id: number }) => r.id === id)).toEqual({ id, priority: 0, disabled: false, action: 'immutable', template: 'immutable_template',
      params: {}, tag_selectors: [{ ...sel('matches', 'v*'), extras: '' }], scope_selectors: { repository: [{ ...sel('repoMatches', 'crud'), extras: '' }] } });
    const mismatch = await api(srv.url, 'PUT', `/projects/imm/immutabletagrules/${id}`, { as: maint, body: rule('x') });
    expectApiError(mismatch, 400, 'BAD_REQUEST');
    expect((await api(srv.url, 'PUT', `/projects/imm/immutabletagrules/${id}`, { as: maint, body: { id, ...rule('1.*', 'crud') } })).status).toBe(200);
    expect((await api(srv.url, 'PUT', `/projects/imm/immutabletagrules/${id}`, { as: maint, body: { id, ...rule('1.*', 'crud'), disabled: true } })).status).toBe(200);
    const after = (await api(srv.url, 'GET', '/projects/imm/immutabletagrules', { as: maint })).body.find((r: { id: number }) => r.id === id);
    expect(after).toMatchObject({ disabled: true, tag_selectors: [{ pattern: '1.*' }] });
    expect((await api(srv.url, 'DELETE', `/projects/imm/immutabletagrules/${id}`, { as: maint })).status).toBe(200);
    expectApiError(await api(srv.url, 'DELETE', `/projects/imm/immutabletagrules/${id}`, { as: maint }), 404, 'NOT_FOUND');
  });

  test('RBAC: a developer may not list or create rules; anonymous is asked to sign in', async () => {
    expectApiError(await api(srv.url, 'GET', '/projects/imm/immutabletagrules', { as: dev }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'POST', '/projects/imm/immutabletagrules', { as: dev, body: rule('x') }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/projects/imm/immutabletagrules', { as: null }), 401, 'UNAUTHORIZED');
  });

  test('bad rules are refused: wrong kind, bad decoration, empty or hostile pattern, prototype keys', async () => {
    const bad = [
      { ...rule('x'), tag_selectors: [{ kind: 'label', decoration: 'matches', pattern: 'x' }] },
      { ...rule('x'), tag_selectors: [sel('repoMatches', 'x')] },
      rule(''),
      rule('{a,b}'.repeat(10)),
      rule('x'.repeat(300)),
      { ...rule('x'), scope_selectors: JSON.parse('{"__proto__":[{"kind":"doublestar","decoration":"repoMatches","pattern":"**"}]}') },
      { ...rule('x'), tag_selectors: [] },
    ];
    for (const b of bad) expectApiError(await api(srv.url, 'POST', '/projects/imm/immutabletagrules', { body: b }), 400, 'BAD_REQUEST');
  });
});

describe('immutable tags are enforced', () => {
  let ruleId: number;
  beforeAll(async () => {
    const c = await api(srv.url, 'POST', '/projects/imm/immutabletagrules', { body: rule('rel-*', 'app/**') });
    expect(c.status, c.text).toBe(201);
    ruleId = Number(c.headers.location.split('/').pop());
  });

  test('a push to an existing immutable tag: 412 with Harbor message, the same digest again too (Harbor\'s pushmf middleware)', async () => {
    const first = await push('imm/app/one', 'rel-1', 'a');
    expect(first.ok).toBe(true);
    const again = await push('imm/app/one', 'rel-1', 'a');
    expect(again.ok ? 200 : again.status).toBe(412);
    const moved = await push('imm/app/one', 'rel-1', 'b');
    expect(moved.ok).toBe(false);
    if (moved.ok) return;
    expect(moved.status).toBe(412);
    expect(JSON.parse(moved.text).errors[0]).toMatchObject({ code: 'PRECONDITION', message: "Failed to process request due to 'app/one:rel-1' configured as immutable." });
    const still = await http(srv.url, 'HEAD', '/v2/imm/app/one/manifests/rel-1', { headers: auth });
    expect(still.headers['docker-content-digest']).toBe(first.ok ? first.digest : '');
    // A tag the rule does not select, and a repository it does not select, still move.
    expect((await push('imm/app/one', 'dev-1', 'a')).ok).toBe(true);
    expect((await push('imm/app/one', 'dev-1', 'b')).ok).toBe(true);
    expect((await push('imm/other', 'rel-1', 'a')).ok).toBe(true);
    expect((await push('imm/other', 'rel-1', 'b')).ok).toBe(true);
  });

  test('deletes of an immutable tag or artifact are refused on every path', async () => {
    const img = await push('imm/app/del', 'rel-2', 'd');
    if (!img.ok) throw new Error(img.text);
    const msg = 'the tag rel-2 configured as immutable, cannot be deleted';
    const byDigest = await http(srv.url, 'DELETE', `/v2/imm/app/del/manifests/${img.digest}`, { headers: auth });
    expect(byDigest.status).toBe(412);
    expect(JSON.parse(byDigest.text).errors[0]).toMatchObject({ code: 'PRECONDITION', message: msg });
    const byTag = await http(srv.url, 'DELETE', '/v2/imm/app/del/manifests/rel-2', { headers: auth });
    expect(byTag.status).toBe(412);
    const art = await api(srv.url, 'DELETE', `/projects/imm/repositories/app%252Fdel/artifacts/${img.digest}`);
    expectApiError(art, 412, 'PRECONDITION');
    expect(art.body.errors[0].message).toBe(msg);
    expectApiError(await api(srv.url, 'DELETE', `/projects/imm/repositories/app%252Fdel/artifacts/${img.digest}/tags/rel-2`), 412, 'PRECONDITION');
    expectApiError(await api(srv.url, 'DELETE', '/projects/imm/repositories/app%252Fdel'), 412, 'PRECONDITION');
    expect((await http(srv.url, 'HEAD', '/v2/imm/app/del/manifests/rel-2', { headers: auth })).status).toBe(200);
  });

  test('disabling the rule lifts the protection', async () => {
    const img = await push('imm/app/off', 'rel-3', 'e');
    if (!img.ok) throw new Error(img.text);
    expect((await api(srv.url, 'PUT', `/projects/imm/immutabletagrules/${ruleId}`, { body: { id: ruleId, ...rule('rel-*', 'app/**'), disabled: true } })).status).toBe(200);
    try {
      expect((await push('imm/app/off', 'rel-3', 'f')).ok).toBe(true);
      expect((await api(srv.url, 'DELETE', '/projects/imm/repositories/app%252Foff')).status).toBe(200);
    } finally {
      await api(srv.url, 'PUT', `/projects/imm/immutabletagrules/${ruleId}`, { body: { id: ruleId, ...rule('rel-*', 'app/**'), disabled: false } });
    }
  });

  test('racing pushes of different digests to one new immutable tag: one wins, the tag never moves', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => push('imm/app/race', 'rel-race', `r${i}`)));
    const ok = results.filter((r) => r.ok);
    expect(ok).toHaveLength(1);
    for (const r of results) if (!r.ok) expect(r.status).toBe(412);
    const head = await http(srv.url, 'HEAD', '/v2/imm/app/race/manifests/rel-race', { headers: auth });
    expect(head.headers['docker-content-digest']).toBe(ok[0].ok ? ok[0].digest : '');
  });
});
