// A test double of a REMOTE Harbor v2 (which cannot run here): a node:http server on 127.0.0.1:0 that
// answers /api/v2.0 the way Harbor does — Basic auth, X-Request-Id echoed, {"errors":[...]} envelope,
// page/page_size with X-Total-Count and Link joined by " , ", X-Is-Resource-Name, double-encoded
// repository names — from in-memory data. It records every request so tests can check the headers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomUUID } from 'node:crypto';

export interface FakeUser { user_id: number; username: string; password: string; sysadmin_flag: boolean; email?: string; realname?: string; comment?: string; creation_time: string }
export interface FakeProject { project_id: number; name: string; metadata: { public: string }; owner_id: number; owner_name: string; creation_time: string; update_time: string; storage_limit?: number }
export interface FakeMember { id: number; project_id: number; entity_name: string; entity_id: number; entity_type: 'u'; role_id: number; role_name: string }
export interface FakeArtifact { id: number; digest: string; size: number; media_type: string; manifest_media_type: string; artifact_type: string; type: string; push_time: string; tags: Array<{ id: number; name: string; push_time: string; immutable: boolean }> }
export interface FakeRepo { name: string; project: string; artifacts: FakeArtifact[] }

export interface RecordedRequest { method: string; url: string; headers: IncomingMessage['headers']; body: string }

export interface FakeHarbor {
  url: string;
  requests: RecordedRequest[];
  users: FakeUser[];
  projects: FakeProject[];
  members: FakeMember[];
  repos: FakeRepo[];
  /** When set, the next request gets this status and Harbor error code. */
  failNext?: { status: number; code: string; message: string };
  /** When false, list responses carry no Link header (some proxies strip it). */
  sendLink: boolean;
  close(): Promise<void>;
}

const ROLE_NAMES: Record<number, string> = { 1: 'projectAdmin', 2: 'developer', 3: 'guest', 4: 'maintainer', 5: 'limitedGuest' };
const NOW = '2026-01-02T03:04:05.000Z';

export async function startFakeHarbor(opts: { adminPassword?: string; tls?: { cert: Buffer; key: Buffer } } = {}): Promise<FakeHarbor> {
  let nextId = 100;
  const fake: FakeHarbor = {
    url: '', requests: [], sendLink: true,
    users: [{ user_id: 1, username: 'admin', password: opts.adminPassword ?? 'Harbor12345', sysadmin_flag: true, creation_time: NOW }],
    projects: [{ project_id: 1, name: 'library', metadata: { public: 'true' }, owner_id: 1, owner_name: 'admin', creation_time: NOW, update_time: NOW }],
    members: [],
    repos: [],
    close: async () => {},
  };

  const send = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { ...(text ? { 'content-type': 'application/json' } : {}), ...headers });
    res.end(text);
  };
  const fail = (res: ServerResponse, status: number, code: string, message: string): void => send(res, status, { errors: [{ code, message }] });

  const page = <T>(req: IncomingMessage, res: ServerResponse, url: URL, all: T[]): void => {
    const p = Number(url.searchParams.get('page') ?? '1');
    const size = Number(url.searchParams.get('page_size') ?? '10');
    if (!Number.isInteger(size) || size < 1 || size > 100) return fail(res, 400, 'BAD_REQUEST', 'page_size must be 1 to 100');
    const items = all.slice((p - 1) * size, p * size);
    const links: string[] = [];
    const at = (n: number): string => { const u = new URL(url); u.searchParams.set('page', String(n)); u.searchParams.set('page_size', String(size)); return `<${u.pathname}${u.search}>`; };
    if (p > 1) links.push(`${at(p - 1)}; rel="prev"`);
    if (p * size < all.length) links.push(`${at(p + 1)}; rel="next"`);
    const headers: Record<string, string> = { 'x-total-count': String(all.length) };
    if (fake.sendLink && links.length) headers.link = links.join(' , ');
    send(res, 200, items, headers);
  };

  const authUser = (req: IncomingMessage): FakeUser | undefined => {
    const h = req.headers.authorization ?? '';
    if (!h.startsWith('Basic ')) return undefined;
    const [u, ...rest] = Buffer.from(h.slice(6), 'base64').toString().split(':');
    const user = fake.users.find((x) => x.username === u);
    return user && user.password === rest.join(':') ? user : undefined;
  };

  const findProject = (req: IncomingMessage, v: string): FakeProject | undefined => {
    const isName = req.headers['x-is-resource-name'] === 'true' || !/^\d+$/.test(v);
    return isName ? fake.projects.find((p) => p.name === v) : fake.projects.find((p) => p.project_id === Number(v));
  };
  const userView = (u: FakeUser): Record<string, unknown> => ({ user_id: u.user_id, username: u.username, email: u.email ?? '', realname: u.realname ?? '', comment: u.comment ?? '', sysadmin_flag: u.sysadmin_flag, creation_time: u.creation_time, update_time: u.creation_time });
  // Harbor's Project has no storage_limit: the limit is the project's quota (see /summary).
  const projectView = ({ storage_limit: _limit, ...p }: FakeProject): Record<string, unknown> => ({ ...p, repo_count: fake.repos.filter((r) => r.project === p.name).length });

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (fake.failNext) { const f = fake.failNext; fake.failNext = undefined; return fail(res, f.status, f.code, f.message); }
    // Split on raw "/" so a double-encoded repository name stays one segment, then decode once (Harbor's router does the same).
    const raw = url.pathname.replace(/^\/api\/v2\.0/, '').split('/').slice(1);
    const parts = raw.map((s) => decodeURIComponent(s));
    const m = req.method ?? 'GET';
    if (parts[0] === 'ping') { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('Pong'); return; }
    if (parts[0] === 'systeminfo') return send(res, 200, { harbor_version: 'v2.13.0-fake', auth_mode: 'db_auth' });
    const me = authUser(req);
    if (!me) return fail(res, 401, 'UNAUTHORIZED', 'unauthorized');
    const json = (): Record<string, unknown> => (body ? JSON.parse(body) as Record<string, unknown> : {});

    if (parts[0] === 'users') {
      if (parts[1] === 'current' && m === 'GET') return send(res, 200, userView(me));
      if (!me.sysadmin_flag && !(parts.length === 3 && parts[2] === 'password' && Number(parts[1]) === me.user_id)) return fail(res, 403, 'FORBIDDEN', 'forbidden');
      if (parts.length === 1 && m === 'GET') {
        const q = decodeURIComponent(url.searchParams.get('q') ?? ''); // Harbor unescapes q twice (src/lib/q/builder.go)
        const exact = /^username=([^~].*)$/.exec(q)?.[1];
        const fuzzy = /^username=~(.*)$/.exec(q)?.[1];
        return page(req, res, url, fake.users.filter((u) => (exact ? u.username === exact : fuzzy ? u.username.includes(fuzzy) : true)).map(userView));
      }
      if (parts.length === 1 && m === 'POST') {
        const b = json();
        if (fake.users.some((u) => u.username === b.username)) return fail(res, 409, 'CONFLICT', `username ${String(b.username)} is already used`);
        const u: FakeUser = { user_id: nextId++, username: String(b.username), password: String(b.password), sysadmin_flag: false, email: b.email as string, realname: b.realname as string, comment: b.comment as string, creation_time: NOW };
        fake.users.push(u);
        return send(res, 201, undefined, { location: `/api/v2.0/users/${u.user_id}` });
      }
      const u = fake.users.find((x) => x.user_id === Number(parts[1]));
      if (!u) return fail(res, 404, 'NOT_FOUND', `user ${parts[1]} not found`);
      if (parts.length === 2 && m === 'GET') return send(res, 200, userView(u));
      if (parts.length === 2 && m === 'DELETE') { fake.users = fake.users.filter((x) => x !== u); return send(res, 200); }
      if (parts[2] === 'password' && m === 'PUT') {
        const b = json();
        if (u === me && b.old_password !== me.password) return fail(res, 400, 'BAD_REQUEST', 'the old password is wrong');
        u.password = String(b.new_password);
        return send(res, 200);
      }
    }

    if (parts[0] === 'projects') {
      if (parts.length === 1 && m === 'GET') {
        const name = url.searchParams.get('name');
        const pub = url.searchParams.get('public');
        return page(req, res, url, fake.projects
          .filter((p) => (!name || p.name.includes(name)) && (pub === null || p.metadata.public === pub))
          .map(projectView));
      }
      if (parts.length === 1 && m === 'POST') {
        const b = json() as { project_name?: string; metadata?: { public?: string }; storage_limit?: number };
        if (!b.project_name) return fail(res, 400, 'BAD_REQUEST', 'project_name is required');
        if (fake.projects.some((p) => p.name === b.project_name)) return fail(res, 409, 'CONFLICT', `The project named ${b.project_name} already exists`);
        const p: FakeProject = { project_id: nextId++, name: b.project_name, metadata: { public: b.metadata?.public ?? 'false' }, owner_id: me.user_id, owner_name: me.username, creation_time: NOW, update_time: NOW, storage_limit: b.storage_limit };
        fake.projects.push(p);
        const loc = req.headers['x-resource-name-in-location'] === 'true' ? p.name : String(p.project_id);
        return send(res, 201, undefined, { location: `/api/v2.0/projects/${loc}` });
      }
      const p = findProject(req, parts[1]);
      if (!p) return fail(res, 404, 'NOT_FOUND', `project ${parts[1]} not found`);
      if (parts.length === 2) {
        if (m === 'GET') return send(res, 200, projectView(p));
        if (m === 'PUT') { const b = json() as { metadata?: { public?: string }; storage_limit?: number }; if (b.metadata?.public) p.metadata.public = b.metadata.public; if (b.storage_limit !== undefined) p.storage_limit = b.storage_limit; return send(res, 200); }
        if (m === 'DELETE') {
          if (fake.repos.some((r) => r.project === p.name)) return fail(res, 412, 'PRECONDITION', `the project ${p.name} contains repositories`);
          fake.projects = fake.projects.filter((x) => x !== p);
          return send(res, 200);
        }
      }
      if (parts[2] === 'summary' && m === 'GET') {
        return send(res, 200, { repo_count: projectView(p).repo_count, quota: { hard: { storage: p.storage_limit ?? -1 }, used: { storage: 0 } } });
      }
      if (parts[2] === 'members') {
        const members = fake.members.filter((x) => x.project_id === p.project_id);
        if (parts.length === 3 && m === 'GET') { const n = url.searchParams.get('entityname'); return page(req, res, url, members.filter((x) => !n || x.entity_name.includes(n))); }
        if (parts.length === 3 && m === 'POST') {
          const b = json() as { role_id: number; member_user?: { username?: string; user_id?: number } };
          const u = fake.users.find((x) => x.username === b.member_user?.username || x.user_id === b.member_user?.user_id);
          if (!u) return fail(res, 404, 'NOT_FOUND', 'user not found');
          if (members.some((x) => x.entity_id === u.user_id)) return fail(res, 409, 'CONFLICT', `The user ${u.username} is already a member`);
          const mem: FakeMember = { id: nextId++, project_id: p.project_id, entity_name: u.username, entity_id: u.user_id, entity_type: 'u', role_id: b.role_id, role_name: ROLE_NAMES[b.role_id] };
          fake.members.push(mem);
          return send(res, 201, undefined, { location: `/api/v2.0/projects/${p.project_id}/members/${mem.id}` });
        }
        const mem = members.find((x) => x.id === Number(parts[3]));
        if (!mem) return fail(res, 404, 'NOT_FOUND', `member ${parts[3]} not found`);
        if (m === 'GET') return send(res, 200, mem);
        if (m === 'PUT') { const b = json() as { role_id: number }; mem.role_id = b.role_id; mem.role_name = ROLE_NAMES[b.role_id]; return send(res, 200); }
        if (m === 'DELETE') { fake.members = fake.members.filter((x) => x !== mem); return send(res, 200); }
      }
      if (parts[2] === 'repositories') {
        const repos = fake.repos.filter((r) => r.project === p.name);
        const view = (r: FakeRepo): Record<string, unknown> => ({ name: `${r.project}/${r.name}`, project_id: p.project_id, artifact_count: r.artifacts.length, pull_count: 0, creation_time: NOW, update_time: NOW });
        if (parts.length === 3 && m === 'GET') return page(req, res, url, repos.map(view));
        // The segment arrives double-encoded; decoded once above it is still %2F-encoded.
        const repoName = decodeURIComponent(parts[3]);
        if (parts[3].includes('/')) return fail(res, 404, 'NOT_FOUND', 'repository names must be double-encoded');
        const repo = repos.find((r) => r.name === repoName);
        if (!repo) return fail(res, 404, 'NOT_FOUND', `repository ${p.name}/${repoName} not found`);
        if (parts.length === 4 && m === 'GET') return send(res, 200, view(repo));
        if (parts.length === 4 && m === 'DELETE') { fake.repos = fake.repos.filter((r) => r !== repo); return send(res, 200); }
        if (parts[4] === 'artifacts') {
          const aview = (a: FakeArtifact): Record<string, unknown> => ({ ...a, repository_name: `${p.name}/${repo.name}` });
          if (parts.length === 5 && m === 'GET') return page(req, res, url, repo.artifacts.map(aview));
          const ref = parts[5];
          const art = repo.artifacts.find((a) => a.digest === ref || a.tags.some((t) => t.name === ref));
          if (!art) return fail(res, 404, 'NOT_FOUND', `artifact ${p.name}/${repo.name}:${ref} not found`);
          if (parts.length === 6 && m === 'GET') return send(res, 200, aview(art));
          if (parts.length === 6 && m === 'DELETE') { repo.artifacts = repo.artifacts.filter((a) => a !== art); return send(res, 200); }
          if (parts[6] === 'tags') {
            if (parts.length === 7 && m === 'GET') return page(req, res, url, art.tags.map((t) => ({ ...t, artifact_id: art.id })));
            if (parts.length === 7 && m === 'POST') {
              const b = json() as { name: string };
              if (repo.artifacts.some((a) => a.tags.some((t) => t.name === b.name))) return fail(res, 409, 'CONFLICT', `tag ${b.name} already exists`);
              art.tags.push({ id: nextId++, name: b.name, push_time: NOW, immutable: false });
              return send(res, 201, undefined, { location: `${url.pathname}/${b.name}` });
            }
            const t = art.tags.find((x) => x.name === parts[7]);
            if (!t) return fail(res, 404, 'NOT_FOUND', `tag ${parts[7]} not found`);
            if (m === 'DELETE') { art.tags = art.tags.filter((x) => x !== t); return send(res, 200); }
          }
        }
      }
    }
    fail(res, 404, 'NOT_FOUND', `no route for ${m} ${url.pathname}`);
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      fake.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.setHeader('x-request-id', String(req.headers['x-request-id'] ?? randomUUID()));
      try {
        handle(req, res, body);
      } catch (e) {
        fail(res, 500, 'UNKNOWN', 'internal server error');
      }
    });
  };
  const server: Server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, listener) : createServer(listener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  fake.url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${addr.port}`;
  fake.close = async () => { server.closeAllConnections(); await new Promise<void>((r) => server.close(() => r())); };
  return fake;
}

/** Adds a repository with one artifact per tag (and one untagged when tags is empty). */
export function addRepo(fake: FakeHarbor, project: string, name: string, tags: string[][]): FakeRepo {
  let n = fake.repos.length * 100 + 1;
  const repo: FakeRepo = {
    name, project,
    artifacts: tags.map((ts) => {
      const id = n++;
      return {
        id, digest: `sha256:${id.toString(16).padStart(64, '0')}`, size: 1024 * id, media_type: 'application/vnd.oci.image.config.v1+json',
        manifest_media_type: 'application/vnd.oci.image.manifest.v1+json', artifact_type: 'application/vnd.oci.image.config.v1+json', type: 'IMAGE',
        push_time: NOW, tags: ts.map((t, i) => ({ id: id * 10 + i, name: t, push_time: NOW, immutable: false })),
      };
    }),
  };
  fake.repos.push(repo);
  return repo;
}
