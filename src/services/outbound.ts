// The server's own HTTP client, for what it asks of other services: webhook deliveries, upstream
// registries (proxy cache, pings, replication), scanner adapters and vendor APIs. Hand-written on
// node:http(s) rather than undici: a server that has made one undici request stays ~20 MB larger for
// good (undici's modules and llhttp's WebAssembly; 45 MB in a loaded `serve`) and spent more CPU per
// manifest GET after it (docs/benchmarks.md, tenth session), while node:http is already loaded to
// serve. What it adds to node:http is what undici gave the callers: keep-alive pools per TLS setting,
// a bound on waiting for an answer's head and on a silent body, answers read whole up to a bound,
// and a close that lets requests under way finish.
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { pipeline, type Readable } from 'node:stream';

export interface OutboundOptions {
  /** Verify the peer's certificate (default true). */
  rejectUnauthorized?: boolean;
  /** PEM CA certificate(s) to trust instead of the system's. */
  ca?: string | Buffer;
  /** Connecting, sending and waiting for the answer's head: the longest silence allowed. */
  headersTimeoutMs: number;
  /** The longest silence while the answer's body is read (default: headersTimeoutMs). */
  bodyTimeoutMs?: number;
}

export interface OutboundRequest {
  method: string;
  headers?: Record<string, string>;
  /** A string or Buffer gets a Content-Length; a stream is sent as it is (the caller sets Content-Length, or it is chunked). */
  body?: string | Buffer | Readable;
  /** Ends the request (and its answer's body) when aborted. */
  signal?: AbortSignal;
  /**
   * The whole exchange within this many ms, the answer's body included (for answers read whole):
   * past it the request, or its body, fails with an OutboundError DEADLINE. One timer, cleared when
   * the request closes; an AbortSignal.timeout cost a webhook delivery ~20 µs more (docs/benchmarks.md).
   */
  deadlineMs?: number;
}

/** How a request failed; `code` is a socket or TLS error's own (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT ...) or one of ours. */
export class OutboundError extends Error {
  constructor(readonly code: 'HEADERS_TIMEOUT' | 'BODY_TIMEOUT' | 'DEADLINE' | 'TOO_LARGE', message: string) {
    super(message);
    this.name = 'OutboundError';
  }
}

/**
 * A failed request's kind for a message: whether it timed out, else why it failed ("connection
 * refused", or a socket or TLS error's code; never the error's message, which may hold the URL).
 */
export function outboundFailure(e: unknown): { timeout: boolean; why: string } {
  const err = e as NodeJS.ErrnoException & { errors?: NodeJS.ErrnoException[] };
  if (e instanceof OutboundError) return { timeout: e.code !== 'TOO_LARGE', why: e.message };
  if (err.name === 'TimeoutError' || (err.name === 'AbortError' && (err.cause as Error | undefined)?.name === 'TimeoutError')) return { timeout: true, why: 'timed out' };
  // node:net tries each address of a name and reports them together (AggregateError).
  const code = err.code ?? err.errors?.[0]?.code ?? '';
  return { timeout: code === 'ETIMEDOUT', why: code === 'ECONNREFUSED' ? 'connection refused' : code || 'connection failed' };
}

/** How long a pooled connection may stay idle: below Node's and nginx's 5 s keep-alive, as undici's 4 s. */
const KEEP_ALIVE_IDLE_MS = 4000;
/** What dump() reads of an unwanted body before it gives up the connection instead (undici's figure). */
const DUMP_LIMIT = 128 * 1024;

export class OutboundResponse {
  constructor(readonly statusCode: number, readonly headers: IncomingHttpHeaders, readonly body: IncomingMessage) {}

  /** One header's value (the first, for a repeated one). */
  header(name: string): string | undefined {
    const v = this.headers[name];
    return Array.isArray(v) ? v[0] : v;
  }

  /**
   * The whole body, at most `max` bytes, declared or sent: beyond, the connection is closed and
   * `tooLarge()` thrown (an OutboundError TOO_LARGE by default).
   */
  async bytes(max: number, tooLarge?: () => Error): Promise<Buffer> {
    const refuse = (): Error => {
      this.body.destroy();
      return tooLarge?.() ?? new OutboundError('TOO_LARGE', `the answer is larger than ${max} bytes`);
    };
    if (Number(this.header('content-length') ?? 0) > max) throw refuse();
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of this.body as AsyncIterable<Buffer>) {
      n += c.length;
      if (n > max) throw refuse();
      chunks.push(c);
    }
    return Buffer.concat(chunks, n);
  }

  async text(max: number, tooLarge?: () => Error): Promise<string> {
    return (await this.bytes(max, tooLarge)).toString('utf8');
  }

  /** JSON.parse of the body (a SyntaxError for invalid JSON). */
  async json(max: number, tooLarge?: () => Error): Promise<unknown> {
    return JSON.parse(await this.text(max, tooLarge)) as unknown;
  }

  /** The body's first `max` bytes as text (for a log line); the rest is thrown away as dump() does. */
  async prefix(max: number): Promise<string> {
    const chunks: Buffer[] = [];
    let kept = 0;
    let seen = 0;
    try {
      for await (const c of this.body as AsyncIterable<Buffer>) {
        seen += c.length;
        if (kept < max) chunks.push(c.subarray(0, max - kept));
        kept = Math.min(max, seen);
        if (seen > DUMP_LIMIT) {
          this.body.destroy();
          break;
        }
      }
    } catch {
      // What was read before the body failed is all there is to show.
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Discards the body: read to its end when small, so the connection is reused, else the connection is closed. */
  async dump(): Promise<void> {
    // Read even when the parser has it all (`complete`): the connection is pooled again at the body's 'end'.
    const b = this.body;
    if (b.destroyed) return;
    let n = 0;
    try {
      for await (const c of b as AsyncIterable<Buffer>) {
        n += c.length;
        if (n > DUMP_LIMIT) {
          b.destroy();
          return;
        }
      }
    } catch {
      // A body that fails while it is thrown away is of no interest to anyone.
    }
  }
}

/** Keep-alive connection pools for http: and https: with one TLS setting; request() as often as needed, close() once. */
export class OutboundClient {
  private http: HttpAgent | undefined;
  private https: HttpsAgent | undefined;
  private readonly bodyTimeoutMs: number;

  constructor(private readonly o: OutboundOptions) {
    this.bodyTimeoutMs = o.bodyTimeoutMs ?? o.headersTimeoutMs;
  }

  request(url: string | URL, r: OutboundRequest): Promise<OutboundResponse> {
    const u = typeof url === 'string' ? new URL(url) : url;
    const tls = u.protocol === 'https:';
    if (!tls && u.protocol !== 'http:') return Promise.reject(new TypeError(`not an http(s) URL: ${u.protocol}`));
    // node:https (and node:tls under it) only once an https: URL is asked for: a server that never
    // calls one out over TLS does not load them (issue 20: start-up and idle RSS).
    const https = tls ? process.getBuiltinModule('node:https') : undefined;
    const agent = https
      ? (this.https ??= new https.Agent({ keepAlive: true, timeout: KEEP_ALIVE_IDLE_MS, rejectUnauthorized: this.o.rejectUnauthorized ?? true, ...(this.o.ca ? { ca: this.o.ca } : {}) }))
      : (this.http ??= new HttpAgent({ keepAlive: true, timeout: KEEP_ALIVE_IDLE_MS }));
    const headers: Record<string, string> = { ...r.headers };
    const b = r.body;
    if ((typeof b === 'string' || Buffer.isBuffer(b)) && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-length')) {
      headers['content-length'] = String(Buffer.byteLength(b));
    }
    return new Promise<OutboundResponse>((resolve, reject) => {
      let res: IncomingMessage | undefined;
      // `timeout` arms the new socket's idle timer as it is made, so connecting is bounded too (setTimeout
      // alone starts after the connect). One timer: until the head it bounds connecting, sending and
      // waiting; then the body's silences.
      const req = (https ? https.request : httpRequest)(u, { method: r.method, headers, agent, timeout: this.o.headersTimeoutMs, ...(r.signal ? { signal: r.signal } : {}) });
      req.setTimeout(this.o.headersTimeoutMs);
      req.on('timeout', () => {
        const e = res
          ? new OutboundError('BODY_TIMEOUT', `${u.host} sent nothing of its answer's body for ${this.bodyTimeoutMs} ms`)
          : new OutboundError('HEADERS_TIMEOUT', `${u.host} did not answer within ${this.o.headersTimeoutMs} ms`);
        if (res) res.destroy(e);
        req.destroy(e);
      });
      req.on('error', reject);
      if (r.deadlineMs !== undefined) {
        const ms = r.deadlineMs;
        const deadline = setTimeout(() => {
          const e = new OutboundError('DEADLINE', `${u.host} did not finish answering within ${ms} ms`);
          res?.destroy(e);
          req.destroy(e);
        }, ms).unref();
        // A request closes once its answer's body has ended, or when either fails.
        req.once('close', () => clearTimeout(deadline));
      }
      req.once('response', (m: IncomingMessage) => {
        res = m;
        // As undici's body timeout: a body its reader does not take yet (the socket paused) is not silent.
        const s = m.socket;
        const pause = (): void => void req.setTimeout(0);
        const resume = (): void => void req.setTimeout(this.bodyTimeoutMs);
        resume();
        s.on('pause', pause);
        s.on('resume', resume);
        m.once('close', () => {
          s.off('pause', pause);
          s.off('resume', resume);
        });
        resolve(new OutboundResponse(m.statusCode ?? 0, m.headers, m));
      });
      if (b === undefined || typeof b === 'string' || Buffer.isBuffer(b)) {
        req.end(b);
      } else {
        // As undici: a stream body may be slow (replication's speed limit), so no silence counts
        // from the connect until it is sent; then the wait for the head does.
        let sending = true;
        b.once('end', () => {
          sending = false;
          req.setTimeout(this.o.headersTimeoutMs);
        });
        req.once('socket', (sock) => {
          const quiet = (): void => void (sending && req.setTimeout(0));
          if (sock.connecting) sock.once(tls ? 'secureConnect' : 'connect', quiet);
          else quiet();
        });
        // A failed request ends the stream too (a replicated blob's file is closed), a failed stream the request.
        pipeline(b, req, () => undefined);
      }
    });
  }

  /** No new pooled connections; those idle close now, those in use when their request ends. */
  close(): void {
    for (const a of [this.http, this.https]) {
      if (!a) continue;
      // node:http's agent destroys, rather than pools, a freed socket when keepAlive is off.
      (a as HttpAgent & { keepAlive: boolean }).keepAlive = false;
      for (const list of Object.values(a.freeSockets)) for (const s of list ?? []) s.destroy();
    }
  }
}
