// The registry's own client of another registry, for proxy-cache projects, endpoint pings and
// replication: reads (manifest HEAD/GET, blob HEAD/GET, tags, catalog, referrers) and, for
// replication, writes (blob upload whole or in chunks, cross-repository mount, manifest PUT and
// DELETE). Requests are authorized by a RegistryAuth (replication/adapter.ts): the Docker token dance
// answered with a user and password (the endpoint's credential by default) or anonymously, or a
// bearer token an adapter obtains its own way. Every failure is sorted into a kind the callers act
// on. Bodies are streamed, never buffered, except manifests (at most 4 MiB).
import type { Readable } from 'node:stream';
import type { RegistryAuth } from './replication/adapter.js';
import { digestOf, parseDigest } from '../oci/digest.js';
import { MAX_MANIFEST_BYTES } from '../oci/manifest.js';
import { MANIFEST_MEDIA_TYPES } from '../oci/mediatypes.js';
import type { Descriptor } from '../oci/manifest.js';
import { parseChallenge } from '../core/upstream.js';
import { OutboundClient, outboundFailure, type OutboundResponse } from './outbound.js';

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

export interface UpstreamOptions {
  /** The /v2/ base URL when it is not the endpoint's (an adapter's v2Base()). */
  base?: string;
  /** How requests are authorized, asked again after a 401; default: the endpoint's user and password, else anonymous. */
  auth?: () => Promise<RegistryAuth>;
}

/** What a pull or a push of one repository needs: `repository:<name>:pull[,push]`. */
export const pullScope = (repo: string): string => `repository:${repo}:pull`;
export const pushScope = (repo: string): string => `repository:${repo}:pull,push`;

const ACCEPT = [...MANIFEST_MEDIA_TYPES].join(', ');
/** The most a JSON answer (a token, a tag list, a catalog page, an API reply) may hold. */
const MAX_JSON_ANSWER = 32 * 1024 * 1024;

/** Docker Hub's registry API host for an endpoint that names the Hub's web address. */
export function registryBase(e: Pick<UpstreamEndpoint, 'type' | 'url'>): string {
  return e.type === 'docker-hub' && /^https:\/\/(hub\.)?docker\.(com|io)$/.test(e.url) ? 'https://registry-1.docker.io' : e.url;
}

export class UpstreamClient {
  private readonly base: string;
  private http: OutboundClient | undefined;
  private basic: string | undefined;
  private credential: Promise<RegistryAuth> | null = null;
  /** Bearer tokens by scope, refreshed a little before they expire. */
  private readonly tokens = new Map<string, { header: string; expires: number }>();
  /** The scheme the upstream asked for the last time (bearer realm, or basic), so later requests send it at once. */
  private challenge: { scheme: 'basic' } | { scheme: 'bearer'; realm: string; service?: string } | null = null;

  constructor(readonly endpoint: UpstreamEndpoint, private readonly timeoutMs: number, private readonly opts: UpstreamOptions = {}) {
    this.base = opts.base ?? registryBase(endpoint);
    this.basic = endpoint.username && endpoint.password ? basicHeader(endpoint.username, endpoint.password) : undefined;
  }

  /** The credential for the next request, from the adapter (asked once, and again after a 401). */
  private async auth(): Promise<RegistryAuth> {
    if (!this.opts.auth) return this.basic ? { kind: 'basic', username: this.endpoint.username!, password: this.endpoint.password! } : { kind: 'anonymous' };
    this.credential ??= this.opts.auth().catch((e: unknown) => {
      this.credential = null;
      if (e instanceof UpstreamError) throw e;
      throw new UpstreamError('auth', `could not obtain a credential for ${this.base}: ${(e as Error).message}`);
    });
    const a = await this.credential;
    this.basic = a.kind === 'basic' ? basicHeader(a.username, a.password) : undefined;
    return a;
  }

  get url(): string {
    return this.base;
  }

  async close(): Promise<void> {
    this.http?.close();
  }

  /**
   * GET /v2/. Without a credential, 200 or 401 is a live registry. With one, the credential must
   * also work: Basic is sent directly; a Bearer challenge is answered with a token request to its
   * realm (the Docker token dance), which must succeed.
   */
  async ping(): Promise<void> {
    const a = await this.auth();
    if (a.kind === 'bearer') {
      const res = await this.send('GET', '/v2/', [], {});
      await res.dump();
      return this.check(res, 'GET /v2/');
    }
    const res = await this.raw('GET', `${this.base}/v2/`, this.basic ? { authorization: this.basic } : {});
    await res.dump();
    if (res.statusCode === 401 && !this.basic) return;
    if (res.statusCode === 401) {
      const c = parseChallenge(res.header('www-authenticate'));
      if (c?.scheme !== 'bearer' || !c.params.realm) throw new UpstreamError('auth', 'the upstream rejected the credential', 401);
      this.challenge = { scheme: 'bearer', realm: c.params.realm, service: c.params.service };
      await this.authorization([]);
      return;
    }
    this.check(res, 'GET /v2/');
  }

  async headManifest(repo: string, reference: string): Promise<UpstreamManifest> {
    const res = await this.send('HEAD', `/v2/${repo}/manifests/${reference}`, [pullScope(repo)], { accept: ACCEPT });
    await res.dump();
    this.check(res, `manifest ${repo}:${reference}`);
    const digest = res.header('docker-content-digest');
    if (!digest) {
      // Some registries leave the digest out of a HEAD answer: the caller fetches the manifest instead.
      return { digest: '', mediaType: res.header('content-type') ?? '', size: Number(res.header('content-length') ?? 0) };
    }
    try {
      parseDigest(digest);
    } catch {
      throw new UpstreamError('protocol', `the upstream answered an invalid digest for ${repo}:${reference}`);
    }
    return { digest, mediaType: res.header('content-type') ?? '', size: Number(res.header('content-length') ?? 0) };
  }

  /** The manifest's bytes, checked against the reference when it is a digest (else against the digest header). */
  async getManifest(repo: string, reference: string): Promise<UpstreamManifest & { content: Buffer }> {
    const res = await this.send('GET', `/v2/${repo}/manifests/${reference}`, [pullScope(repo)], { accept: ACCEPT });
    this.check(res, `manifest ${repo}:${reference}`, () => res.dump());
    const content = await res.bytes(MAX_MANIFEST_BYTES, () => new UpstreamError('protocol', `the upstream manifest ${repo}:${reference} is larger than ${MAX_MANIFEST_BYTES} bytes`));
    const expected = reference.includes(':') ? reference : res.header('docker-content-digest');
    const algorithm = expected ? parseDigest(expected).algorithm : 'sha256';
    const digest = digestOf(content, algorithm);
    if (expected && expected !== digest) {
      throw new UpstreamError('protocol', `the upstream sent a manifest for ${repo}:${reference} whose digest is ${digest}, not ${expected}`);
    }
    const mediaType = (res.header('content-type') ?? '').split(';')[0].trim();
    return { digest, mediaType, size: content.length, content };
  }

  /** HEAD of a blob: its size. */
  async blobSize(repo: string, digest: string): Promise<number> {
    const res = await this.send('HEAD', `/v2/${repo}/blobs/${digest}`, [pullScope(repo)], {});
    await res.dump();
    this.check(res, `blob ${digest}`);
    const size = Number(res.header('content-length'));
    if (!Number.isSafeInteger(size) || size < 0) throw new UpstreamError('protocol', `the upstream gave no size for blob ${digest}`);
    return size;
  }

  /**
   * GET of a blob (redirects to storage followed), or of the bytes `range` (inclusive) of it: the
   * stream and its length. The caller checks the digest.
   */
  async getBlob(repo: string, digest: string, range?: { start: number; end: number }): Promise<{ size: number; body: Readable }> {
    let res = await this.send('GET', `/v2/${repo}/blobs/${digest}`, [pullScope(repo)], range ? { range: `bytes=${range.start}-${range.end}` } : {});
    for (let hops = 0; (res.statusCode === 307 || res.statusCode === 302 || res.statusCode === 301 || res.statusCode === 303) && hops < 3; hops++) {
      const location = res.header('location');
      await res.dump();
      if (!location) throw new UpstreamError('protocol', `the upstream redirected blob ${digest} without a Location`);
      // Object storage behind a redirect takes no registry credential.
      res = await this.raw('GET', new URL(location, this.base).toString(), range ? { range: `bytes=${range.start}-${range.end}` } : {});
    }
    this.check(res, `blob ${digest}`, () => res.dump());
    const size = Number(res.header('content-length'));
    if (!Number.isSafeInteger(size) || size < 0) {
      res.body.destroy();
      throw new UpstreamError('protocol', `the upstream gave no size for blob ${digest}`);
    }
    return { size, body: res.body };
  }

  async tags(repo: string): Promise<string[]> {
    const res = await this.send('GET', `/v2/${repo}/tags/list`, [pullScope(repo)], {});
    this.check(res, `tags of ${repo}`, () => res.dump());
    try {
      const body = (await res.json(MAX_JSON_ANSWER)) as { tags?: unknown };
      return Array.isArray(body.tags) ? body.tags.filter((t): t is string => typeof t === 'string') : [];
    } catch {
      throw new UpstreamError('protocol', `the upstream's tag list of ${repo} is not JSON`);
    }
  }

  /** Every repository in the registry's catalog (GET /v2/_catalog, following its Link pages). */
  async catalog(): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined = '/v2/_catalog?n=1000';
    for (let pages = 0; next && pages < 10_000; pages++) {
      const res = await this.send('GET', next, ['registry:catalog:*'], {});
      this.check(res, 'the catalog', () => res.dump());
      let body: { repositories?: unknown };
      try {
        body = (await res.json(MAX_JSON_ANSWER)) as typeof body;
      } catch {
        throw new UpstreamError('protocol', 'the catalog is not JSON');
      }
      if (Array.isArray(body.repositories)) out.push(...body.repositories.filter((r): r is string => typeof r === 'string'));
      const link = /<([^>]+)>;\s*rel="?next"?/.exec(res.header('link') ?? '')?.[1];
      next = link && link.startsWith('/v2/') ? link : undefined;
    }
    return out;
  }

  // ---- writes (replication)

  /** Whether the repository has the blob (HEAD; 404 is false). */
  async hasBlob(repo: string, digest: string, scopes = [pushScope(repo)]): Promise<boolean> {
    const res = await this.send('HEAD', `/v2/${repo}/blobs/${digest}`, scopes, {});
    await res.dump();
    if (res.statusCode === 404) return false;
    this.check(res, `blob ${digest}`);
    return true;
  }

  /** The digest a manifest reference resolves to, null when the repository has no such manifest. */
  async manifestDigest(repo: string, reference: string, scopes = [pushScope(repo)]): Promise<string | null> {
    const res = await this.send('HEAD', `/v2/${repo}/manifests/${reference}`, scopes, { accept: ACCEPT });
    await res.dump();
    if (res.statusCode === 404) return null;
    this.check(res, `manifest ${repo}:${reference}`);
    const d = res.header('docker-content-digest');
    if (d) return d;
    return (await this.getManifest(repo, reference)).digest;
  }

  /** Cross-repository mount; false when the registry wants the bytes uploaded instead (its session is cancelled). */
  async mountBlob(repo: string, digest: string, from: string): Promise<boolean> {
    const q = new URLSearchParams({ mount: digest, from });
    const res = await this.send('POST', `/v2/${repo}/blobs/uploads/?${q}`, [pushScope(repo), pullScope(from)], { 'content-length': '0' }, () => '');
    await res.dump();
    if (res.statusCode === 201) return true;
    this.check(res, `mount of ${digest}`);
    const location = res.header('location');
    if (location) {
      const del = await this.send('DELETE', new URL(location, this.base).toString(), [pushScope(repo)], {}).catch(() => null);
      await del?.dump();
    }
    return false;
  }

  /**
   * Uploads a blob of `size` bytes: in one PUT of the stream `open()` gives, or, with `chunkSize`, as
   * PATCHes of at most that many bytes (each opened as a range) and a closing PUT. The registry
   * checks the digest.
   */
  async pushBlob(repo: string, digest: string, size: number, open: (range?: { start: number; end: number }) => Promise<Readable>, chunkSize?: number): Promise<void> {
    const scopes = [pushScope(repo)];
    const start = await this.send('POST', `/v2/${repo}/blobs/uploads/`, scopes, { 'content-length': '0' }, () => '');
    await start.dump();
    this.check(start, `an upload to ${repo}`);
    let location = start.header('location');
    if (!location) throw new UpstreamError('protocol', `the registry started an upload to ${repo} without a Location`);
    const put = (loc: string): URL => {
      const u = new URL(loc, this.base);
      u.searchParams.set('digest', digest);
      return u;
    };
    if (chunkSize && size > 0) {
      for (let offset = 0; offset < size; offset += chunkSize) {
        const end = Math.min(size, offset + chunkSize) - 1;
        const body = await open({ start: offset, end });
        const res = await this.send('PATCH', new URL(location, this.base).toString(), scopes, {
          'content-type': 'application/octet-stream', 'content-range': `${offset}-${end}`, 'content-length': String(end - offset + 1),
        }, () => body);
        await res.dump();
        this.check(res, `a chunk of blob ${digest}`);
        location = res.header('location') ?? location;
      }
      const res = await this.send('PUT', put(location).toString(), scopes, { 'content-length': '0' }, () => '');
      await res.dump();
      return this.check(res, `blob ${digest}`);
    }
    const body = size > 0 ? await open() : '';
    const res = await this.send('PUT', put(location).toString(), scopes, {
      'content-type': 'application/octet-stream', 'content-length': String(size),
    }, () => body);
    await res.dump();
    this.check(res, `blob ${digest}`);
  }

  /** PUT of a manifest; `subjectSeen` when the registry said it processed the subject (OCI-Subject). */
  async putManifest(repo: string, reference: string, mediaType: string, content: Buffer): Promise<{ subjectSeen: boolean }> {
    const res = await this.send('PUT', `/v2/${repo}/manifests/${reference}`, [pushScope(repo)], {
      'content-type': mediaType, 'content-length': String(content.length),
    }, () => content);
    await res.dump();
    this.check(res, `manifest ${repo}:${reference}`);
    return { subjectSeen: res.header('oci-subject') !== undefined };
  }

  /** DELETE of a manifest by digest; false when it was not there. */
  async deleteManifest(repo: string, digest: string): Promise<boolean> {
    const res = await this.send('DELETE', `/v2/${repo}/manifests/${digest}`, [`repository:${repo}:delete`, pushScope(repo)], {});
    await res.dump();
    if (res.statusCode === 404) return false;
    this.check(res, `deleting ${repo}@${digest}`);
    return true;
  }

  /**
   * The manifests whose subject is `digest` (OCI referrers API); on a registry without it, the
   * referrers tag schema's index (`sha256-<hex>`); none when neither is there.
   */
  async referrers(repo: string, digest: string): Promise<Descriptor[]> {
    const res = await this.send('GET', `/v2/${repo}/referrers/${digest}`, [pullScope(repo)], { accept: 'application/vnd.oci.image.index.v1+json' });
    if (res.statusCode === 200 && (res.header('content-type') ?? '').includes('application/vnd.oci.image.index.v1+json')) {
      return manifestsOf(await res.text(MAX_MANIFEST_BYTES));
    }
    await res.dump();
    if (res.statusCode !== 404 && res.statusCode !== 200 && res.statusCode !== 405) this.check(res, `referrers of ${digest}`);
    try {
      return manifestsOf((await this.getManifest(repo, referrersTag(digest))).content.toString('utf8'));
    } catch (e) {
      if (e instanceof UpstreamError && e.kind === 'not-found') return [];
      throw e;
    }
  }

  /**
   * A JSON request to the registry's own API (Harbor's /api/v2.0) with the endpoint's credential
   * as Basic: the status and the parsed body (null when empty or not JSON).
   */
  async api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    await this.auth();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.basic) headers.authorization = this.basic;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.raw(method, `${this.base}${path}`, headers, body === undefined ? undefined : JSON.stringify(body));
    const text = await res.text(MAX_JSON_ANSWER);
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    return { status: res.statusCode, body: parsed };
  }

  // ---- requests

  /** Sorts a non-2xx answer into an UpstreamError (after `drain`, which frees the connection). */
  private check(res: OutboundResponse, what: string, drain?: () => Promise<void>): void {
    const s = res.statusCode;
    if (s >= 200 && s < 300) return;
    void drain?.().catch(() => undefined);
    if (s === 404) throw new UpstreamError('not-found', `${what} not found upstream`, s);
    if (s === 429) throw new UpstreamError('rate-limited', `the upstream is rate-limiting (429) for ${what}`, s);
    if (s === 401 || s === 403) throw new UpstreamError('auth', `the upstream refused ${this.basic ? 'the endpoint\'s credential' : 'anonymous access'} for ${what} (${s})`, s);
    if (s >= 500) throw new UpstreamError('server-error', `the upstream failed (${s}) for ${what}`, s);
    throw new UpstreamError('protocol', `the upstream answered ${s} for ${what}`, s);
  }

  /**
   * One request with the authorization the upstream asked for; a 401 is answered once (token or
   * Basic, the adapter's credential asked again). A body is sent only on that second try when it
   * can be sent again (`body` a function); a stream body is opened once.
   */
  private async send(method: string, pathOrUrl: string, scopes: string[], headers: Record<string, string>, body?: () => Body): Promise<OutboundResponse> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.base}${pathOrUrl}`;
    const first = await this.authorization(scopes);
    const res = await this.raw(method, url, first ? { ...headers, authorization: first } : headers, body?.());
    if (res.statusCode !== 401) return res;
    const c = parseChallenge(res.header('www-authenticate'));
    await res.dump();
    if ((await this.auth()).kind !== 'bearer') {
      if (c?.scheme === 'bearer' && c.params.realm) this.challenge = { scheme: 'bearer', realm: c.params.realm, service: c.params.service };
      else if (c?.scheme === 'basic') this.challenge = { scheme: 'basic' };
      else throw new UpstreamError('auth', `the upstream asks for an authentication scheme harborctl does not speak`, 401);
    }
    this.tokens.clear();
    this.credential = null;
    const again = await this.authorization(scopes);
    if (!again || again === first) throw new UpstreamError('auth', `the upstream refused ${this.who()} (401)`, 401);
    return this.raw(method, url, { ...headers, authorization: again }, body?.());
  }

  private who(): string {
    return this.basic ? 'the endpoint\'s credential' : this.opts.auth ? 'the credential' : 'anonymous access';
  }

  private async authorization(scopes: string[]): Promise<string | undefined> {
    const a = await this.auth();
    if (a.kind === 'bearer') {
      const t = await a.token(scopes);
      return t.startsWith('Bearer ') ? t : `Bearer ${t}`;
    }
    const c = this.challenge;
    if (!c) return undefined;
    if (c.scheme === 'basic') return this.basic;
    const scope = scopes.join(' ');
    const cached = this.tokens.get(scope);
    if (cached && cached.expires > Date.now()) return cached.header;
    const realm = new URL(c.realm);
    if (realm.protocol !== 'http:' && realm.protocol !== 'https:') throw new UpstreamError('protocol', 'the upstream token realm is not http(s)');
    if (c.service) realm.searchParams.set('service', c.service);
    for (const sc of scopes) realm.searchParams.append('scope', sc);
    const res = await this.raw('GET', realm.toString(), this.basic ? { authorization: this.basic } : {});
    if (res.statusCode === 401 || res.statusCode === 403) {
      await res.dump();
      throw new UpstreamError('auth', `the upstream token service refused ${this.basic ? 'the endpoint\'s credential' : 'anonymous access'} (${res.statusCode})`, res.statusCode);
    }
    this.check(res, 'a token', () => res.dump());
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = (await res.json(MAX_JSON_ANSWER)) as typeof body;
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

  private async raw(method: string, url: string, headers: Record<string, string>, body?: Body): Promise<OutboundResponse> {
    this.http ??= new OutboundClient({
      rejectUnauthorized: !this.endpoint.insecure, ...(this.endpoint.ca ? { ca: this.endpoint.ca } : {}), headersTimeoutMs: this.timeoutMs,
      // A stalled body is a dead upstream too, but a big layer on a slow link is not: a generous bound.
      bodyTimeoutMs: Math.max(this.timeoutMs, 60_000),
    });
    try {
      return await this.http.request(url, { method, headers: { 'user-agent': 'harborctl', ...headers }, ...(body !== undefined ? { body } : {}) });
    } catch (e) {
      const f = outboundFailure(e);
      if (f.timeout) throw new UpstreamError('timeout', `the upstream ${this.base} did not answer within ${this.timeoutMs} ms`);
      throw new UpstreamError('unreachable', `cannot reach the upstream ${this.base}: ${f.why}`);
    }
  }
}

type Body = string | Buffer | Readable;

/** The referrers tag schema (distribution-spec v1.1): `<alg>-<hex>`, truncated to a tag's 128 characters. */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-').slice(0, 128);
}

function manifestsOf(text: string): Descriptor[] {
  try {
    const doc = JSON.parse(text) as { manifests?: unknown };
    return Array.isArray(doc.manifests) ? doc.manifests.filter((d): d is Descriptor => typeof d === 'object' && d !== null
      && typeof (d as Descriptor).digest === 'string' && typeof (d as Descriptor).mediaType === 'string') : [];
  } catch {
    throw new UpstreamError('protocol', 'a referrers index is not JSON');
  }
}

function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
