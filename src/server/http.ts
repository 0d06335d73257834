// The HTTP server: request id, path decoding, dispatch, the error envelope and one access-log line
// per request. It is built without listening (tests and `serve` decide where it listens).
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type net from 'node:net';
import type { Socket } from 'node:net';
import { HarborError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { AuditOperation } from '../services/audit.js';
import type { RegistryService, ResolvedRepository } from '../services/registry.js';
import type { ProjectRowCache } from '../services/project-rows.js';
import type { TokenService } from '../services/token.js';
import { buildApiRouter, handleApi, isApiPath } from './api/index.js';
import { API_PREFIX } from './api/router.js';
import type { ApiServices } from './api/services.js';
import { sendJson, type RequestContext } from './context.js';
import { writeError } from './errors.js';
import { handleLogout, handleOidcLogout, LOGOUT_PATH } from './logout.js';
import type { ServerMetrics } from './metrics.js';
import { authorizeRegistry } from './registry/auth.js';
import { handleRegistry } from './registry/routes.js';
import { handleToken, TOKEN_PATH } from './token/routes.js';
import { handlePages, isPagePath, OIDC_LOGOUT_PATH } from './oidc.js';

export interface HttpServerOptions {
  registry: RegistryService;
  services: ApiServices & { tokens: TokenService; projectRows?: ProjectRowCache };
  log: Logger;
  tls?: { cert: Buffer; key: Buffer };
  /** A request body (or a closing connection) that sends nothing for this long is cut (default 60 s). */
  bodyIdleTimeoutMs?: number;
  /** Open connections one client address may hold; more are refused (default 256). */
  maxConnectionsPerClient?: number;
  /** Request counters and pull counts for /metrics (none when metrics are off). */
  metrics?: ServerMetrics;
}

export const DEFAULT_BODY_IDLE_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 256;
/** The longest a connection is kept to read and throw away what a client still sends after its answer. */
const LINGER_MAX_MS = 30_000;

/** True while the request still has body bytes to come (the parser has not seen its end). */
function bodyPending(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const len = req.headers['content-length'];
  return len !== undefined ? len !== '0' : req.headers['transfer-encoding'] !== undefined;
}

/**
 * A body that stops arriving is cut after `idleMs` of silence: the socket's inactivity timer, re-armed
 * by every byte read, so a slow but moving upload of any size goes on. Node emits the request's
 * 'timeout' only while its body is incomplete; once the body is read the timer is off again, for
 * the work that follows (a digest check of a large blob sends nothing for a while).
 */
function watchBody(req: IncomingMessage, res: ServerResponse, socket: Socket, idleMs: number, log: Logger, requestId: string): void {
  socket.setTimeout(idleMs);
  req.once('timeout', () => {
    log.info('request body idle: connection closed', { requestId, idleMs });
    socket.destroy();
  });
  // A body read after its answer (node discards the unread rest) leaves the keep-alive timer alone.
  req.once('end', () => { if (!res.writableEnded) socket.setTimeout(0); });
}

/**
 * Refuses (closes at once) a connection from an address that already holds `max` open ones, so one
 * client cannot take every socket and file descriptor. Said in the log once per crowding, not per refusal.
 */
function capConnectionsPerClient(server: net.Server, max: number, log: Logger): void {
  const open = new Map<string, number>();
  const warned = new Set<string>();
  server.on('connection', (socket: Socket) => {
    const addr = socket.remoteAddress ?? '';
    const n = open.get(addr) ?? 0;
    if (n >= max) {
      if (!warned.has(addr)) {
        warned.add(addr);
        log.warn('too many connections from one client address: refusing more', { address: addr, max });
      }
      socket.destroy();
      return;
    }
    open.set(addr, n + 1);
    socket.once('close', () => {
      const left = open.get(addr)! - 1;
      if (left === 0) open.delete(addr);
      else open.set(addr, left);
      if (left < max) warned.delete(addr);
    });
  });
}

/**
 * The one connection-lifecycle rule: an answer given while the request body is still unread closes
 * the connection. The answer says `Connection: close`; meanwhile and after it, the rest of the body
 * is read and thrown away, and once the answer is flushed the server half-closes (FIN) and keeps
 * discarding until the client closes its side, goes idle, or LINGER_MAX_MS pass (nginx's lingering
 * close). Closing at once with client bytes unread makes the kernel send a reset, which throws away
 * the answer before the client has read it (undici's "fetch failed", Go's "broken pipe").
 */
function closeAfterAnswer(req: IncomingMessage, res: ServerResponse, socket: Socket, idleMs: number): void {
  res.setHeader('Connection', 'close');
  // A reader that stopped early (a size cap) or failed (ENOSPC) left the request paused or destroyed,
  // and with it the socket's reading: node's own dump makes its parser discard the rest of the body.
  (req as IncomingMessage & { _dump?: () => void })._dump?.();
  socket.resume();
  // Node calls destroySoon once a `Connection: close` answer is flushed: half-close instead, and linger.
  socket.destroySoon = function (this: Socket): void {
    this.end();
    this.setTimeout(idleMs); // idle: node's own timeout handling destroys it
    const cap = setTimeout(() => this.destroy(), LINGER_MAX_MS).unref();
    this.once('close', () => clearTimeout(cap));
    this.once('end', () => this.destroy());
  };
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Splits and decodes a request target without normalizing it. */
function decodePath(raw: string, family: RequestContext['family']): { path: string; query: URLSearchParams } {
  const q = raw.indexOf('?');
  const rawPath = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  // An encoded slash would let a name smuggle a separator past the router. (The API router matches
  // raw segments and decodes each itself, so there an encoded slash stays inside its segment.)
  if (family !== 'api' && /%2f/i.test(rawPath)) throw new HarborError('NAME_INVALID', 'percent-encoded slashes are not allowed in names');
  try {
    return { path: decodeURIComponent(rawPath), query };
  } catch {
    throw new HarborError('NAME_INVALID', 'malformed percent-encoding in path');
  }
}

function accessLine(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, remote: string, started: bigint): string {
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const len = res.getHeader('content-length') ?? '-';
  const ua = (req.headers['user-agent'] ?? '-').replace(/"/g, '\'');
  // An OIDC callback's code and state are one-time credentials: the log keeps their names only.
  let target = (req.url ?? '').replace(/"/g, '%22');
  if (target.startsWith('/c/')) target = target.replace(/^(\/c\/[^?]*\?.*)$/, (t) => t.replace(/([?&](?:code|state|cli_state)=)[^&]*/g, '$1-'));
  return `${remote} - - [${logTime()}] "${req.method} ${target} HTTP/${req.httpVersion}" ${res.statusCode} ${len} "${ua}" ${ms.toFixed(2)}ms ${ctx.requestId}`;
}

let lastMs = -1;
let lastIso = '';
/** The log's timestamp; one toISOString per millisecond, not per request. */
function logTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}

/**
 * What Harbor's read-only mode still lets through (src/server/middleware/readonly, core/middlewares
 * readonlySkippers): reads, the configuration change that ends the mode, and token requests.
 */
function allowedWhenReadOnly(ctx: RequestContext): boolean {
  return ctx.method === 'GET' || ctx.method === 'HEAD' || ctx.method === 'OPTIONS'
    || (ctx.method === 'PUT' && ctx.path === `${API_PREFIX}/configurations`)
    || (ctx.method === 'POST' && ctx.path === TOKEN_PATH);
}

export function createHttpServer(opts: HttpServerOptions): http.Server {
  const { registry, log, services, metrics } = opts;
  const idleMs = opts.bodyIdleTimeoutMs ?? DEFAULT_BODY_IDLE_TIMEOUT_MS;
  const apiRouter = buildApiRouter();
  // One function for every request (called as ctx.audit(...), so `this` is the request): no closure per pull.
  const audit = function (this: RequestContext, op: AuditOperation, repo: ResolvedRepository, reference: string, digest: string): void {
    services.audit.record(op, this.username, repo.name, repo.project, reference);
    if (op === 'pull') metrics?.notePull(repo.project);
    services.webhooks.artifactEvent(op, this.username ?? '', this.requestId, this.req.headers.host ?? '', repo, reference, digest);
    if (op !== 'pull') services.replication.artifactEvent(op, repo.name, reference, digest);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    const ctx: RequestContext = { req, res, method: req.method ?? 'GET', path: '', query: new URLSearchParams(), requestId, family: 'other' };
    // The connection and its address are taken now: node drops req.socket when a reader stops
    // reading the body early (a size cap, a failed write). 'close' always fires once; a response the
    // handler never ended is one the client walked away from.
    const socket = req.socket;
    const remote = socket.remoteAddress ?? '-';
    if (bodyPending(req)) watchBody(req, res, socket, idleMs, log, requestId);
    metrics?.requestStarted();
    res.on('close', () => {
      metrics?.requestEnded(ctx, res.statusCode, started);
      log.access(accessLine(req, res, ctx, remote, started) + (res.writableEnded ? '' : ' aborted'));
    });
    try {
      const raw = req.url ?? '/';
      ctx.family = raw.startsWith('/api/') || raw.startsWith('/service/') ? 'api' : raw.startsWith('/v2') ? 'registry' : 'other';
      Object.assign(ctx, decodePath(raw, ctx.family));
      if (services.config.readOnly && !allowedWhenReadOnly(ctx)) {
        throw new HarborError('DENIED', 'The system is in read only mode. Any modification is prohibited.');
      }
      if (ctx.family === 'registry' && (ctx.path === '/v2' || ctx.path.startsWith('/v2/'))) {
        res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
        await authorizeRegistry(ctx, services);
        ctx.audit = audit;
        await handleRegistry(ctx, registry);
      } else if (ctx.family === 'api' && isApiPath(ctx.path)) {
        await handleApi(ctx, apiRouter, services);
      } else if (ctx.path === TOKEN_PATH) {
        ctx.route = TOKEN_PATH;
        await handleToken(ctx, services);
      } else if (ctx.path === LOGOUT_PATH) {
        ctx.route = LOGOUT_PATH;
        await handleLogout(ctx, services);
      } else if (ctx.path === OIDC_LOGOUT_PATH) {
        ctx.route = OIDC_LOGOUT_PATH;
        await handleOidcLogout(ctx, { auditExt: services.auditExt, oidc: services.oidc, log });
      } else if (isPagePath(ctx.path)) {
        await handlePages(ctx, { oidc: services.oidc, log });
      } else if (ctx.path === '/' || ctx.path === '/healthz') {
        sendJson(ctx, 200, { status: 'healthy' });
      } else {
        throw new HarborError('NOT_FOUND', `no route for ${ctx.method} ${ctx.path.slice(0, 200)}`);
      }
    } catch (e) {
      // The connection's socket, not the response's: a response queued behind another on a
      // keep-alive (pipelined) connection has no socket of its own until its turn comes.
      if (socket.destroyed) {
        // The client went away (mid-upload, mid-download): nobody is left to answer.
        log.debug('client went away', { requestId, error: e instanceof Error ? e.message : String(e) });
        res.destroy();
        return;
      }
      if (!res.headersSent && bodyPending(req)) closeAfterAnswer(req, res, socket, idleMs);
      writeError(ctx, e, log);
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => { void handle(req, res); };
  // 256 KiB stream buffers: with node's 16 KiB default, a blob push paused and resumed the socket
  // about once per 300 KiB (bench/: ~800 epoll_ctl calls per 256 MiB push). A paused upload holds up
  // to this much: with 1 MiB, 64 clients pushing at once took the server's RSS ~40 MB higher, at the
  // same CPU per push (docs/benchmarks.md).
  const serverOpts = { highWaterMark: 256 * 1024 };
  // node:https (and node:tls) only when serving TLS (issue 20: start-up and idle RSS).
  const server = opts.tls
    ? process.getBuiltinModule('node:https').createServer({ ...serverOpts, cert: opts.tls.cert, key: opts.tls.key }, listener)
    : http.createServer(serverOpts, listener);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 60_000;
  server.requestTimeout = 0; // a 10 GiB layer may take a while; a stalled body times out (watchBody)
  capConnectionsPerClient(server, opts.maxConnectionsPerClient ?? DEFAULT_MAX_CONNECTIONS_PER_CLIENT, log);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // A 400 written now would land inside a response already on the wire (as node's own handler knows).
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (!socket.writable || err.code === 'ECONNRESET' || inFlight?.headersSent) return void socket.destroy();
    const body = JSON.stringify({ errors: [{ code: 'BAD_REQUEST', message: 'malformed HTTP request', detail: {} }] });
    socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  return server;
}
