// The registry's own client of an upstream registry, for proxy-cache projects and endpoint pings:
// reads only (manifest HEAD/GET, blob HEAD/GET, tags), with the Docker token dance answered from
// the endpoint's credential or anonymously, and every failure sorted into a kind the proxy can act
// on (serve the cache, or tell the client what went wrong upstream). Bodies are streamed, never
// buffered, except manifests (at most 4 MiB).
import type { Readable } from 'node:stream';
// undici loads at the first upstream request, not at start (it is ~100 ms of CPU to import).
import type { Agent, Dispatcher } from 'undici';
import { digestOf, parseDigest } from '../oci/digest.js';
import { MAX_MANIFEST_BYTES } from '../oci/manifest.js';
import { MANIFEST_MEDIA_TYPES } from '../oci/mediatypes.js';
import { parseChallenge } from '../core/upstream.js';

export interface UpstreamEndpoint {
  type: string;
  url: string;
  insecure: boolean;
  ca: string | null;
  username: string | null;
  password: string | null;
}

/** How an upstream request failed; the proxy serves its cache for all but `not-found`. */
export type UpstreamFailure = 'unreachable' | 'timeout' | 'rate-limited' | 'server-error' | 'auth' | 'not-found' | 'protocol';

export class UpstreamError extends Error {
  constructor(readonly kind: UpstreamFailure, message: string, readonly status?: number) {
    super(message);
    this.name = 'UpstreamError';
  }
}

export interface UpstreamManifest { digest: string; mediaType: string; size: number }

const ACCEPT = [...MANIFEST_MEDIA_TYPES].join(', ');

/** Docker Hub's registry API host for an endpoint that names the Hub's web address. */
export function registryBase(e: Pick<UpstreamEndpoint, 'type' | 'url'>): string {
  return e.type === 'docker-hub' && /^https:\/\/(hub\.)?docker\.(com|io)$/.test(e.url) ? 'https://registry-1.docker.io' : e.url;
}

export class UpstreamClient {
  private readonly base: string;
  private agent: Agent | undefined;
  private readonly basic: string | undefined;
  /** Bearer tokens by scope, refreshed a little before they expire. */
  private readonly tokens = new Map<string, { header: string; expires: number }>();
  /** The scheme the upstream asked for the last time (bearer realm, or basic), so later requests send it at once. */
  private challenge: { scheme: 'basic' } | { scheme: 'bearer'; realm: string; service?: string } | null = null;

  constructor(readonly endpoint: UpstreamEndpoint, private readonly timeoutMs: number) {
    this.base = registryBase(endpoint);
    this.basic = endpoint.username && endpoint.password
      ? `Basic ${Buffer.from(`${endpoint.username}:${endpoint.password}`).toString('base64')}`
      : undefined;
  }

  get url(): string {
    return this.base;
  }

  async close(): Promise<void> {
    await this.agent?.close();
  }

  /**
   * GET /v2/. Without a credential, 200 or 401 is a live registry. With one, the credential must
   * also work: Basic is sent directly; a Bearer challenge is answered with a token request to its
   * realm (the Docker token dance), which must succeed.
   */
  async ping(): Promise<void> {
    const res = await this.raw('GET', `${this.base}/v2/`, this.basic ? { authorization: this.basic } : {});
    await res.body.dump();
    if (res.statusCode === 401 && !this.basic) return;
    if (res.statusCode === 401) {
      const c = parseChallenge(header(res, 'www-authenticate'));
      if (c?.scheme !== 'bearer' || !c.params.realm) throw new UpstreamError('auth', 'the upstream rejected the credential', 401);
      this.challenge = { scheme: 'bearer', realm: c.params.realm, service: c.params.service };
      await this.authorization(undefined);
      return;
    }
    this.check(res, 'GET /v2/');
  }

  async headManifest(repo: string, reference: string): Promise<UpstreamManifest> {
    const res = await this.send('HEAD', `/v2/${repo}/manifests/${reference}`, repo, { accept: ACCEPT });
    await res.body.dump();
    this.check(res, `manifest ${repo}:${reference}`);
    const digest = header(res, 'docker-content-digest');
    if (!digest) {
      // Some registries leave the digest out of a HEAD answer: the caller fetches the manifest instead.
      return { digest: '', mediaType: header(res, 'content-type') ?? '', size: Number(header(res, 'content-length') ?? 0) };
    }
    try {
      parseDigest(digest);
    } catch {
      throw new UpstreamError('protocol', `the upstream answered an invalid digest for ${repo}:${reference}`);
    }
    return { digest, mediaType: header(res, 'content-type') ?? '', size: Number(header(res, 'content-length') ?? 0) };
  }

  /** The manifest's bytes, checked against the reference when it is a digest (else against the digest header). */
  async getManifest(repo: string, reference: string): Promise<UpstreamManifest & { content: Buffer }> {
    const res = await this.send('GET', `/v2/${repo}/manifests/${reference}`, repo, { accept: ACCEPT });
    this.check(res, `manifest ${repo}:${reference}`, () => res.body.dump());
    const declared = Number(header(res, 'content-length') ?? 0);
    if (declared > MAX_MANIFEST_BYTES) {
      res.body.destroy();
      throw new UpstreamError('protocol', `the upstream manifest ${repo}:${reference} is larger than ${MAX_MANIFEST_BYTES} bytes`);
    }
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of res.body as AsyncIterable<Buffer>) {
      n += c.length;
      if (n > MAX_MANIFEST_BYTES) {
        res.body.destroy();
        throw new UpstreamError('protocol', `the upstream manifest ${repo}:${reference} is larger than ${MAX_MANIFEST_BYTES} bytes`);
      }
      chunks.push(c);
    }
    const content = Buffer.concat(chunks, n);
    const expected = reference.includes(':') ? reference : header(res, 'docker-content-digest');
    const algorithm = expected ? parseDigest(expected).algorithm : 'sha256';
    const digest = digestOf(content, algorithm);
    if (expected && expected !== digest) {
      throw new UpstreamError('protocol', `the upstream sent a manifest for ${repo}:${reference} whose digest is ${digest}, not ${expected}`);
    }
    const mediaType = (header(res, 'content-type') ?? '').split(';')[0].trim();
    return { digest, mediaType, size: content.length, content };
  }

  /** HEAD of a blob: its size. */
  async blobSize(repo: string, digest: string): Promise<number> {
    const res = await this.send('HEAD', `/v2/${repo}/blobs/${digest}`, repo, {});
    await res.body.dump();
    this.check(res, `blob ${digest}`);
    const size = Number(header(res, 'content-length'));
    if (!Number.isSafeInteger(size) || size < 0) throw new UpstreamError('protocol', `the upstream gave no size for blob ${digest}`);
    return size;
  }

  /** GET of a blob (redirects to storage followed): the stream and its size. The caller checks the digest. */
  async getBlob(repo: string, digest: string): Promise<{ size: number; body: Readable }> {
    let res = await this.send('GET', `/v2/${repo}/blobs/${digest}`, repo, {});
    for (let hops = 0; (res.statusCode === 307 || res.statusCode === 302 || res.statusCode === 301 || res.statusCode === 303) && hops < 3; hops++) {
      const location = header(res, 'location');
      await res.body.dump();
      if (!location) throw new UpstreamError('protocol', `the upstream redirected blob ${digest} without a Location`);
      // Object storage behind a redirect takes no registry credential.
      res = await this.raw('GET', new URL(location, this.base).toString(), {});
    }
    this.check(res, `blob ${digest}`, () => res.body.dump());
    const size = Number(header(res, 'content-length'));
    if (!Number.isSafeInteger(size) || size < 0) {
      res.body.destroy();
      throw new UpstreamError('protocol', `the upstream gave no size for blob ${digest}`);
    }
    return { size, body: res.body };
  }

  async tags(repo: string): Promise<string[]> {
    const res = await this.send('GET', `/v2/${repo}/tags/list`, repo, {});
    this.check(res, `tags of ${repo}`, () => res.body.dump());
    try {
      const body = (await res.body.json()) as { tags?: unknown };
      return Array.isArray(body.tags) ? body.tags.filter((t): t is string => typeof t === 'string') : [];
    } catch {
      throw new UpstreamError('protocol', `the upstream's tag list of ${repo} is not JSON`);
    }
  }

  // ---- requests

  /** Sorts a non-2xx answer into an UpstreamError (after `drain`, which frees the connection). */
  private check(res: Dispatcher.ResponseData, what: string, drain?: () => Promise<void>): void {
    const s = res.statusCode;
    if (s >= 200 && s < 300) return;
    void drain?.().catch(() => undefined);
    if (s === 404) throw new UpstreamError('not-found', `${what} not found upstream`, s);
    if (s === 429) throw new UpstreamError('rate-limited', `the upstream is rate-limiting (429) for ${what}`, s);
    if (s === 401 || s === 403) throw new UpstreamError('auth', `the upstream refused ${this.basic ? 'the endpoint\'s credential' : 'anonymous access'} for ${what} (${s})`, s);
    if (s >= 500) throw new UpstreamError('server-error', `the upstream failed (${s}) for ${what}`, s);
    throw new UpstreamError('protocol', `the upstream answered ${s} for ${what}`, s);
  }

  /** One request with the authorization the upstream asked for; a 401 is answered once (token or Basic). */
  private async send(method: string, path: string, repo: string | undefined, headers: Record<string, string>): Promise<Dispatcher.ResponseData> {
    const url = `${this.base}${path}`;
    const first = await this.authorization(repo);
    const res = await this.raw(method, url, first ? { ...headers, authorization: first } : headers);
    if (res.statusCode !== 401) return res;
    const c = parseChallenge(header(res, 'www-authenticate'));
    await res.body.dump();
    if (c?.scheme === 'bearer' && c.params.realm) this.challenge = { scheme: 'bearer', realm: c.params.realm, service: c.params.service };
    else if (c?.scheme === 'basic') this.challenge = { scheme: 'basic' };
    else throw new UpstreamError('auth', `the upstream asks for an authentication scheme harborctl does not speak`, 401);
    this.tokens.clear();
    const again = await this.authorization(repo);
    if (!again || again === first) throw new UpstreamError('auth', `the upstream refused ${this.basic ? 'the endpoint\'s credential' : 'anonymous access'} (401)`, 401);
    return this.raw(method, url, { ...headers, authorization: again });
  }

  private async authorization(repo: string | undefined): Promise<string | undefined> {
    const c = this.challenge;
    if (!c) return undefined;
    if (c.scheme === 'basic') return this.basic;
    const scope = repo ? `repository:${repo}:pull` : '';
    const cached = this.tokens.get(scope);
    if (cached && cached.expires > Date.now()) return cached.header;
    const realm = new URL(c.realm);
    if (realm.protocol !== 'http:' && realm.protocol !== 'https:') throw new UpstreamError('protocol', 'the upstream token realm is not http(s)');
    if (c.service) realm.searchParams.set('service', c.service);
    if (scope) realm.searchParams.set('scope', scope);
    const res = await this.raw('GET', realm.toString(), this.basic ? { authorization: this.basic } : {});
    if (res.statusCode === 401 || res.statusCode === 403) {
      await res.body.dump();
      throw new UpstreamError('auth', `the upstream token service refused ${this.basic ? 'the endpoint\'s credential' : 'anonymous access'} (${res.statusCode})`, res.statusCode);
    }
    this.check(res, 'a token', () => res.body.dump());
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = (await res.body.json()) as typeof body;
    } catch {
      throw new UpstreamError('protocol', 'the upstream token service answered with invalid JSON');
    }
    const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : '';
    if (!token) throw new UpstreamError('protocol', 'the upstream token service sent no token');
    const ttl = typeof body.expires_in === 'number' ? body.expires_in : 60;
    const value = `Bearer ${token}`;
    this.tokens.set(scope, { header: value, expires: Date.now() + Math.max(ttl - 30, 10) * 1000 });
    return value;
  }

  private async raw(method: string, url: string, headers: Record<string, string>): Promise<Dispatcher.ResponseData> {
    const { Agent, request } = await import('undici');
    this.agent ??= new Agent({
      connect: { rejectUnauthorized: !this.endpoint.insecure, ...(this.endpoint.ca ? { ca: this.endpoint.ca } : {}), timeout: this.timeoutMs },
      headersTimeout: this.timeoutMs,
      // A stalled body is a dead upstream too, but a big layer on a slow link is not: a generous bound.
      bodyTimeout: Math.max(this.timeoutMs, 60_000),
    });
    try {
      return await request(url, {
        method: method as Dispatcher.HttpMethod,
        headers: { 'user-agent': 'harborctl-proxy', ...headers },
        dispatcher: this.agent,
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
      const code = err.code ?? err.cause?.code ?? '';
      if (/TIMEOUT/.test(code) || err.name === 'TimeoutError') throw new UpstreamError('timeout', `the upstream ${this.base} did not answer within ${this.timeoutMs} ms`);
      const why = code === 'ECONNREFUSED' ? 'connection refused' : code || err.message;
      throw new UpstreamError('unreachable', `cannot reach the upstream ${this.base}: ${why}`);
    }
  }
}

function header(res: Dispatcher.ResponseData, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
