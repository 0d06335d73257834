// The Harbor API client against a test double of a remote Harbor (test/helpers/fake-harbor.ts).
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HarborError } from '../../src/core/errors.js';
import { errorCodeFor, HarborClient, MAX_RESPONSE_BYTES, parseLink, repoSeg } from '../../src/client/http.js';
import { createProject, deleteProject, getProject, listProjects, updateProject } from '../../src/client/projects.js';
import { changePassword, createUser, currentUser, deleteUser, findUser, listUsers } from '../../src/client/users.js';
import { addMember, findMember, listMembers, removeMember, updateMember } from '../../src/client/members.js';
import { deleteRepository, getRepository, listRepositories } from '../../src/client/repositories.js';
import { deleteArtifact, getArtifact, listArtifacts } from '../../src/client/artifacts.js';
import { createTag, deleteTag, listTags } from '../../src/client/tags.js';
import { ping, systemInfo } from '../../src/client/system.js';
import { addRepo, startFakeHarbor, type FakeHarbor } from '../helpers/fake-harbor.js';

let fake: FakeHarbor;
let c: HarborClient;

async function caught(p: Promise<unknown>): Promise<HarborError> {
  try { await p; } catch (e) { if (e instanceof HarborError) return e; throw e; }
  throw new Error('expected a HarborError');
}

beforeAll(async () => {
  fake = await startFakeHarbor();
  c = new HarborClient({ server: fake.url, username: 'admin', password: 'Harbor12345' });
});
afterAll(async () => { await c.close(); await fake.close(); });

describe('HarborClient core', () => {
  test('sends Basic auth, a fresh X-Request-Id and JSON accept on every request', async () => {
    const before = fake.requests.length;
    await currentUser(c);
    await currentUser(c);
    const [a, b] = fake.requests.slice(before);
    expect(a.headers.authorization).toBe(`Basic ${Buffer.from('admin:Harbor12345').toString('base64')}`);
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
    expect(a.headers.accept).toBe('application/json');
  });

  test('anonymous clients send no Authorization; ping and systeminfo work anonymously', async () => {
    const anon = new HarborClient({ server: fake.url });
    try {
      expect(await ping(anon)).toBe('Pong');
      expect((await systemInfo(anon)).harbor_version).toBe('v2.13.0-fake');
      expect(fake.requests.at(-1)!.headers.authorization).toBeUndefined();
      const e = await caught(currentUser(anon));
      expect(e.code).toBe('UNAUTHORIZED');
      expect(e.exitCode).toBe(5);
      expect(e.message).toContain('harborctl login');
    } finally { await anon.close(); }
  });

  test('a wrong password is UNAUTHORIZED with exit code 5 and names the user, not the password', async () => {
    const bad = new HarborClient({ server: fake.url, username: 'admin', password: 'nope-secret' });
    try {
      const e = await caught(currentUser(bad));
      expect(e.code).toBe('UNAUTHORIZED');
      expect(e.exitCode).toBe(5);
      expect(e.message).toContain('admin');
      expect(e.message).not.toContain('nope-secret');
    } finally { await bad.close(); }
  });

  test("Harbor's error envelope becomes a HarborError with the server's message and our exit code", async () => {
    fake.failNext = { status: 409, code: 'CONFLICT', message: 'The project named x already exists' };
    let e = await caught(listProjects(c));
    expect([e.code, e.message, e.exitCode]).toEqual(['CONFLICT', 'The project named x already exists', 1]);
    fake.failNext = { status: 403, code: 'FORBIDDEN', message: 'forbidden' };
    e = await caught(listProjects(c));
    expect([e.code, e.exitCode]).toEqual(['FORBIDDEN', 5]);
    fake.failNext = { status: 500, code: 'UNKNOWN', message: 'internal server error' };
    e = await caught(listProjects(c));
    expect([e.code, e.exitCode]).toEqual(['INTERNAL_SERVER_ERROR', 1]);
    fake.failNext = { status: 429, code: 'TOO_MANY_REQUEST', message: 'slow down' };
    e = await caught(listProjects(c));
    expect(e.code).toBe('TOOMANYREQUESTS');
    expect((e.detail as { request_id: string }).request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('errorCodeFor maps wire codes, and unknown codes by HTTP status', () => {
    expect(errorCodeFor(404, 'NOT_FOUND')).toBe('NOT_FOUND');
    expect(errorCodeFor(412, 'PROJECTPOLICYVIOLATION')).toBe('PRECONDITION');
    expect(errorCodeFor(413, 'REQUEST_ENTITY_TOO_LARGE')).toBe('PAYLOAD_TOO_LARGE');
    expect(errorCodeFor(404, 'SOMETHING_NEW')).toBe('NOT_FOUND');
    expect(errorCodeFor(401, 'DENIED')).toBe('UNAUTHORIZED');
    expect(errorCodeFor(403, 'DENIED')).toBe('DENIED');
    expect(errorCodeFor(502, undefined)).toBe('INTERNAL_SERVER_ERROR');
    expect(errorCodeFor(418, undefined)).toBe('BAD_REQUEST');
  });

  test('an unreachable server is one clear error, exit code 1', async () => {
    const down = new HarborClient({ server: 'http://127.0.0.1:1' });
    try {
      const e = await caught(ping(down));
      expect(e.code).toBe('UNREACHABLE');
      expect(e.message).toBe('cannot reach http://127.0.0.1:1: connection refused');
      expect(e.exitCode).toBe(1);
    } finally { await down.close(); }
  });

  test('a missing --ca-file is a usage error before any request', () => {
    expect(() => new HarborClient({ server: fake.url, caFile: '/nonexistent/ca.pem' })).toThrow(/cannot read --ca-file/);
  });

  test('parseLink reads Harbor\'s " , "-joined Link header', () => {
    expect(parseLink('</api/v2.0/projects?page=1&page_size=2>; rel="prev" , </api/v2.0/projects?page=3&page_size=2>; rel="next"'))
      .toEqual({ prev: '/api/v2.0/projects?page=1&page_size=2', next: '/api/v2.0/projects?page=3&page_size=2' });
    expect(parseLink(undefined)).toEqual({});
  });

  test('repository names are encoded twice', () => {
    expect(repoSeg('a/b/c')).toBe('a%252Fb%252Fc');
    expect(repoSeg('alpine')).toBe('alpine');
  });
});

describe('pagination', () => {
  beforeAll(async () => {
    for (let i = 0; i < 235; i++) fake.projects.push({ project_id: 1000 + i, name: `bulk-${String(i).padStart(3, '0')}`, metadata: { public: 'false' }, owner_id: 1, owner_name: 'admin', creation_time: '2026-01-01T00:00:00Z', update_time: '2026-01-01T00:00:00Z' });
  });
  afterAll(() => { fake.projects = fake.projects.filter((p) => !p.name.startsWith('bulk-')); fake.sendLink = true; });

  test('one page with page and page_size, and X-Total-Count as total', async () => {
    const r = await listProjects(c, { name: 'bulk-' }, { page: 2, pageSize: 7 });
    expect(r.items.map((p) => p.name)).toEqual(['bulk-007', 'bulk-008', 'bulk-009', 'bulk-010', 'bulk-011', 'bulk-012', 'bulk-013']);
    expect(r.total).toBe(235);
    expect(fake.requests.at(-1)!.url).toContain('page=2');
    expect(fake.requests.at(-1)!.url).toContain('page_size=7');
  });

  test('pageSize 0 follows Link rel="next" at 100 per page until the end', async () => {
    const before = fake.requests.length;
    const r = await listProjects(c, { name: 'bulk-' }, { pageSize: 0 });
    expect(r.items).toHaveLength(235);
    expect(new Set(r.items.map((p) => p.name)).size).toBe(235);
    const urls = fake.requests.slice(before).map((q) => q.url);
    expect(urls).toHaveLength(3);
    expect(urls[2]).toContain('page=3');
    expect(urls.every((u) => u.includes('page_size=100') && u.includes('name=bulk-'))).toBe(true);
  });

  test('pageSize 0 still walks every page when the server sends no Link header', async () => {
    fake.sendLink = false;
    const r = await listProjects(c, { name: 'bulk-' }, { pageSize: 0 });
    expect(r.items).toHaveLength(235);
  });
});

describe('resources', () => {
  test('projects: create (with X-Resource-Name-In-Location), get by name and by id, update, delete', async () => {
    const p = await createProject(c, { project_name: 'team-a', metadata: { public: 'false' }, storage_limit: 10 * 2 ** 30 });
    expect(p.name).toBe('team-a');
    const post = fake.requests.find((r) => r.method === 'POST' && r.url === '/api/v2.0/projects')!;
    expect(JSON.parse(post.body)).toEqual({ project_name: 'team-a', metadata: { public: 'false' }, storage_limit: 10737418240 });
    expect(post.headers['x-resource-name-in-location']).toBe('true');
    expect((await getProject(c, String(p.project_id))).name).toBe('team-a');
    expect(fake.requests.at(-1)!.headers['x-is-resource-name']).toBe('false');
    await getProject(c, 'team-a');
    expect(fake.requests.at(-1)!.headers['x-is-resource-name']).toBe('true');
    await updateProject(c, 'team-a', { metadata: { public: 'true' } });
    expect((await getProject(c, 'team-a')).metadata?.public).toBe('true');
    await deleteProject(c, 'team-a');
    const e = await caught(getProject(c, 'team-a'));
    expect([e.code, e.message, e.exitCode]).toEqual(['NOT_FOUND', 'project team-a not found', 3]);
  });

  test('users: create, find by name and id, list, password, delete', async () => {
    const u = await createUser(c, { username: 'alice', password: 'Alice12345', email: 'alice@example.com' });
    expect(u.username).toBe('alice');
    expect((await findUser(c, String(u.user_id))).username).toBe('alice');
    expect((await listUsers(c, { username: 'ali' })).items.map((x) => x.username)).toEqual(['alice']);
    await changePassword(c, u.user_id, { new_password: 'Alice67890' });
    const alice = new HarborClient({ server: fake.url, username: 'alice', password: 'Alice67890' });
    try { expect((await currentUser(alice)).username).toBe('alice'); } finally { await alice.close(); }
    await deleteUser(c, u.user_id);
    const e = await caught(findUser(c, 'alice'));
    expect([e.code, e.message]).toEqual(['NOT_FOUND', 'user alice not found']);
  });

  test('members: add by user name, find by name and id, update the role, remove', async () => {
    await createProject(c, { project_name: 'team-m' });
    const bob = await createUser(c, { username: 'bob', password: 'Bob12345' });
    const m = await addMember(c, 'team-m', 'bob', 2);
    expect([m.entity_name, m.role_id]).toEqual(['bob', 2]);
    expect(JSON.parse(fake.requests.find((r) => r.method === 'POST' && r.url.endsWith('/members'))!.body)).toEqual({ role_id: 2, member_user: { username: 'bob' } });
    await updateMember(c, 'team-m', m.id, 4);
    expect((await findMember(c, 'team-m', String(m.id))).role_id).toBe(4);
    expect((await listMembers(c, 'team-m')).items).toHaveLength(1);
    await removeMember(c, 'team-m', m.id);
    const e = await caught(findMember(c, 'team-m', 'bob'));
    expect([e.code, e.message]).toEqual(['NOT_FOUND', 'bob is not a member of project team-m']);
    await deleteUser(c, bob.user_id);
    await deleteProject(c, 'team-m');
  });

  test('repositories, artifacts and tags, with a nested repository name double-encoded on the wire', async () => {
    addRepo(fake, 'library', 'tools/busybox', [['1.36', 'latest'], []]);
    const repos = await listRepositories(c, 'library');
    expect(repos.items.map((r) => r.name)).toEqual(['library/tools/busybox']);
    expect((await getRepository(c, 'library', 'tools/busybox')).artifact_count).toBe(2);
    expect(fake.requests.at(-1)!.url).toBe('/api/v2.0/projects/library/repositories/tools%252Fbusybox');
    const arts = await listArtifacts(c, 'library', 'tools/busybox');
    expect(arts.items).toHaveLength(2);
    const a = await getArtifact(c, 'library', 'tools/busybox', 'latest');
    expect(a.tags?.map((t) => t.name)).toEqual(['1.36', 'latest']);
    await createTag(c, 'library', 'tools/busybox', a.digest, 'stable');
    expect((await listTags(c, 'library', 'tools/busybox', 'stable')).items.map((t) => t.name)).toEqual(['1.36', 'latest', 'stable']);
    await deleteTag(c, 'library', 'tools/busybox', 'stable', 'stable');
    await deleteArtifact(c, 'library', 'tools/busybox', a.digest);
    const e = await caught(getArtifact(c, 'library', 'tools/busybox', a.digest));
    expect([e.code, e.message]).toEqual(['NOT_FOUND', `artifact library/tools/busybox@${a.digest} not found`]);
    await deleteRepository(c, 'library', 'tools/busybox');
    expect((await listRepositories(c, 'library')).items).toEqual([]);
  });
});

describe('TLS', () => {
  let dir: string;
  let tlsFake: FakeHarbor;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'harborctl-client-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
    tlsFake = await startFakeHarbor({ tls: { cert: await readFile(join(dir, 'c.pem')), key: await readFile(join(dir, 'k.pem')) } });
  });
  afterAll(async () => { await tlsFake.close(); await rm(dir, { recursive: true, force: true }); });

  test('an unknown CA is refused with a message that names --ca-file and --insecure', async () => {
    const k = new HarborClient({ server: tlsFake.url });
    try {
      const e = await caught(ping(k));
      expect(e.code).toBe('UNREACHABLE');
      expect(e.message).toMatch(/^TLS verification of https:\/\/127\.0\.0\.1:\d+ failed \(\w+\): trust its CA with --ca-file FILE, or skip verification with --insecure$/);
    } finally { await k.close(); }
  });

  test('--ca-file trusts the server; --insecure skips verification', async () => {
    const withCa = new HarborClient({ server: tlsFake.url, caFile: join(dir, 'c.pem'), username: 'admin', password: 'Harbor12345' });
    const insecure = new HarborClient({ server: tlsFake.url, insecure: true, username: 'admin', password: 'Harbor12345' });
    try {
      expect((await currentUser(withCa)).username).toBe('admin');
      expect((await currentUser(insecure)).username).toBe('admin');
    } finally { await withCa.close(); await insecure.close(); }
  });
});

describe('a server that misbehaves mid-answer', () => {
  let srv: ReturnType<typeof createServer>;
  let url: string;
  beforeAll(async () => {
    srv = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url!.includes('stall')) { res.write('[{"name":"lib'); return; } // and then nothing, connection open
      if (req.url!.includes('close')) { res.write('[{"name":"lib'); res.socket!.destroy(); return; }
      // endless: 1 MiB after 1 MiB while the client reads
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const more = (): void => { while (!res.destroyed && res.write(chunk)); };
      res.on('drain', more);
      more();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  });
  afterAll(async () => { srv.closeAllConnections(); await new Promise<void>((r) => srv.close(() => r())); });

  test('a body that stops mid-way ends in the timeout error, not a hang', async () => {
    const k = new HarborClient({ server: url, timeoutMs: 1000 });
    try {
      const e = await caught(k.request('GET', '/stall'));
      expect([e.code, e.message, e.exitCode]).toEqual(['TIMEOUT', `${url} did not answer within 1s: raise --timeout if it is just slow`, 1]);
    } finally { await k.close(); }
  });

  test('a connection closed mid-body is "connection closed"', async () => {
    const k = new HarborClient({ server: url });
    try {
      const e = await caught(k.request('GET', '/close'));
      expect([e.code, e.message]).toEqual(['UNREACHABLE', `cannot reach ${url}: connection closed`]);
    } finally { await k.close(); }
  });

  test(`a body that never ends is cut off after ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB`, async () => {
    const k = new HarborClient({ server: url });
    try {
      const e = await caught(k.request('GET', '/endless'));
      expect([e.code, e.message]).toEqual(['INTERNAL_SERVER_ERROR', `${url} answered GET /api/v2.0/endless with more than 128 MiB: not an API answer`]);
    } finally { await k.close(); }
  });
});
