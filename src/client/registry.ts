// An OCI Distribution v1.1 client on undici that works against any registry: harborctl serve and
// Harbor (401 + `Bearer realm=…` → GET the realm with Basic credentials and a scope → token), a
// registry that asks for Basic directly, and one with no auth at all (Debian's docker-registry).
// Blobs move as streams from and to files, so memory stays flat whatever their size: HEAD (exists?),
// monolithic (POST, PUT ?digest= with the body) and chunked uploads (POST, PATCH with Content-Range,
// PUT ?digest=), the upload status (GET → Range) to continue an interrupted upload, manifest PUT/GET,
// and blob GET to a file with the digest checked before the file is renamed into place.
// distribution-spec v1.1 §"Pushing blobs", §"Pushing a blob in chunks", §"Pulling blobs"; the token
// flow is Docker's token spec as Harbor serves it (harbor-notes §2.3).
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Agent, request as undiciRequest, type Dispatcher } from 'undici';
import { ERROR_CODES, HarborError } from '../core/errors.js';
import { newHash, parseDigest } from '../oci/digest.js';
import { parseChallenge } from '../core/upstream.js';
import { DEFAULT_TIMEOUT_MS, errorCodeFor, networkError, readCa } from './http.js';

export { parseChallenge };

export interface RegistryCredentials { username: string; password: string }

export interface RegistryClientOptions {
  /** Base URL, e.g. http://127.0.0.1:5280 or https://harbor.example.com. */
  server: string;
  /** Omit for anonymous access. */
  credentials?: RegistryCredentials;
  caFile?: string;
  insecure?: boolean;
  /** One line per request and response; never given credentials or tokens. */
  debug?: (line: string) => void;
  userAgent?: string;
  /** Idle timeout: to connect, for response headers, between body chunks (default 30 s). */
  timeoutMs?: number;
}

export type Access = 'pull' | 'push';

/** Called with the number of bytes that just went over the wire (up or down). */
export type Progress = (bytes: number) => void;

export interface Manifest { body: Buffer; mediaType: string; digest: string }

/** Where an upload stands: the session URL and how many bytes the registry holds. */
export interface UploadSession { location: string; offset: number }

type Challenge = { scheme: 'none' } | { scheme: 'basic' } | { scheme: 'bearer'; realm: string; service?: string };

interface CallOptions {
  repo?: string;
  access?: Access;
  headers?: Record<string, string>;
  /** A body factory, so a request can be sent again after a token refresh. */
  body?: () => Readable | Buffer | string;
  /** Statuses the caller handles; anything else becomes a HarborError. */
  ok: number[];
}

/** An undici Agent that trusts --ca-file or, with --insecure, anything (http.ts is on node:http, so importing it loads no undici). */
function tlsAgent(opts: { caFile?: string; insecure?: boolean }, timeoutMs: number): Agent {
  // An idle timeout, never one for the whole transfer: headers and each body chunk must come within it.
  return new Agent({ connect: { ca: readCa(opts.caFile), rejectUnauthorized: !opts.insecure }, connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
}

/** The number of bytes an upload holds from its `Range: 0-N` header (0-0 is read as empty, as clients do). */
export function rangeOffset(range: string | undefined): number {
  const m = /^(?:bytes=)?0-(\d+)$/.exec((range ?? '').trim());
  if (!m) return 0;
  const end = Number(m[1]);
  return end === 0 ? 0 : end + 1;
}

function counting(onProgress: Progress | undefined): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) { onProgress?.(chunk.length); cb(null, chunk); },
  });
}

export class RegistryClient {
  readonly server: string;
  private readonly credentials: RegistryCredentials | undefined;
  private readonly agent: Agent;
  private readonly debug: ((line: string) => void) | undefined;
  private readonly userAgent: string;
  private readonly timeoutMs: number;
  private challenge: Promise<Challenge> | undefined;
  private readonly tokens = new Map<string, { token: string; expires: number }>();

  constructor(opts: RegistryClientOptions) {
    this.server = opts.server.replace(/\/+$/, '');
    this.credentials = opts.credentials;
    this.debug = opts.debug;
    this.userAgent = opts.userAgent ?? 'harborctl';
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.agent = tlsAgent(opts, this.timeoutMs);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  // ---- auth

  /** GET /v2/ without credentials tells which scheme the registry wants (none, Basic or Bearer). */
  private discover(): Promise<Challenge> {
    this.challenge ??= (async (): Promise<Challenge> => {
      const res = await this.raw('GET', `${this.server}/v2/`, {});
      await res.body.dump();
      if (res.statusCode === 200) return { scheme: 'none' };
      if (res.statusCode !== 401) throw new HarborError('UNREACHABLE', `${this.server} is not an OCI registry: GET /v2/ answered ${res.statusCode}`);
      return this.challengeFrom(res.headers['www-authenticate']);
    })();
    this.challenge.catch(() => { this.challenge = undefined; });
    return this.challenge;
  }

  private challengeFrom(header: string | string[] | undefined): Challenge {
    const c = parseChallenge(Array.isArray(header) ? header[0] : header);
    if (c?.scheme === 'bearer' && c.params.realm) return { scheme: 'bearer', realm: c.params.realm, service: c.params.service };
    if (c?.scheme === 'basic') return { scheme: 'basic' };
    throw new HarborError('UNREACHABLE', `${this.server} asks for an authentication scheme harborctl does not speak (${String(header ?? 'none')})`);
  }

  private basic(): string | undefined {
    const c = this.credentials;
    return c ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` : undefined;
  }

  private async authorization(repo: string | undefined, access: Access): Promise<string | undefined> {
    const ch = await this.discover();
    if (ch.scheme === 'none') return undefined;
    if (ch.scheme === 'basic') {
      const b = this.basic();
      if (!b) throw this.authRequired();
      return b;
    }
    const scope = repo ? `repository:${repo}:${access === 'push' ? 'pull,push' : 'pull'}` : '';
    const cached = this.tokens.get(scope);
    if (cached && cached.expires > Date.now()) return `Bearer ${cached.token}`;
    const url = new URL(ch.realm);
    if (ch.service) url.searchParams.set('service', ch.service);
    if (scope) url.searchParams.set('scope', scope);
    const headers: Record<string, string> = {};
    const b = this.basic();
    if (b) headers.authorization = b;
    const res = await this.raw('GET', url.toString(), headers);
    const text = await res.body.text();
    if (res.statusCode === 401 || res.statusCode === 403) {
      throw this.credentials
        ? new HarborError('UNAUTHORIZED', `authentication failed for ${this.credentials.username} at ${this.server}: wrong user name or password`)
        : this.authRequired();
    }
    if (res.statusCode !== 200) throw new HarborError('UNAUTHORIZED', `the token service of ${this.server} answered ${res.statusCode}`);
    let body: { token?: string; access_token?: string; expires_in?: number };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new HarborError('UNAUTHORIZED', `the token service of ${this.server} answered with invalid JSON`);
    }
    const token = body.token ?? body.access_token;
    if (!token) throw new HarborError('UNAUTHORIZED', `the token service of ${this.server} sent no token`);
    // Refresh a little early: a long upload must not cross the token's expiry mid-request.
    const lifetime = Math.max((body.expires_in ?? 60) - 30, 10) * 1000;
    this.tokens.set(scope, { token, expires: Date.now() + lifetime });
    return `Bearer ${token}`;
  }

  private authRequired(): HarborError {
    return new HarborError('UNAUTHORIZED', `authentication required by ${this.server}: run harborctl login ${this.server}, or pass --username and --password-stdin`);
  }

  // ---- requests

  private async raw(method: string, url: string, headers: Record<string, string>, body?: Readable | Buffer | string): Promise<Dispatcher.ResponseData> {
    const u = new URL(url);
    this.debug?.(`> ${method} ${u.pathname}${u.search.replace(/_state=[^&]*/, '_state=…')}`);
    let res: Dispatcher.ResponseData;
    try {
      res = await undiciRequest(u, {
        method: method as Dispatcher.HttpMethod,
        headers: { 'user-agent': this.userAgent, ...headers },
        body,
        dispatcher: this.agent,
      });
    } catch (e) {
      throw networkError(this.server, e, this.timeoutMs);
    }
    this.debug?.(`< ${res.statusCode} ${method} ${u.pathname}`);
    return res;
  }

  /** An absolute URL for a path under /v2/ or a Location header (relative or absolute). */
  url(pathOrLocation: string): string {
    return new URL(pathOrLocation, `${this.server}/`).toString();
  }

  /** One authenticated request; a 401 drops the cached token and tries once more (it may have expired). */
  private async call(method: string, url: string, o: CallOptions): Promise<Dispatcher.ResponseData> {
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { ...o.headers };
      const auth = await this.authorization(o.repo, o.access ?? 'pull');
      if (auth) headers.authorization = auth;
      const res = await this.raw(method, url, headers, o.body?.());
      if (res.statusCode === 401 && attempt === 0) {
        await res.body.dump();
        this.tokens.clear();
        continue;
      }
      if (o.ok.includes(res.statusCode)) return res;
      throw await this.errorOf(method, url, res);
    }
  }

  private async errorOf(method: string, url: string, res: Dispatcher.ResponseData): Promise<HarborError> {
    let text = '';
    try { text = await res.body.text(); } catch { /* the body broke off: the status says enough */ }
    let wire: { code?: string; message?: string } | undefined;
    try {
      wire = (JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> }).errors?.[0];
    } catch { /* not the OCI error envelope */ }
    const code = errorCodeFor(res.statusCode, wire?.code);
    const path = new URL(url).pathname;
    let message = `${method} ${path}: ${wire?.message?.trim() || ERROR_CODES[code].message} (${res.statusCode})`;
    // Harbor refuses a push over quota with 403 DENIED "Quota exceeded ...": not a permission problem.
    if ((res.statusCode === 403 || res.statusCode === 412) && /quota exceeded/i.test(wire?.message ?? '')) {
      return new HarborError('QUOTA_EXCEEDED', wire!.message!.trim(), { status: res.statusCode, detail: { status: res.statusCode } });
    }
    if (res.statusCode === 401 || res.statusCode === 403) {
      message = this.credentials
        ? `${this.credentials.username} may not ${method === 'GET' || method === 'HEAD' ? 'pull from' : 'push to'} ${path.split('/').slice(2, -2).join('/')} at ${this.server}`
        : `authentication required by ${this.server}: run harborctl login ${this.server}, or pass --username and --password-stdin`;
    }
    return new HarborError(code, message, { status: res.statusCode, detail: { status: res.statusCode } });
  }

  /** Checks credentials and reachability: GET /v2/ with whatever the registry asked for. */
  async ping(): Promise<void> {
    const res = await this.call('GET', this.url('/v2/'), { ok: [200] });
    await res.body.dump();
  }

  // ---- blobs

  /** HEAD: the blob's size when the repository has it, null when not. */
  async blobSize(repo: string, digest: string): Promise<number | null> {
    const res = await this.call('HEAD', this.url(`/v2/${repo}/blobs/${digest}`), { repo, ok: [200, 404] });
    await res.body.dump();
    if (res.statusCode === 404) return null;
    const len = Number(res.headers['content-length']);
    return Number.isFinite(len) ? len : 0;
  }

  /** POST: opens an upload session. */
  async startUpload(repo: string): Promise<UploadSession> {
    const res = await this.call('POST', this.url(`/v2/${repo}/blobs/uploads/`), { repo, access: 'push', ok: [202], headers: { 'content-length': '0' } });
    await res.body.dump();
    return { location: this.locationOf(res), offset: 0 };
  }

  /** GET on the session URL: how much the registry holds, or null when the session is gone. */
  async uploadStatus(repo: string, location: string): Promise<UploadSession | null> {
    const res = await this.call('GET', this.url(location), { repo, access: 'push', ok: [204, 200, 404, 400, 416] });
    await res.body.dump();
    if (res.statusCode !== 204 && res.statusCode !== 200) return null;
    return { location: res.headers.location ? this.locationOf(res) : this.url(location), offset: rangeOffset(header(res, 'range')) };
  }

  async cancelUpload(repo: string, location: string): Promise<void> {
    const res = await this.call('DELETE', this.url(location), { repo, access: 'push', ok: [204, 202, 404, 400] });
    await res.body.dump();
  }

  private locationOf(res: Dispatcher.ResponseData): string {
    const loc = header(res, 'location');
    if (!loc) throw new HarborError('BLOB_UPLOAD_INVALID', `${this.server} opened an upload without a Location`);
    return this.url(loc);
  }

  /**
   * PATCH: sends bytes [offset, end) of a file as one chunk with Content-Range. Returns the session
   * as the registry now reports it (distribution changes the URL's state on every chunk).
   */
  async uploadChunk(repo: string, session: UploadSession, file: string, end: number, onProgress?: Progress): Promise<UploadSession> {
    const { offset } = session;
    const res = await this.call('PATCH', session.location, {
      repo, access: 'push', ok: [202, 204],
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(end - offset), 'content-range': `${offset}-${end - 1}` },
      body: () => createReadStream(file, { start: offset, end: end - 1, highWaterMark: 256 * 1024 }).pipe(counting(onProgress)),
    });
    await res.body.dump();
    const loc = header(res, 'location');
    const reported = rangeOffset(header(res, 'range'));
    return { location: loc ? this.url(loc) : session.location, offset: reported > 0 ? reported : end };
  }

  /** PUT ?digest=: commits the upload, with the file's bytes from `offset` as the last chunk (none when offset = size). */
  async completeUpload(repo: string, session: UploadSession, digest: string, file: string | null, size: number, onProgress?: Progress): Promise<void> {
    const url = new URL(session.location);
    url.searchParams.set('digest', digest);
    const rest = file ? size - session.offset : 0;
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'content-length': String(rest) };
    if (rest > 0 && session.offset > 0) headers['content-range'] = `${session.offset}-${size - 1}`;
    const res = await this.call('PUT', url.toString(), {
      repo, access: 'push', ok: [201, 204], headers,
      body: rest > 0 ? () => createReadStream(file!, { start: session.offset, end: size - 1, highWaterMark: 256 * 1024 }).pipe(counting(onProgress)) : undefined,
    });
    await res.body.dump();
  }

  /**
   * Uploads a file as a blob: one POST + PUT when it fits in a chunk, else POST, PATCH per chunk and
   * an empty PUT ?digest=. `resume` is a session URL kept from an interrupted run: when the registry
   * still knows it, the upload continues from the offset it reports. `onSession` hears the session
   * after every chunk, for the caller to keep. Returns the bytes actually sent.
   */
  async pushFile(repo: string, blob: { digest: string; size: number; path: string }, o: {
    chunkSize?: number; resume?: string; onSession?: (s: UploadSession) => void | Promise<void>; onProgress?: Progress;
  } = {}): Promise<number> {
    const chunk = o.chunkSize ?? 32 * 1024 * 1024;
    let session: UploadSession | null = null;
    if (o.resume) {
      session = await this.uploadStatus(repo, o.resume).catch(() => null);
      // Resuming needs bytes on the registry; a session at 0 is no better than a new one.
      if (session && (session.offset <= 0 || session.offset > blob.size)) session = null;
      if (session) o.onProgress?.(session.offset);
    }
    session ??= await this.startUpload(repo);
    const resumedAt = session.offset;
    if (session.offset === 0 && blob.size <= chunk) {
      await this.completeUpload(repo, session, blob.digest, blob.path, blob.size, o.onProgress);
      return blob.size;
    }
    await o.onSession?.(session);
    while (session.offset < blob.size) {
      const end = Math.min(session.offset + chunk, blob.size);
      session = await this.uploadChunk(repo, session, blob.path, end, o.onProgress);
      await o.onSession?.(session);
    }
    await this.completeUpload(repo, session, blob.digest, null, blob.size);
    return blob.size - resumedAt;
  }

  /** Uploads a blob produced by a stream (a tar of grouped files) in one POST + PUT; `body` is called once per attempt. */
  async pushStream(repo: string, digest: string, size: number, body: () => Readable, onProgress?: Progress): Promise<number> {
    const s = await this.startUpload(repo);
    const url = new URL(s.location);
    url.searchParams.set('digest', digest);
    const res = await this.call('PUT', url.toString(), {
      repo, access: 'push', ok: [201, 204],
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: () => body().pipe(counting(onProgress)),
    });
    await res.body.dump();
    return size;
  }

  /** PUT of a small in-memory blob (a config) in one POST + PUT. */
  async pushBlobBytes(repo: string, digest: string, data: Buffer): Promise<void> {
    const s = await this.startUpload(repo);
    const url = new URL(s.location);
    url.searchParams.set('digest', digest);
    const res = await this.call('PUT', url.toString(), {
      repo, access: 'push', ok: [201, 204],
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(data.length) },
      body: () => data,
    });
    await res.body.dump();
  }

  /** Follows the redirects a registry may answer blob GETs with (to storage, without our credentials). */
  private async getBlobResponse(repo: string, digest: string): Promise<Dispatcher.ResponseData> {
    let res = await this.call('GET', this.url(`/v2/${repo}/blobs/${digest}`), { repo, ok: [200, 301, 302, 303, 307, 308] });
    for (let hops = 0; res.statusCode !== 200; hops++) {
      const loc = header(res, 'location');
      await res.body.dump();
      if (!loc || hops >= 5) throw new HarborError('BLOB_UNKNOWN', `${this.server} redirected blob ${digest} without a usable Location`);
      res = await this.raw('GET', this.url(loc), {});
      if (![200, 301, 302, 303, 307, 308].includes(res.statusCode)) throw await this.errorOf('GET', this.url(loc), res);
    }
    return res;
  }

  /**
   * GET a blob into `dest`: streamed through the hash into `dest.partial`, renamed into place only
   * when the digest and the size match, so a file at `dest` is always whole and verified.
   */
  async downloadBlob(repo: string, digest: string, size: number, dest: string, onProgress?: Progress): Promise<void> {
    const d = parseDigest(digest);
    const res = await this.getBlobResponse(repo, digest);
    const hash = newHash(d.algorithm);
    let n = 0;
    const partial = `${dest}.partial`;
    const check = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        n += chunk.length;
        if (n > size) { cb(new HarborError('SIZE_INVALID', `blob ${digest} is longer than the ${size} bytes its descriptor says`)); return; }
        hash.update(chunk);
        onProgress?.(chunk.length);
        cb(null, chunk);
      },
    });
    try {
      // A fresh file (wx): a leftover `.partial` from a broken run, or a symlink planted there, is removed first.
      await rm(partial, { force: true });
      await pipeline(res.body, check, createWriteStream(partial, { mode: 0o644, flags: 'wx' }));
      if (n !== size) throw new HarborError('SIZE_INVALID', `blob ${digest} has ${n} bytes, its descriptor says ${size}`);
      const got = `${d.algorithm}:${hash.digest('hex')}`;
      if (got !== digest) throw new HarborError('DIGEST_INVALID', `blob ${digest} arrived with digest ${got}: refusing it`);
      await rename(partial, dest);
    } catch (e) {
      await rm(partial, { force: true });
      throw e;
    }
  }

  /** GET a small blob (a config) into memory, at most `max` bytes, digest checked. */
  async blobBytes(repo: string, digest: string, max = 4 * 1024 * 1024): Promise<Buffer> {
    const d = parseDigest(digest);
    const res = await this.getBlobResponse(repo, digest);
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of res.body) {
      n += (c as Buffer).length;
      if (n > max) { res.body.destroy(); throw new HarborError('PAYLOAD_TOO_LARGE', `blob ${digest} is larger than ${max} bytes`); }
      chunks.push(c as Buffer);
    }
    const data = Buffer.concat(chunks);
    const got = `${d.algorithm}:${newHash(d.algorithm).update(data).digest('hex')}`;
    if (got !== digest) throw new HarborError('DIGEST_INVALID', `blob ${digest} arrived with digest ${got}: refusing it`);
    return data;
  }

  // ---- manifests

  async putManifest(repo: string, reference: string, mediaType: string, body: Buffer): Promise<string> {
    const res = await this.call('PUT', this.url(`/v2/${repo}/manifests/${reference}`), {
      repo, access: 'push', ok: [201, 200, 202],
      headers: { 'content-type': mediaType, 'content-length': String(body.length) },
      body: () => body,
    });
    await res.body.dump();
    return header(res, 'docker-content-digest') ?? `sha256:${newHash('sha256').update(body).digest('hex')}`;
  }

  /** GET a manifest; when the reference is a digest, the bytes must hash to it. */
  async getManifest(repo: string, reference: string, accept: string[]): Promise<Manifest> {
    const res = await this.call('GET', this.url(`/v2/${repo}/manifests/${reference}`), { repo, ok: [200], headers: { accept: accept.join(', ') } });
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of res.body) {
      n += (c as Buffer).length;
      if (n > 4 * 1024 * 1024) { res.body.destroy(); throw new HarborError('MANIFEST_INVALID', 'manifest larger than 4 MiB'); }
      chunks.push(c as Buffer);
    }
    const body = Buffer.concat(chunks);
    const algo = reference.startsWith('sha512:') ? 'sha512' : 'sha256';
    const digest = `${algo}:${newHash(algo).update(body).digest('hex')}`;
    if (reference.includes(':') && reference !== digest) throw new HarborError('DIGEST_INVALID', `manifest ${reference} arrived with digest ${digest}: refusing it`);
    const mediaType = (header(res, 'content-type') ?? '').split(';')[0].trim();
    return { body, mediaType, digest };
  }
}

function header(res: Dispatcher.ResponseData, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
