// Issue 14, Harbor API breadth: repositories across projects and their descriptions, artifact copy,
// project-wide artifact lists, labels and the small read-only endpoints, on a real server.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addMember, admin, api, basicHeader, createProject, createUser, expectApiError, http, pushImageWith, type ApiReply, type Creds } from '../helpers/api.js';
import { EMPTY_JSON, MT, pushBlob, pushImage, pushManifest } from '../helpers/oci.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { validateResponse } from '../helpers/swagger.js';

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

/** An addition: the swagger declares its body a string, whatever the content type says. */
async function addition(path: string, as: Creds | null = admin): Promise<ApiReply> {
  const r = await api(srv.url, 'GET', path, { as, raw: true });
  validateResponse('GET', path, r.status, r.status === 200 ? r.text : r.body);
  return r;
}

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

describe('CopyArtifact', () => {
  const copy = (to: string, from: string, as?: typeof dev | null): ReturnType<typeof api> =>
    api(srv.url, 'POST', `/projects/${to}/artifacts?from=${encodeURIComponent(from)}`, { as });

  test('by tag across projects: the artifact, its tags and its accessory; Location; quota counted', async () => {
    await createProject(srv.url, 'copysrc');
    await createProject(srv.url, 'copydst');
    const img = await pushImage(srv.url, 'copysrc/app', 'v1');
    await api(srv.url, 'POST', '/projects/copysrc/repositories/app/artifacts/v1/tags', { body: { name: 'stable' } });
    const empty = await pushBlob(srv.url, 'copysrc/app', EMPTY_JSON, MT.ociEmpty);
    const acc = await pushManifest(srv.url, 'copysrc/app', 'sig', {
      schemaVersion: 2, mediaType: MT.ociManifest, artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      config: { ...empty, mediaType: MT.ociEmpty }, layers: [{ ...empty, mediaType: MT.ociEmpty }],
      subject: { mediaType: MT.ociManifest, digest: img.digest, size: img.size },
    }, MT.ociManifest);
    const before = (await api(srv.url, 'GET', '/projects/copydst/summary')).body.quota.used.storage;
    const r = await copy('copydst/repositories/mirror%252Fapp', 'copysrc/app:v1');
    expect(r.status, r.text).toBe(201);
    expect(r.headers.location).toBe('/api/v2.0/projects/copydst/repositories/mirror%252Fapp/artifacts/v1');
    const a = await api(srv.url, 'GET', '/projects/copydst/repositories/mirror%252Fapp/artifacts/v1?with_accessory=true');
    expect(a.body.digest).toBe(img.digest);
    expect(a.body.tags.map((t: { name: string }) => t.name).sort()).toEqual(['stable', 'v1']);
    expect(a.body.accessories.map((x: { digest: string; type: string }) => [x.digest, x.type])).toEqual([[acc.digest, 'signature.cosign']]);
    const after = (await api(srv.url, 'GET', '/projects/copydst/summary')).body.quota.used.storage;
    expect(after).toBeGreaterThan(before);
    // Copying again changes nothing and still answers 201.
    expect((await copy('copydst/repositories/mirror%252Fapp', `copysrc/app@${img.digest}`)).status).toBe(201);
    expect((await api(srv.url, 'GET', '/projects/copydst/summary')).body.quota.used.storage).toBe(after);
    // The copy stands on its own: deleting the source leaves it.
    expect((await api(srv.url, 'DELETE', '/projects/copysrc/repositories/app')).status).toBe(200);
    expect((await api(srv.url, 'GET', '/projects/copydst/repositories/mirror%252Fapp/artifacts/v1')).status).toBe(200);
  });

  test('an index with its children, by digest', async () => {
    const a = await pushImage(srv.url, 'priv/multi', 'amd64');
    const b = await pushImage(srv.url, 'priv/multi', 'arm64');
    const idx = await pushManifest(srv.url, 'priv/multi', 'all', {
      schemaVersion: 2, mediaType: MT.ociIndex,
      manifests: [{ mediaType: MT.ociManifest, digest: a.digest, size: a.size, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: MT.ociManifest, digest: b.digest, size: b.size, platform: { os: 'linux', architecture: 'arm64' } }],
    }, MT.ociIndex);
    expect((await copy('pub/repositories/multi', `priv/multi@${idx.digest}`)).status).toBe(201);
    const list = await api(srv.url, 'GET', '/projects/pub/repositories/multi/artifacts');
    expect(list.body.map((x: { digest: string }) => x.digest)).toEqual([idx.digest]);
    for (const d of [a.digest, b.digest]) expect((await api(srv.url, 'GET', `/projects/pub/repositories/multi/artifacts/${d}`)).status).toBe(200);
    // The copy is pullable anonymously from the public project.
    const pulled = await api(srv.url, 'GET', `/projects/pub/repositories/multi/artifacts/all`, { as: null });
    expect(pulled.body.references.map((x: { child_digest: string }) => x.child_digest)).toEqual([a.digest, b.digest]);
  });

  test('Harbor\'s errors: from required (422), malformed (400), unknown (404), an accessory (403), permissions, quota', async () => {
    expectApiError(await api(srv.url, 'POST', '/projects/pub/repositories/x/artifacts'), 422, 'UNPROCESSABLE_ENTITY');
    expectApiError(await copy('pub/repositories/x', 'no-reference'), 400, 'BAD_REQUEST');
    expectApiError(await copy('pub/repositories/x', 'priv/app@sha256:nothex'), 400, 'BAD_REQUEST');
    expectApiError(await copy('pub/repositories/x', 'priv/app:nope'), 404, 'NOT_FOUND');
    expectApiError(await copy('pub/repositories/x', 'noproject/app:v1'), 404, 'NOT_FOUND');
    // The guest may read priv but not create in it; the outsider may create nowhere it is not a member.
    expectApiError(await copy('priv/repositories/x', 'pub/web:v1', guest), 403, 'FORBIDDEN');
    expectApiError(await copy('priv/repositories/x', 'pub/web:v1', null), 401, 'UNAUTHORIZED');
    // The developer may create in priv, but not read hidden.
    expectApiError(await copy('priv/repositories/x', 'hidden/secret:v1', dev), 403, 'FORBIDDEN');
    expect((await copy('priv/repositories/x', 'pub/web:v1', dev)).status).toBe(201);

    const img = await pushImage(srv.url, 'priv/signed', 'v1');
    const empty = await pushBlob(srv.url, 'priv/signed', EMPTY_JSON, MT.ociEmpty);
    const acc = await pushManifest(srv.url, 'priv/signed', 'sig', {
      schemaVersion: 2, mediaType: MT.ociManifest, artifactType: 'application/vnd.example.sig',
      config: { ...empty, mediaType: MT.ociEmpty }, layers: [{ ...empty, mediaType: MT.ociEmpty }],
      subject: { mediaType: MT.ociManifest, digest: img.digest, size: img.size },
    }, MT.ociManifest);
    expectApiError(await copy('pub/repositories/x', `priv/signed@${acc.digest}`), 403, 'DENIED');

    await createProject(srv.url, 'tiny');
    expect((await api(srv.url, 'PUT', '/projects/tiny', { body: { storage_limit: 10 } })).status).toBe(200);
    const q = await copy('tiny/repositories/x', 'priv/signed:v1');
    expectApiError(q, 403, 'DENIED');
    expect(q.body.errors[0].message).toMatch(/^Quota exceeded/);
    expect((await api(srv.url, 'GET', '/projects/tiny/summary')).body.quota.used.storage).toBe(0);
    expect((await api(srv.url, 'GET', '/projects/tiny/repositories')).body).toEqual([]);
  });
});

describe('artifacts of a project, additions and fields', () => {
  test('GET /projects/{p}/artifacts lists every repository\'s artifacts, by name or id, with q= and latest_in_repository', async () => {
    const r = await api(srv.url, 'GET', '/projects/priv/artifacts?page_size=100');
    expect(r.status).toBe(200);
    const repos = r.body.map((a: { repository_name: string }) => a.repository_name);
    expect(repos).toEqual(expect.arrayContaining(['priv/app', 'priv/team/api']));
    expect(Number(r.headers['x-total-count'])).toBe(r.body.length);
    const pid = (await api(srv.url, 'GET', '/projects/priv')).body.project_id;
    expect((await api(srv.url, 'GET', `/projects/${pid}/artifacts?page_size=100`)).body).toHaveLength(r.body.length);
    const q = await api(srv.url, 'GET', `/projects/priv/artifacts?q=${encodeURIComponent('tags=v1')}&with_tag=false`);
    expect(q.body.every((a: { tags?: unknown }) => a.tags === undefined)).toBe(true);
    const latest = await api(srv.url, 'GET', `/projects/priv/artifacts?latest_in_repository=true&q=${encodeURIComponent('media_type=application/vnd.oci.image.config.v1+json')}&page_size=100`);
    const perRepo = latest.body.map((a: { repository_name: string }) => a.repository_name);
    expect(new Set(perRepo).size).toBe(perRepo.length);
    expectApiError(await api(srv.url, 'GET', '/projects/priv/artifacts?latest_in_repository=true'), 400, 'BAD_REQUEST');
  });

  test('listArtifactsOfProject: anonymous 401 even on a public project, outsiders 403 on a private one', async () => {
    expectApiError(await api(srv.url, 'GET', '/projects/pub/artifacts', { as: null }), 401, 'UNAUTHORIZED');
    expect((await api(srv.url, 'GET', '/projects/pub/artifacts', { as: outsider })).status).toBe(200);
    expectApiError(await api(srv.url, 'GET', '/projects/priv/artifacts', { as: outsider }), 403, 'FORBIDDEN');
    expect((await api(srv.url, 'GET', '/projects/priv/artifacts', { as: guest })).status).toBe(200);
  });

  test('build_history is the config\'s history; vulnerabilities without a report is {}; an image shows its links and icon', async () => {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', history: [
      { created: '2024-01-02T03:04:05Z', created_by: '/bin/sh -c #(nop) ADD file:x in /', comment: '' },
      { created: '2024-01-02T03:04:06Z', created_by: 'CMD ["sh"]', empty_layer: true },
    ] }));
    const cfg = await pushBlob(srv.url, 'priv/hist', config, MT.ociConfig);
    const layer = await pushBlob(srv.url, 'priv/hist', Buffer.from('a layer'));
    await pushManifest(srv.url, 'priv/hist', 'v1', { schemaVersion: 2, mediaType: MT.ociManifest, config: cfg, layers: [layer] }, MT.ociManifest);
    const base = '/projects/priv/repositories/hist/artifacts/v1/additions';
    const h = await addition(`${base}/build_history`, guest);
    expect(h.status).toBe(200);
    expect(h.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(h.text)).toEqual([
      { created: '2024-01-02T03:04:05Z', created_by: '/bin/sh -c #(nop) ADD file:x in /' },
      { created: '2024-01-02T03:04:06Z', created_by: 'CMD ["sh"]', empty_layer: true },
    ]);
    const v = await addition(`${base}/vulnerabilities`, guest);
    expect([v.status, v.headers['content-type'], v.text]).toEqual([200, 'application/json', '{}']);
    expectApiError(await addition(`${base}/vulnerabilities`, outsider), 403, 'FORBIDDEN');
    expectApiError(await addition('/projects/priv/repositories/hist/artifacts/nope/additions/vulnerabilities'), 404, 'NOT_FOUND');
    const a = await api(srv.url, 'GET', '/projects/priv/repositories/hist/artifacts/v1');
    expect(a.body.addition_links.build_history.href).toBe(`/api/v2.0/projects/priv/repositories/hist/artifacts/${a.body.digest}/additions/build_history`);
    expect(a.body.icon).toMatch(/^sha256:/);
  });
});

describe('labels', () => {
  const maint = { username: 'bmaint', password: 'Maint12345' };
  let privId: number;
  beforeAll(async () => {
    await createUser(srv.url, maint.username, maint.password);
    await addMember(srv.url, 'priv', maint.username, 4);
    privId = (await api(srv.url, 'GET', '/projects/priv')).body.project_id;
  });
  const idOf = (r: { headers: Record<string, string> }): number => Number(r.headers.location.split('/').pop());

  test('global labels: a system admin creates, reads, updates and deletes them; anyone lists them', async () => {
    const c = await api(srv.url, 'POST', '/labels', { body: { name: 'release', description: 'ok to ship', color: '#00ff00', scope: 'g' } });
    expect(c.status).toBe(201);
    expect(c.headers.location).toMatch(/^\/api\/v2\.0\/labels\/\d+$/);
    const id = idOf(c);
    expectApiError(await api(srv.url, 'POST', '/labels', { body: { name: 'release', scope: 'g' } }), 409, 'CONFLICT');
    expectApiError(await api(srv.url, 'POST', '/labels', { as: maint, body: { name: 'nope', scope: 'g' } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'POST', '/labels', { as: null, body: { name: 'nope', scope: 'g' } }), 401, 'UNAUTHORIZED');
    expectApiError(await api(srv.url, 'POST', '/labels', { body: { name: 'x', scope: 'z' } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/labels', { body: { name: '', scope: 'g' } }), 400, 'BAD_REQUEST');
    expect((await api(srv.url, 'GET', `/labels/${id}`)).body).toMatchObject({ id, name: 'release', description: 'ok to ship', color: '#00ff00', scope: 'g', project_id: 0 });
    const list = await api(srv.url, 'GET', '/labels?scope=g&name=rel', { as: null });
    expect(list.body.map((l: { name: string }) => l.name)).toEqual(['release']);
    expect(list.headers['x-total-count']).toBe('1');
    expectApiError(await api(srv.url, 'GET', '/labels'), 400, 'BAD_REQUEST');
    expect((await api(srv.url, 'PUT', `/labels/${id}`, { body: { name: 'shipped', description: '', color: '#000000' } })).status).toBe(200);
    expect((await api(srv.url, 'GET', `/labels/${id}`)).body.name).toBe('shipped');
    expectApiError(await api(srv.url, 'PUT', `/labels/${id}`, { as: maint, body: { name: 'x' } }), 403, 'FORBIDDEN');
    expect((await api(srv.url, 'DELETE', `/labels/${id}`)).status).toBe(200);
    expectApiError(await api(srv.url, 'GET', `/labels/${id}`), 404, 'NOT_FOUND');
  });

  test('project labels: maintainers manage them, members read them, outsiders do not', async () => {
    const c = await api(srv.url, 'POST', '/labels', { as: maint, body: { name: 'qa', scope: 'p', project_id: privId } });
    expect(c.status, c.text).toBe(201);
    const id = idOf(c);
    expectApiError(await api(srv.url, 'POST', '/labels', { as: dev, body: { name: 'dev-made', scope: 'p', project_id: privId } }), 403, 'FORBIDDEN');
    expect((await api(srv.url, 'GET', `/labels/${id}`, { as: guest })).body).toMatchObject({ name: 'qa', scope: 'p', project_id: privId });
    expectApiError(await api(srv.url, 'GET', `/labels/${id}`, { as: outsider }), 403, 'FORBIDDEN');
    expect((await api(srv.url, 'GET', `/labels?scope=p&project_id=${privId}`, { as: guest })).body.map((l: { id: number }) => l.id)).toEqual([id]);
    expectApiError(await api(srv.url, 'GET', '/labels?scope=p'), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'GET', `/labels?scope=p&project_id=${privId}`, { as: outsider }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'POST', '/labels', { body: { name: 'qa', scope: 'p', project_id: privId } }), 409, 'CONFLICT');
  });

  test('labels on artifacts: add, show with with_label, filter with labels=(...), remove; Harbor\'s errors', async () => {
    const g = idOf(await api(srv.url, 'POST', '/labels', { body: { name: 'approved', scope: 'g' } }));
    const p = idOf(await api(srv.url, 'POST', '/labels', { body: { name: 'team', scope: 'p', project_id: privId } }));
    const other = idOf(await api(srv.url, 'POST', '/labels', { body: { name: 'elsewhere', scope: 'p', project_id: (await api(srv.url, 'GET', '/projects/pub')).body.project_id } }));
    await push('priv/labelled', 'a');
    await push('priv/labelled', 'b');
    const art = (ref: string): string => `/projects/priv/repositories/labelled/artifacts/${ref}/labels`;
    expect((await api(srv.url, 'POST', art('a'), { as: dev, body: { id: g } })).status).toBe(200);
    expect((await api(srv.url, 'POST', art('a'), { as: dev, body: { id: p } })).status).toBe(200);
    expect((await api(srv.url, 'POST', art('b'), { as: dev, body: { id: p } })).status).toBe(200);
    expectApiError(await api(srv.url, 'POST', art('a'), { body: { id: g } }), 409, 'CONFLICT');
    expectApiError(await api(srv.url, 'POST', art('a'), { body: { id: other } }), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'POST', art('a'), { body: { id: 999999 } }), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'POST', art('nope'), { body: { id: g } }), 404, 'NOT_FOUND');
    expectApiError(await api(srv.url, 'POST', art('a'), { as: guest, body: { id: g } }), 403, 'FORBIDDEN');

    const one = await api(srv.url, 'GET', '/projects/priv/repositories/labelled/artifacts/a?with_label=true');
    expect(one.body.labels.map((l: { name: string }) => l.name)).toEqual(['approved', 'team']);
    const tagsOf = (body: { tags: { name: string }[] }[]): string[] => body.map((x) => x.tags[0].name).sort();
    const list = (q: string): ReturnType<typeof api> => api(srv.url, 'GET', `/projects/priv/repositories/labelled/artifacts?q=${encodeURIComponent(q)}`);
    expect(tagsOf((await list(`labels=(${g} ${p})`)).body)).toEqual(['a']);
    expect(tagsOf((await list(`labels=(${p})`)).body)).toEqual(['a', 'b']);
    // label_id is no artifact column: Harbor ignores it (api-conventions.test.ts), and so do we.
    expect(tagsOf((await list(`label_id=${g}`)).body)).toEqual(['a', 'b']);
    expectApiError(await list(`labels=${g}`), 400, 'BAD_REQUEST');
    expect(tagsOf((await api(srv.url, 'GET', `/projects/priv/artifacts?q=${encodeURIComponent(`labels=(${g})`)}`)).body)).toEqual(['a']);

    expectApiError(await api(srv.url, 'DELETE', `${art('a')}/${g}`, { as: guest }), 403, 'FORBIDDEN');
    expect((await api(srv.url, 'DELETE', `${art('a')}/${g}`, { as: dev })).status).toBe(200);
    expectApiError(await api(srv.url, 'DELETE', `${art('a')}/${g}`), 404, 'NOT_FOUND');
    // Deleting a label takes it off every artifact.
    expect((await api(srv.url, 'DELETE', `/labels/${p}`)).status).toBe(200);
    expect((await list(`labels=(${p})`)).body).toEqual([]);
    expect((await api(srv.url, 'GET', '/projects/priv/repositories/labelled/artifacts/b?with_label=true')).body.labels).toEqual([]);
  });
});

describe('search, statistics, permissions, _deletable, volumes, getcert', () => {
  test('GET /search: projects and repositories the caller may see whose name contains q', async () => {
    const a = await api(srv.url, 'GET', '/search?q=pri');
    expect(a.status).toBe(200);
    expect(a.body.project.map((p: { name: string }) => p.name)).toEqual(['priv']);
    expect(a.body.repository.map((r: { repository_name: string }) => r.repository_name)).toEqual(expect.arrayContaining(['priv/app', 'priv/team/api']));
    expect(a.body.repository.find((r: { repository_name: string }) => r.repository_name === 'priv/app'))
      .toMatchObject({ project_name: 'priv', project_public: false, artifact_count: 1 });
    const secret = await api(srv.url, 'GET', '/search?q=secret', { as: outsider });
    expect([secret.body.project, secret.body.repository]).toEqual([[], []]);
    expect((await api(srv.url, 'GET', '/search?q=secret')).body.repository.map((r: { repository_name: string }) => r.repository_name)).toEqual(['hidden/secret']);
    const anon = await api(srv.url, 'GET', '/search?q=', { as: null });
    expect(anon.body.project.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['pub']));
    expect(anon.body.project.every((p: { metadata: { public: string } }) => p.metadata.public === 'true')).toBe(true);
    expect(anon.body.repository.length).toBeGreaterThan(0);
    expect(anon.body.repository.every((r: { project_public: boolean }) => r.project_public)).toBe(true);
    // As Harbor: project names match case and all (strings.Contains), repository names ignore case (__icontains).
    const upper = await api(srv.url, 'GET', '/search?q=PRIV%2FAPP');
    expect([upper.body.project, upper.body.repository.map((r: { repository_name: string }) => r.repository_name)]).toEqual([[], ['priv/app']]);
    // LIKE's wildcards are themselves; hostile words are names like any other.
    for (const q of ['pri_', 'p%v', '__proto__', 'constructor', "'", '\\']) {
      const r = await api(srv.url, 'GET', `/search?q=${encodeURIComponent(q)}`);
      expect([r.status, r.body.project, r.body.repository]).toEqual([200, [], []]);
    }
    expectApiError(await api(srv.url, 'GET', '/search'), 422, 'UNPROCESSABLE_ENTITY');
  });

  test('GET /statistics: totals and storage for an admin; public and own private counts for a member; 401 anonymous', async () => {
    const a = (await api(srv.url, 'GET', '/statistics')).body;
    expect(a.total_project_count).toBe(a.public_project_count + a.private_project_count);
    expect(a.total_repo_count).toBe(a.public_repo_count + a.private_repo_count);
    expect(a.total_storage_consumption).toBeGreaterThan(0);
    const g = (await api(srv.url, 'GET', '/statistics', { as: guest })).body;
    expect(g).toMatchObject({ public_project_count: a.public_project_count, public_repo_count: a.public_repo_count, private_project_count: 1, total_project_count: 0, total_storage_consumption: 0 });
    expect(g.private_repo_count).toBeGreaterThan(0);
    expect((await api(srv.url, 'GET', '/statistics', { as: outsider })).body).toMatchObject({ private_project_count: 0, private_repo_count: 0 });
    expectApiError(await api(srv.url, 'GET', '/statistics', { as: null }), 401, 'UNAUTHORIZED');
  });

  test('GET /permissions: both lists for a system admin, the project list for a project admin, 403 for others', async () => {
    const a = (await api(srv.url, 'GET', '/permissions')).body;
    expect(a.system).toEqual(expect.arrayContaining([{ resource: 'registry', action: 'create' }]));
    expect(a.project).toEqual(expect.arrayContaining([{ resource: 'repository', action: 'pull' }]));
    await createUser(srv.url, 'bpadmin', 'Padmin12345');
    await addMember(srv.url, 'pub', 'bpadmin', 1);
    const pa = (await api(srv.url, 'GET', '/permissions', { as: { username: 'bpadmin', password: 'Padmin12345' } })).body;
    expect(pa.system ?? []).toEqual([]);
    expect(pa.project).toEqual(a.project);
    expectApiError(await api(srv.url, 'GET', '/permissions', { as: guest }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/permissions', { as: null }), 401, 'UNAUTHORIZED');
  });

  test('GET /users/current/permissions: what the caller may do in a project, relative or absolute', async () => {
    const pid = (await api(srv.url, 'GET', '/projects/priv')).body.project_id;
    const g = (await api(srv.url, 'GET', `/users/current/permissions?scope=/project/${pid}&relative=true`, { as: guest })).body;
    expect(g).toEqual(expect.arrayContaining([{ resource: 'repository', action: 'pull' }, { resource: 'artifact', action: 'read' }]));
    expect(g).not.toContainEqual({ resource: 'repository', action: 'push' });
    const d = (await api(srv.url, 'GET', `/users/current/permissions?scope=/project/${pid}`, { as: dev })).body;
    expect(d).toContainEqual({ resource: `/project/${pid}/repository`, action: 'push' });
    expect((await api(srv.url, 'GET', '/users/current/permissions?scope=/system&relative=true', { as: guest })).body).toEqual([]);
    expect((await api(srv.url, 'GET', '/users/current/permissions?scope=/system&relative=true')).body).toContainEqual({ resource: 'registry', action: 'create' });
    expect((await api(srv.url, 'GET', '/users/current/permissions?scope=/project/99999', { as: guest })).body).toEqual([]);
    expectApiError(await api(srv.url, 'GET', '/users/current/permissions', { as: null }), 401, 'UNAUTHORIZED');
  });

  test('GET /projects/{p}/_deletable: false with repositories, true when empty; needs the delete permission', async () => {
    expect((await api(srv.url, 'GET', '/projects/priv/_deletable')).body).toEqual({ deletable: false, message: 'the project contains repositories, can not be deleted' });
    await createProject(srv.url, 'empty-one');
    expect((await api(srv.url, 'GET', '/projects/empty-one/_deletable')).body).toEqual({ deletable: true });
    expectApiError(await api(srv.url, 'GET', '/projects/priv/_deletable', { as: guest }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/projects/nope/_deletable'), 404, 'NOT_FOUND');
  });

  test('GET /systeminfo/volumes for system admins; getcert is 404 without tls init', async () => {
    const v = await api(srv.url, 'GET', '/systeminfo/volumes');
    expect(v.status).toBe(200);
    expect(v.body.storage).toHaveLength(1);
    expect(v.body.storage[0].total).toBeGreaterThanOrEqual(v.body.storage[0].free);
    expect(v.body.storage[0].free).toBeGreaterThan(0);
    expectApiError(await api(srv.url, 'GET', '/systeminfo/volumes', { as: guest }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'GET', '/systeminfo/volumes', { as: null }), 401, 'UNAUTHORIZED');
    const c = await api(srv.url, 'GET', '/systeminfo/getcert', { as: null, raw: true });
    expect(c.status).toBe(404);
  });
});

describe('CVE allowlists', () => {
  test('the system\'s: empty at first, any signed-in caller reads it, a system admin sets it; Harbor\'s validation', async () => {
    const first = await api(srv.url, 'GET', '/system/CVEAllowlist', { as: guest });
    expect(first.body).toEqual({ id: 0, project_id: 0, items: [], creation_time: '0001-01-01T00:00:00.000Z', update_time: '0001-01-01T00:00:00.000Z' });
    expectApiError(await api(srv.url, 'GET', '/system/CVEAllowlist', { as: null }), 401, 'UNAUTHORIZED');
    expect((await api(srv.url, 'PUT', '/system/CVEAllowlist', { body: { expires_at: 1900000000, items: [{ cve_id: 'CVE-2024-0001' }, { cve_id: 'CVE-2024-0002' }] } })).status).toBe(200);
    const set = (await api(srv.url, 'GET', '/system/CVEAllowlist', { as: guest })).body;
    expect(set).toMatchObject({ project_id: 0, expires_at: 1900000000, items: [{ cve_id: 'CVE-2024-0001' }, { cve_id: 'CVE-2024-0002' }] });
    expect(set.id).toBeGreaterThan(0);
    expectApiError(await api(srv.url, 'PUT', '/system/CVEAllowlist', { as: guest, body: { items: [] } }), 403, 'FORBIDDEN');
    expectApiError(await api(srv.url, 'PUT', '/system/CVEAllowlist', { body: { items: [{ cve_id: 'CVE-1' }, { cve_id: 'CVE-1' }] } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'PUT', '/system/CVEAllowlist', { body: { items: [{ cve_id: '  ' }] } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'PUT', '/system/CVEAllowlist', { body: { expires_at: 'soon' } }), 400, 'BAD_REQUEST');
    // Clearing: no expiry, no items.
    expect((await api(srv.url, 'PUT', '/system/CVEAllowlist', { body: { items: [] } })).status).toBe(200);
    const cleared = (await api(srv.url, 'GET', '/system/CVEAllowlist')).body;
    expect(cleared.items).toEqual([]);
    expect(cleared.expires_at).toBeUndefined();
  });

  test('a project\'s: set with the project (create and update), shown in its cve_allowlist, by those who may update it', async () => {
    const r = await api(srv.url, 'POST', '/projects', { body: { project_name: 'allow', cve_allowlist: { items: [{ cve_id: 'CVE-2023-1' }] } } });
    expect(r.status).toBe(201);
    const p = (await api(srv.url, 'GET', '/projects/allow')).body;
    expect(p.cve_allowlist).toMatchObject({ project_id: p.project_id, items: [{ cve_id: 'CVE-2023-1' }] });
    expect((await api(srv.url, 'PUT', '/projects/allow', { body: { cve_allowlist: { expires_at: 2000000000, items: [{ cve_id: 'CVE-2023-2' }] }, metadata: { reuse_sys_cve_allowlist: 'false' } } })).status).toBe(200);
    const u = (await api(srv.url, 'GET', '/projects/allow')).body;
    expect(u.cve_allowlist).toMatchObject({ expires_at: 2000000000, items: [{ cve_id: 'CVE-2023-2' }] });
    expect(u.metadata.reuse_sys_cve_allowlist).toBe('false');
    expectApiError(await api(srv.url, 'PUT', '/projects/allow', { body: { cve_allowlist: { items: [{ cve_id: 'A' }, { cve_id: 'A' }] } } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'PUT', '/projects/priv', { as: guest, body: { cve_allowlist: { items: [] } } }), 403, 'FORBIDDEN');
    // A project that never set one shows Harbor's empty allowlist.
    expect((await api(srv.url, 'GET', '/projects/pub')).body.cve_allowlist).toMatchObject({ id: 0, items: [] });
  });
});

describe('content trust on pull: enable_content_trust_cosign', () => {
  test('an unsigned image is refused (412 PROJECTPOLICYVIOLATION) until a cosign signature accessory exists; HEAD, signatures and signing tools pass', async () => {
    await createProject(srv.url, 'trusted');
    await addMember(srv.url, 'trusted', guest.username, 3);
    expect((await api(srv.url, 'PUT', '/projects/trusted', { body: { metadata: { enable_content_trust_cosign: 'true' } } })).status).toBe(200);
    const img = await pushImage(srv.url, 'trusted/app', 'v1');
    const get = (ref: string, as: Creds = admin, ua?: string): ReturnType<typeof http> =>
      http(srv.url, 'GET', `/v2/trusted/app/manifests/${ref}`, { as, headers: { accept: MT.ociManifest, ...(ua ? { 'user-agent': ua } : {}) } });
    const refused = await get('v1');
    expect(refused.status).toBe(412);
    expect(refused.body.errors[0]).toMatchObject({ code: 'PROJECTPOLICYVIOLATION', message: 'The image is not signed by cosign.' });
    expect((await http(srv.url, 'HEAD', '/v2/trusted/app/manifests/v1', { as: admin })).status).toBe(200);
    // cosign reads the manifest before it signs: a caller that may push gets it, one that may not does not.
    expect((await get('v1', admin, 'cosign/v2.2.0 (linux; amd64)')).status).toBe(200);
    expect((await get('v1', guest, 'cosign/v2.2.0 (linux; amd64)')).status).toBe(412);
    // Another accessory is no signature.
    const empty = await pushBlob(srv.url, 'trusted/app', EMPTY_JSON, MT.ociEmpty);
    const accessory = (artifactType: string): Record<string, unknown> => ({
      schemaVersion: 2, mediaType: MT.ociManifest, artifactType, config: { ...empty, mediaType: MT.ociEmpty }, layers: [{ ...empty, mediaType: MT.ociEmpty }],
      subject: { mediaType: MT.ociManifest, digest: img.digest, size: img.size },
    });
    await pushManifest(srv.url, 'trusted/app', 'other', accessory('application/vnd.example.thing'), MT.ociManifest);
    expect((await get('v1')).status).toBe(412);
    const sig = await pushManifest(srv.url, 'trusted/app', 'sig', accessory('application/vnd.dev.cosign.artifact.sig.v1+json'), MT.ociManifest);
    expect((await get('v1', guest)).status).toBe(200);
    expect((await get(sig.digest, guest)).status).toBe(200);
    // Off again: anything goes.
    expect((await api(srv.url, 'PUT', '/projects/trusted', { body: { metadata: { enable_content_trust_cosign: 'false' } } })).status).toBe(200);
    const unsigned = await pushImage(srv.url, 'trusted/app', 'v2');
    expect((await get(unsigned.digest)).status).toBe(200);
  });
});

describe('CopyArtifact and immutable tags', () => {
  test('a copy that would move an immutable tag of the target is refused and writes nothing', async () => {
    await createProject(srv.url, 'frozen');
    const rule = { tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'v*' }], scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] } };
    expect((await api(srv.url, 'POST', '/projects/frozen/immutabletagrules', { body: rule })).status).toBe(201);
    const kept = await push('frozen/app', 'v1');
    const r = await api(srv.url, 'POST', `/projects/frozen/repositories/app/artifacts?from=${encodeURIComponent('priv/app:v1')}`);
    expectApiError(r, 412, 'PRECONDITION');
    expect((await api(srv.url, 'GET', '/projects/frozen/repositories/app/artifacts/v1')).body.digest).toBe(kept);
    expect((await api(srv.url, 'GET', '/projects/frozen/repositories/app/artifacts')).body).toHaveLength(1);
  });
});
