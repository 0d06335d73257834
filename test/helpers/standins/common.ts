// What the cloud stand-ins share: a plain node:http server on 127.0.0.1:0 that fronts a REAL Debian
// docker-registry process. Each stand-in answers its vendor's own API and token service itself, and
// passes a /v2/ request on to the registry only after checking the Bearer token it issued grants
// that repository and action; so images really move, and only with the credentials the cloud would
// take. Tokens are opaque random strings kept here with their grants and expiry.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { UpstreamError } from '../../../src/services/upstream.js';
import { startDistribution, type RegistryProcess } from '../registry-process.js';

export interface Grant { type: string; name: string; actions: string[] }

/** `repository:a/b:pull,push` → grant; several scopes may come in one string, space separated. */
export function parseScopes(raw: string[]): Grant[] {
  const out: Grant[] = [];
  for (const s of raw.flatMap((r) => r.split(' ')).filter(Boolean)) {
    const m = /^([a-z]+):(.+):([a-z_*,]+)$/.exec(s);
    if (m) out.push({ type: m[1], name: m[2], actions: m[3].split(',') });
  }
  return out;
}

/** What a /v2/ request needs: null for the base endpoint, else a resource and an action. */
export function needed(method: string, path: string): Grant | null | 'unknown' {
  if (path === '/v2/' || path === '/v2') return null;
  if (path.startsWith('/v2/_catalog')) return { type: 'registry', name: 'catalog', actions: ['*'] };
  const m = /^\/v2\/(.+?)\/(manifests|blobs|tags|referrers)\//.exec(path);
  if (!m) return 'unknown';
  if (m[2] === 'tags') return { type: 'repository', name: m[1], actions: ['metadata_read'] };
  return { type: 'repository', name: m[1], actions: [method === 'GET' || method === 'HEAD' ? 'pull' : method === 'DELETE' ? 'delete' : 'push'] };
}

export class TokenBook {
  private readonly tokens = new Map<string, { grants: Grant[]; expires: number; subject: string }>();
  issue(subject: string, grants: Grant[], ttlSeconds: number): string {
    const t = randomBytes(24).toString('base64url');
    this.tokens.set(t, { grants, expires: Date.now() + ttlSeconds * 1000, subject });
    return t;
  }
  /** True when the token is live and grants `need` (tags/list: metadata_read or pull). */
  allows(token: string, need: Grant): boolean {
    const t = this.tokens.get(token);
    if (!t || t.expires < Date.now()) return false;
    const acceptable = need.actions[0] === 'metadata_read' ? ['metadata_read', 'pull'] : need.actions;
    return t.grants.some((g) => g.type === need.type && g.name === need.name && (g.actions.includes('*') || acceptable.some((a) => g.actions.includes(a))));
  }
  valid(token: string): boolean {
    const t = this.tokens.get(token);
    return !!t && t.expires >= Date.now();
  }
}

export function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export async function readBody(req: http.IncomingMessage, max = 1 << 20): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) throw new Error('body too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function basicOf(req: http.IncomingMessage): { user: string; password: string } | null {
  const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return null;
  const raw = Buffer.from(m[1], 'base64').toString('utf8');
  const i = raw.indexOf(':');
  return i < 0 ? null : { user: raw.slice(0, i), password: raw.slice(i + 1) };
}

export function bearerOf(req: http.IncomingMessage): string | null {
  return /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? null;
}

/** A canned reply that replaces the stand-in's own for requests whose path matches (hostile-vendor tests). */
export interface Tamper { path: RegExp; status: number; body: string; headers?: Record<string, string> }

export interface Standin {
  url: string;
  host: string;
  registry: RegistryProcess;
  /** `METHOD path` of every request the stand-in answered. */
  requests: string[];
  /** Every Authorization header it received, Basic ones decoded to `user:password`. */
  authorizations: Set<string>;
  /** While set, matching requests get this reply instead. */
  tamper: Tamper | null;
  /** The most items a vendor API page holds, whatever was asked (the Hub and ACR cap at 100). */
  pageCap: number;
  close(): Promise<void>;
}

export type Route = (req: http.IncomingMessage, res: http.ServerResponse, url: URL, self: Standin) => Promise<boolean>;

/**
 * Starts the registry and the stand-in. `route` answers the vendor's own paths (returns true when it
 * did); every other /v2/ request goes to `authorize`, then, if allowed, to the registry.
 */
export async function startStandin(opts: {
  route: Route;
  /** Checks a /v2/ request: true when it may pass, else it writes the refusal and returns false. */
  authorize: (req: http.IncomingMessage, res: http.ServerResponse, need: Grant | null, self: Standin) => boolean;
}): Promise<Standin> {
  const registry = await startDistribution();
  const sockets = new Set<Socket>();
  const self: Standin = {
    url: '', host: '', registry, requests: [], authorizations: new Set(), tamper: null, pageCap: 100,
    close: async () => {
      await new Promise<void>((r) => { server.close(() => r()); for (const s of sockets) s.destroy(); });
      await registry.stop();
    },
  };
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://standin');
      self.requests.push(`${req.method} ${url.pathname}${url.search}`);
      const authz = req.headers.authorization;
      if (authz) self.authorizations.add(/^Basic /i.test(authz) ? Buffer.from(authz.slice(6), 'base64').toString('utf8') : authz);
      if (self.tamper && self.tamper.path.test(url.pathname)) {
        await readBody(req).catch(() => '');
        json(res, self.tamper.status, self.tamper.body, self.tamper.headers);
        return;
      }
      if (await opts.route(req, res, url, self)) return;
      if (!url.pathname.startsWith('/v2')) return json(res, 404, { message: 'not found' });
      const need = needed(req.method ?? 'GET', url.pathname);
      if (need === 'unknown') return json(res, 404, { errors: [{ code: 'NAME_UNKNOWN', message: 'unknown path' }] });
      if (!opts.authorize(req, res, need, self)) return;
      await forward(req, res, registry.url);
    })().catch((e: unknown) => {
      if (!res.headersSent) json(res, 500, { message: e instanceof Error ? e.message : String(e) });
      else res.destroy();
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  try {
    await new Promise<void>((r, j) => { server.once('error', j); server.listen(0, '127.0.0.1', () => r()); });
  } catch (e) {
    await registry.stop();
    throw e;
  }
  const port = (server.address() as AddressInfo).port;
  self.url = `http://127.0.0.1:${port}`;
  self.host = `127.0.0.1:${port}`;
  return self;
}

/** Streams the request to the registry and its answer back (Host kept, so Location points at us). */
async function forward(req: http.IncomingMessage, res: http.ServerResponse, backend: string): Promise<void> {
  const target = new URL(req.url ?? '/', backend);
  const headers = { ...req.headers };
  delete headers.authorization;
  await new Promise<void>((resolve, reject) => {
    const up = http.request(target, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      pipeline(answer, res).then(resolve, reject);
    });
    up.on('error', reject);
    pipeline(req, up).catch(reject);
  });
}

/** The registry's repositories (its own catalog, which it answers to us without auth). */
export async function catalog(registry: RegistryProcess): Promise<string[]> {
  // distribution answers at most 1000 names a page; the tests keep far fewer.
  const r = await fetch(`${registry.url}/v2/_catalog?n=1000`);
  if (r.status !== 200) throw new Error(`the registry's catalog answered ${r.status}`);
  const body = (await r.json()) as { repositories?: string[] };
  return body.repositories ?? [];
}

export async function tagsOf(registry: RegistryProcess, repo: string): Promise<string[]> {
  const r = await fetch(`${registry.url}/v2/${repo}/tags/list`);
  if (r.status === 404) return [];
  if (r.status !== 200) throw new Error(`the registry's tag list of ${repo} answered ${r.status}`);
  const body = (await r.json()) as { tags?: string[] | null };
  return body.tags ?? [];
}

/**
 * Removes one tag and leaves its artifact and other tags, as the Hub's and ACR's untag do.
 * distribution 2.8 deletes only by digest (every tag on it), so the other tags are put back.
 */
export async function untag(registry: RegistryProcess, repo: string, tag: string): Promise<boolean> {
  const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json';
  const got = await fetch(`${registry.url}/v2/${repo}/manifests/${tag}`, { headers: { accept } });
  if (got.status === 404) return false;
  if (got.status !== 200) throw new Error(`the registry answered ${got.status} for ${repo}:${tag}`);
  const digest = got.headers.get('docker-content-digest')!;
  const mediaType = got.headers.get('content-type')!;
  const bytes = Buffer.from(await got.arrayBuffer());
  const keep: string[] = [];
  for (const t of await tagsOf(registry, repo)) {
    if (t === tag) continue;
    const h = await fetch(`${registry.url}/v2/${repo}/manifests/${t}`, { method: 'HEAD', headers: { accept } });
    if (h.headers.get('docker-content-digest') === digest) keep.push(t);
  }
  const del = await fetch(`${registry.url}/v2/${repo}/manifests/${digest}`, { method: 'DELETE' });
  if (del.status !== 202) throw new Error(`the registry answered ${del.status} to deleting ${digest}`);
  for (const t of keep) {
    const put = await fetch(`${registry.url}/v2/${repo}/manifests/${t}`, { method: 'PUT', headers: { 'content-type': mediaType }, body: bytes });
    if (put.status !== 201) throw new Error(`the registry answered ${put.status} to putting ${repo}:${t} back`);
  }
  return true;
}

/** A page of a list: items [from, from+size) and whether more follow; `size` capped at the stand-in's pageCap. */
export function page<T>(self: Standin, items: T[], pageNo: number, asked: number): { items: T[]; more: boolean } {
  const size = Math.min(asked, self.pageCap);
  const from = (pageNo - 1) * size;
  return { items: items.slice(from, from + size), more: from + size < items.length };
}

/** The UpstreamError a promise rejects with (fails the test when it resolves or throws something else). */
export async function upstreamError(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof UpstreamError) return e;
    throw e;
  }
  throw new Error('expected an UpstreamError, the call succeeded');
}
