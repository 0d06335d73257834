// The Harbor /api/v2.0 client core: one keep-alive node:http(s) Agent per server (CA file,
// --insecure), Basic auth, X-Request-Id on every request, Harbor's {"errors":[{code,message}]}
// envelope turned into a HarborError, and page/page_size pagination that follows Link rel="next"
// (harbor-notes §2.2). Resource modules (projects.ts, users.ts ...) are thin functions over
// `request` and `list`. Node's own HTTP client, not undici: a command that only talks to /api/v2.0
// then does not load undici (~80 ms of a ~280 ms `project list`, issue 20); the OCI registry client
// (registry.ts), which streams blobs, stays on undici.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { ERROR_CODES, HarborError, type ErrorCode } from '../core/errors.js';

export interface ClientOptions {
  /** Base URL of the Harbor, e.g. https://harbor.example.com or http://127.0.0.1:5280. */
  server: string;
  username?: string;
  password?: string;
  /** PEM file with the CA certificate(s) to trust for this server. */
  caFile?: string;
  /** Skip TLS certificate verification. */
  insecure?: boolean;
  /** Receives one line per request and response; never given credentials. */
  debug?: (line: string) => void;
  userAgent?: string;
  /** How long to wait to connect, for the response headers, and between body chunks (default 30 s). */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Response<T> {
  status: number;
  headers: Record<string, string>;
  data: T;
}

export interface PageOptions {
  /** 1-based page; ignored when pageSize is 0. */
  page?: number;
  /** Items per page (Harbor allows at most 100); 0 fetches every page. */
  pageSize?: number;
}

export interface ListResult<T> {
  items: T[];
  /** X-Total-Count, when the server sent it. */
  total?: number;
}

/** Harbor's page_size maximum; `--page-size 0` walks the pages at this size. */
export const MAX_PAGE_SIZE = 100;

/** Harbor codes that are spelled differently in our table (src/lib/errors/const.go). */
const WIRE_ALIASES: Record<string, ErrorCode> = {
  TOO_MANY_REQUEST: 'TOOMANYREQUESTS',
  REQUEST_ENTITY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  PROJECTPOLICYVIOLATION: 'PRECONDITION',
  VIOLATE_FOREIGN_KEY_CONSTRAINT: 'PRECONDITION',
  UNKNOWN: 'INTERNAL_SERVER_ERROR',
};

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT', 412: 'PRECONDITION', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 429: 'TOOMANYREQUESTS',
};

/** The CA certificate(s) of --ca-file, read before any request (a clear usage error when it cannot be read). */
export function readCa(caFile: string | undefined): Buffer | undefined {
  if (!caFile) return undefined;
  try {
    return readFileSync(caFile);
  } catch (e) {
    throw new HarborError('USAGE', `cannot read --ca-file ${caFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * The most an API answer may hold. The idle timeout ends a server that stalls; this ends one that
 * never stops sending (Harbor's largest answers, SBOM documents and job logs, are far below it).
 */
export const MAX_RESPONSE_BYTES = 128 * 1024 * 1024;

/** Our code for a Harbor error: its own code when we know it, else the one its HTTP status implies. */
export function errorCodeFor(status: number, wireCode: string | undefined): ErrorCode {
  if (wireCode && Object.hasOwn(WIRE_ALIASES, wireCode)) return WIRE_ALIASES[wireCode];
  // A 401/403 always means authentication or permission, whatever code the server chose.
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return wireCode === 'DENIED' ? 'DENIED' : 'FORBIDDEN';
  if (wireCode && Object.hasOwn(ERROR_CODES, wireCode) && ERROR_CODES[wireCode as ErrorCode].status === status) return wireCode as ErrorCode;
  if (wireCode && Object.hasOwn(ERROR_CODES, wireCode) && status < 500) return wireCode as ErrorCode;
  return STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST');
}

/** TLS failures from node:tls, explained with the flags that fix them. */
const TLS_ERRORS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_NOT_YET_VALID', 'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** The code of HarborClient's idle timeout (node:http has none of its own); the others are undici's (registry.ts). */
const IDLE_TIMEOUT = 'HARBORCTL_IDLE_TIMEOUT';
const TIMEOUTS = new Set([IDLE_TIMEOUT, 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** "30s", "2m", "1m30s" for a timeout in messages. */
function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}` : `${s}s`;
}

export function networkError(server: string, e: unknown, timeoutMs = DEFAULT_TIMEOUT_MS): HarborError {
  if (e instanceof HarborError) return e;
  const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  let code = err.code ?? err.cause?.code ?? '';
  // node:http's names for a server that closed the connection before or during its answer.
  if (code === 'ECONNRESET' && (err.message === 'socket hang up' || err.message === 'aborted')) code = 'UND_ERR_SOCKET';
  if (TIMEOUTS.has(code)) {
    return new HarborError('TIMEOUT', `${server} did not answer within ${seconds(timeoutMs)}: raise --timeout if it is just slow`);
  }
  if (TLS_ERRORS.has(code)) {
    return new HarborError('UNREACHABLE', `TLS verification of ${server} failed (${code}): trust its CA with --ca-file FILE, or skip verification with --insecure`);
  }
  const why: Record<string, string> = {
    ECONNREFUSED: 'connection refused', ENOTFOUND: 'host not found', EAI_AGAIN: 'host not found', ETIMEDOUT: 'timed out',
    ECONNRESET: 'connection reset', EHOSTUNREACH: 'host unreachable', UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
    UND_ERR_SOCKET: 'connection closed', UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for the response',
  };
  return new HarborError('UNREACHABLE', `cannot reach ${server}: ${why[code] ?? (err.message || code || 'network error')}`);
}

/** Splits a Link header (`<url>; rel="prev" , <url>; rel="next"`) into rel → URL. */
export function parseLink(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const m of header.matchAll(/<([^>]*)>\s*;\s*rel="?([a-z]+)"?/g)) out[m[2]] = m[1];
  return out;
}

/** A path segment: project names, ids, references. */
export function seg(s: string | number): string {
  return encodeURIComponent(String(s));
}

/** Repository names go in the path URL-encoded twice: `a/b` → `a%252Fb` (swagger parameters.repositoryName). */
export function repoSeg(repo: string): string {
  return encodeURIComponent(encodeURIComponent(repo));
}

/** A name or a numeric id, with the X-Is-Resource-Name header that tells Harbor which it is. */
export function nameOrId(v: string | number): { path: string; headers: Record<string, string> } {
  const isId = typeof v === 'number' || /^\d+$/.test(v);
  return { path: seg(v), headers: { 'X-Is-Resource-Name': isId ? 'false' : 'true' } };
}

/**
 * The URL of an API call. Harbor unescapes `q` once more after the HTTP layer has (src/lib/q/builder.go),
 * so its value is escaped twice, as @hapic/harbor does: a `+` or `%` in a filter value then reaches the
 * server as itself, not as a space or an escape.
 */
export function apiUrl(server: string, path: string, query: RequestOptions['query'] = {}): URL {
  // /api/... and Harbor's /c/... (log_out, the OIDC code exchange) as given; anything else under /api/v2.0.
  const url = new URL(server + (path.startsWith('/api/') || path.startsWith('/c/') ? path : `/api/v2.0${path}`));
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined) url.searchParams.set(k, k === 'q' ? encodeURIComponent(String(v)) : String(v));
  }
  return url;
}

/** A whole answer, read into memory (at most MAX_RESPONSE_BYTES). */
interface RawResponse { status: number; headers: Record<string, string>; text: string }

export class HarborClient {
  readonly server: string;
  readonly username: string | undefined;
  private readonly password: string | undefined;
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;
  private readonly debug: ((line: string) => void) | undefined;
  private readonly userAgent: string;
  private readonly timeoutMs: number;

  constructor(opts: ClientOptions) {
    this.server = opts.server.replace(/\/+$/, '');
    this.username = opts.username;
    this.password = opts.password;
    this.debug = opts.debug;
    this.userAgent = opts.userAgent ?? 'harborctl';
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const ca = readCa(opts.caFile);
    if (new URL(this.server).protocol === 'https:') {
      // node:https (and node:tls under it, ~7 ms) only for an https server.
      const https = process.getBuiltinModule('node:https');
      this.agent = new https.Agent({ keepAlive: true, ca, rejectUnauthorized: !opts.insecure });
      this.send = https.request;
    } else {
      this.agent = new HttpAgent({ keepAlive: true });
      this.send = httpRequest;
    }
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  /**
   * One exchange. The socket's idle timeout covers connecting (TLS too), waiting for the headers and
   * every gap between body chunks, never the whole transfer; an answer beyond MAX_RESPONSE_BYTES is cut off.
   */
  private exchange(method: string, url: URL, headers: Record<string, string>, body?: string): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (e: Error): void => {
        if (settled) return;
        settled = true;
        req.destroy();
        reject(e);
      };
      const req = this.send(url, { method, headers, agent: this.agent, timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            fail(new HarborError('INTERNAL_SERVER_ERROR', `${this.server} answered ${method} ${url.pathname} with more than ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB: not an API answer`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('end', () => {
          if (settled) return;
          settled = true;
          resolve({ status: res.statusCode ?? 0, headers: flatHeaders(res.headers), text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.on('timeout', () => fail(Object.assign(new Error('idle timeout'), { code: IDLE_TIMEOUT })));
      req.on('error', fail);
      req.end(body);
    });
  }

  /** One request under /api/v2.0 (or an absolute path from a Link header, or under /c/). Throws HarborError on non-2xx. */
  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<Response<T>> {
    const url = apiUrl(this.server, path, opts.query);
    const requestId = randomUUID();
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.userAgent,
      'x-request-id': requestId,
      ...opts.headers,
    };
    if (this.username !== undefined && this.password !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`;
    }
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    this.debug?.(`> ${method} ${url.pathname}${url.search} x-request-id=${requestId}`);
    let res: RawResponse;
    try {
      res = await this.exchange(method, url, headers, body);
    } catch (e) {
      throw networkError(this.server, e, this.timeoutMs);
    }
    const { status, headers: resHeaders, text } = res;
    this.debug?.(`< ${status} ${method} ${url.pathname} x-request-id=${resHeaders['x-request-id'] ?? requestId}`);
    if (status === 404 && !isEnvelope(text) && !(await this.hasHarborApi())) {
      throw new HarborError('UNSUPPORTED', `${this.server} has no Harbor API (GET ${url.pathname} and /api/v2.0/ping answered 404): a plain registry? `
        + 'these commands need a Harbor or harborctl serve', { status: 404, detail: { status: 404 } });
    }
    if (status < 200 || status >= 300) throw this.toError(status, text, resHeaders);
    let data: unknown = text;
    if (text && (resHeaders['content-type'] ?? '').includes('json')) {
      try {
        data = JSON.parse(text);
      } catch {
        throw new HarborError('INTERNAL_SERVER_ERROR', `${this.server} answered ${method} ${url.pathname} with invalid JSON`);
      }
    } else if (!text) {
      data = undefined;
    }
    return { status, headers: resHeaders, data: data as T };
  }

  private harborApi: Promise<boolean> | undefined;

  /** GET /api/v2.0/ping answers "Pong" on every Harbor (and harborctl serve); asked once, after a bare 404. */
  private hasHarborApi(): Promise<boolean> {
    this.harborApi ??= (async () => {
      try {
        const r = await this.exchange('GET', new URL(`${this.server}/api/v2.0/ping`), { 'user-agent': this.userAgent });
        return r.status !== 404 || /pong/i.test(r.text);
      } catch {
        return true; // the network failed: the 404 is the answer to report
      }
    })();
    return this.harborApi;
  }

  private toError(status: number, text: string, headers: Record<string, string>): HarborError {
    let wire: { code?: string; message?: string } | undefined;
    try {
      const parsed = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
      wire = parsed.errors?.[0];
    } catch { /* not Harbor's envelope (a proxy's HTML page, say) */ }
    const code = errorCodeFor(status, wire?.code);
    let message = wire?.message?.trim() || ERROR_CODES[code].message;
    if (status === 401) {
      message = this.username === undefined
        ? `authentication required by ${this.server}: run harborctl login ${this.server}`
        : `authentication failed for ${this.username} at ${this.server}: ${wire?.message?.trim() || 'wrong user name or password'}`;
    }
    return new HarborError(code, message, { status, detail: { request_id: headers['x-request-id'], status } });
  }

  /** A list operation: one page, or every page when pageSize is 0. */
  async list<T>(path: string, query: RequestOptions['query'] = {}, page: PageOptions = {}, headers?: Record<string, string>): Promise<ListResult<T>> {
    const pageSize = page.pageSize ?? 10;
    if (pageSize !== 0) {
      const r = await this.request<T[]>('GET', path, { query: { ...query, page: page.page ?? 1, page_size: pageSize }, headers });
      return { items: r.data ?? [], total: totalOf(r.headers) };
    }
    const items: T[] = [];
    let total: number | undefined;
    let next: string | undefined;
    let pageNo = 1;
    // Follow Link rel="next" when the server gives one; else keep going while pages come back full.
    for (let guard = 0; guard < 100_000; guard++) {
      const r = next
        ? await this.request<T[]>('GET', next, { headers })
        : await this.request<T[]>('GET', path, { query: { ...query, page: pageNo, page_size: MAX_PAGE_SIZE }, headers });
      const got = r.data ?? [];
      items.push(...got);
      total = totalOf(r.headers) ?? total;
      const link = parseLink(r.headers.link).next;
      if (link) { next = link.startsWith('/') ? link : new URL(link).pathname + new URL(link).search; continue; }
      if (got.length < MAX_PAGE_SIZE || (total !== undefined && items.length >= total) || r.headers.link !== undefined) break;
      next = undefined;
      pageNo++;
    }
    return { items, total };
  }
}

/** Harbor's {"errors":[...]} envelope: a 404 in it is a real "not found", whatever the server. */
function isEnvelope(text: string): boolean {
  try { return Array.isArray((JSON.parse(text) as { errors?: unknown }).errors); } catch { return false; }
}

/** Header values as strings; a repeated header's values joined with ", ". */
function flatHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function totalOf(h: Record<string, string>): number | undefined {
  const v = h['x-total-count'];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}
