// A stand-in for Docker Hub: its registry (registry-1.docker.io), its token service (auth.docker.io)
// and the parts of its Hub API (hub.docker.com/v2) Harbor's adapter calls, all on one loopback port,
// fronting a real docker-registry. What it checks, as the Hub does:
// - token service GET /token: service must be `registry.docker.io`; Basic with a known user's
//   password or access token (a wrong one: 401); the token grants, per requested scope, only what
//   the account may do: pull and push in the namespaces it owns (its user name, organizations it
//   created), pull only in `library`, nothing elsewhere (the scope is trimmed, not refused);
//   anonymous: pull in `library` only. The catalog is never granted (the Hub's is closed).
// - registry /v2/: a live token from that service covering the repository and action, else 401 with
//   the Bearer challenge.
// - Hub API: POST /v2/auth/token {identifier, secret} → a HS256 JWT (10 minutes); every other call
//   needs `Authorization: Bearer <that JWT>` with a valid signature and expiry; namespaces,
//   repositories and tags are those of the account's namespaces (the registry's real content);
//   POST /v2/orgs/ refuses a name already taken; DELETE /v2/repositories/{ns}/{repo}/tags/{tag}/ (the
//   account's own namespaces only) removes that tag and leaves the others on its digest.
// Not checked: rate limits, 2FA, access-token scopes (read-only tokens), repository privacy beyond
// namespace ownership, anything about Docker Hub's web UI.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { basicOf, bearerOf, catalog, json, page, parseScopes, readBody, startStandin, tagsOf, TokenBook, untag, type Grant, type Standin } from './common.js';

export const HUB_SERVICE = 'registry.docker.io';

export interface DockerHubStandin extends Standin {
  /** Adds an account: user name and its password (or personal access token). */
  addUser(name: string, password: string): void;
  /** Organizations by name → owner. */
  orgs: Map<string, string>;
}

export async function startDockerHubStandin(): Promise<DockerHubStandin> {
  const users = new Map<string, string>();
  const orgs = new Map<string, string>();
  const book = new TokenBook();
  const jwtKey = randomBytes(32);

  const owns = (user: string | null, ns: string): boolean => !!user && (ns === user || orgs.get(ns) === user);
  const allowed = (user: string | null, g: Grant): string[] => {
    if (g.type !== 'repository') return [];
    const ns = g.name.split('/')[0];
    if (owns(user, ns)) return g.actions.filter((a) => ['pull', 'push', 'delete', '*'].includes(a));
    if (ns === 'library') return g.actions.filter((a) => a === 'pull');
    return [];
  };
  const checkUser = (name: string, password: string): boolean => {
    const want = users.get(name);
    return want !== undefined && want.length === password.length && timingSafeEqual(Buffer.from(want), Buffer.from(password));
  };
  const signJwt = (sub: string): string => {
    const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub, exp: Math.floor(Date.now() / 1000) + 600 })}`;
    return `${head}.${createHmac('sha256', jwtKey).update(head).digest('base64url')}`;
  };
  const jwtUser = (req: http.IncomingMessage): string | null => {
    const t = bearerOf(req);
    const parts = t?.split('.') ?? [];
    if (parts.length !== 3) return null;
    const sig = createHmac('sha256', jwtKey).update(`${parts[0]}.${parts[1]}`).digest('base64url');
    if (sig !== parts[2]) return null;
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { sub: string; exp: number };
    return claims.exp * 1000 > Date.now() ? claims.sub : null;
  };
  const namespacesOf = (user: string): string[] => [user, ...[...orgs].filter(([, o]) => o === user).map(([n]) => n)];

  const route = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL, self: Standin): Promise<boolean> => {
    const p = url.pathname;
    if (p === '/token') {
      if (url.searchParams.get('service') !== HUB_SERVICE) return json(res, 400, { details: 'invalid service' }), true;
      let user: string | null = null;
      const basic = basicOf(req);
      if (basic) {
        if (!checkUser(basic.user, basic.password)) return json(res, 401, { details: 'incorrect username or password' }), true;
        user = basic.user;
      }
      const grants = parseScopes(url.searchParams.getAll('scope')).map((g) => ({ ...g, actions: allowed(user, g) })).filter((g) => g.actions.length);
      const token = book.issue(user ?? '', grants, 300);
      return json(res, 200, { token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }), true;
    }
    if (p === '/v2/auth/token' && req.method === 'POST') {
      let body: { identifier?: unknown; secret?: unknown };
      try { body = JSON.parse(await readBody(req)) as typeof body; } catch { return json(res, 400, { message: 'invalid JSON' }), true; }
      if (typeof body.identifier !== 'string' || typeof body.secret !== 'string' || !checkUser(body.identifier, body.secret)) {
        return json(res, 401, { errinfo: 'invalid_credentials', message: 'incorrect username or password' }), true;
      }
      return json(res, 200, { access_token: signJwt(body.identifier) }), true;
    }
    const hub = /^\/v2\/(repositories|orgs)\//.exec(p);
    if (!hub) return false;
    const user = jwtUser(req);
    if (!user) return json(res, 401, { message: 'authentication required' }), true;
    if (p === '/v2/repositories/namespaces') return json(res, 200, { namespaces: namespacesOf(user) }), true;
    const org = /^\/v2\/orgs\/([^/]+)\/$/.exec(p);
    if (org && req.method === 'GET') {
      return owns(user, org[1]) ? json(res, 200, { orgname: org[1] }) : json(res, 404, { message: 'not found' }), true;
    }
    if (p === '/v2/orgs/' && req.method === 'POST') {
      const b = JSON.parse(await readBody(req)) as { orgname?: unknown };
      const n = typeof b.orgname === 'string' ? b.orgname : '';
      if (!/^[a-z0-9]{2,255}$/.test(n)) return json(res, 400, { message: 'invalid orgname' }), true;
      if (users.has(n) || orgs.has(n)) return json(res, 409, { message: 'namespace taken' }), true;
      orgs.set(n, user);
      return json(res, 201, { orgname: n }), true;
    }
    const pageNo = Number(url.searchParams.get('page') ?? '1');
    const size = Number(url.searchParams.get('page_size') ?? '10');
    const next = (more: boolean): string | null => (more ? `${self.url}${p}?page=${pageNo + 1}&page_size=${size}` : null);
    const repos = /^\/v2\/repositories\/([^/]+)\/$/.exec(p);
    if (repos && req.method === 'GET') {
      if (!owns(user, repos[1]) && repos[1] !== 'library') return json(res, 404, { message: 'not found' }), true;
      const names = (await catalog(self.registry)).filter((r) => r.startsWith(`${repos[1]}/`) && r.split('/').length === 2);
      const pg = page(self, names, pageNo, size);
      return json(res, 200, { count: names.length, next: next(pg.more), previous: null, results: pg.items.map((r) => ({ namespace: repos[1], name: r.split('/')[1], repository_type: 'image' })) }), true;
    }
    const one = /^\/v2\/repositories\/([^/]+)\/([^/]+)\/tags\/([\w][\w.-]{0,127})\/$/.exec(p);
    if (one && req.method === 'DELETE') {
      if (!owns(user, one[1])) return json(res, 403, { message: 'forbidden' }), true;
      return (await untag(self.registry, `${one[1]}/${one[2]}`, one[3])) ? json(res, 204, '') : json(res, 404, { message: 'not found' }), true;
    }
    const tags = /^\/v2\/repositories\/([^/]+)\/([^/]+)\/tags\/$/.exec(p);
    if (tags && req.method === 'GET') {
      if (!owns(user, tags[1]) && tags[1] !== 'library') return json(res, 404, { message: 'not found' }), true;
      const all = await tagsOf(self.registry, `${tags[1]}/${tags[2]}`);
      const pg = page(self, all, pageNo, size);
      return json(res, 200, { count: all.length, next: next(pg.more), previous: null, results: pg.items.map((t) => ({ name: t, full_size: 0 })) }), true;
    }
    return json(res, 404, { message: 'not found' }), true;
  };

  const authorize = (req: http.IncomingMessage, res: http.ServerResponse, need: Grant | null, self: Standin): boolean => {
    const token = bearerOf(req);
    if (need === null ? token && book.valid(token) : token && book.allows(token, need)) return true;
    const scope = need ? ` ,scope="${need.type}:${need.name}:${need.actions[0] === 'metadata_read' ? 'pull' : need.actions[0]}"`.replace(' ,', ',') : '';
    json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, {
      'www-authenticate': `Bearer realm="${self.url}/token",service="${HUB_SERVICE}"${scope}`,
    });
    return false;
  };

  const s = await startStandin({ route, authorize });
  return Object.assign(s, { addUser: (n: string, p: string) => { users.set(n, p); }, orgs });
}
