// The server's own HTTP client (src/services/outbound.ts) against real node:http(s) servers on
// loopback: pooled connections, the bounds on waiting (head, silent body; a paused or slowly sent
// body is not silence), answers read up to a bound, failures sorted, TLS checking, close.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OutboundClient, OutboundError, outboundFailure } from '../../src/services/outbound.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A server whose handler each test sets; it counts the connections it accepted and closed. */
class Server {
  handler: Handler = (_q, r) => r.end('ok');
  accepted = 0;
  closed = 0;
  readonly sockets = new Set<Socket>();
  constructor(readonly srv: http.Server) {
    srv.on('request', (q, r) => this.handler(q, r));
    srv.on('connection', (s: Socket) => {
      this.accepted++;
      this.sockets.add(s);
      s.on('close', () => {
        this.closed++;
        this.sockets.delete(s);
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.srv.listen(0, '127.0.0.1', r));
    const proto = this.srv instanceof https.Server ? 'https' : 'http';
    return `${proto}://127.0.0.1:${(this.srv.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.srv.close(r));
  }
}

let plain: Server;
let url: string;
let secure: Server;
let tlsUrl: string;
let cert: string;
let certDir: string;

beforeAll(async () => {
  plain = new Server(http.createServer());
  url = await plain.listen();
  certDir = await mkdtemp(join(tmpdir(), 'harborctl-outbound-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'),
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  cert = await readFile(join(certDir, 'cert.pem'), 'utf8');
  secure = new Server(https.createServer({ cert, key: await readFile(join(certDir, 'key.pem'), 'utf8') }));
  tlsUrl = await secure.listen();
});

afterAll(async () => {
  await plain?.close();
  await secure?.close();
  await rm(certDir, { recursive: true, force: true });
});

const failure = async (p: Promise<unknown>): Promise<Error> => {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
};

describe('requests', () => {
  test('a string body gets its Content-Length; the answer is read whole, and the connection serves the next request', async () => {
    const seen: { method: string; length?: string; body: string }[] = [];
    plain.handler = (q, r) => {
      let body = '';
      q.setEncoding('utf8').on('data', (s: string) => { body += s; }).on('end', () => {
        seen.push({ method: q.method!, length: q.headers['content-length'], body });
        r.setHeader('content-type', 'application/json');
        r.end(JSON.stringify({ got: body }));
      });
    };
    const c = new OutboundClient({ headersTimeoutMs: 2000 });
    const before = plain.accepted;
    try {
      const a = await c.request(`${url}/a`, { method: 'POST', body: 'héllo', headers: { 'content-type': 'text/plain' } });
      expect(a.statusCode).toBe(200);
      expect(a.header('content-type')).toBe('application/json');
      expect(await a.json(1024)).toEqual({ got: 'héllo' });
      const b = await c.request(`${url}/b`, { method: 'GET' });
      expect(await b.text(1024)).toBe('{"got":""}');
      expect(seen).toEqual([{ method: 'POST', length: '6', body: 'héllo' }, { method: 'GET', length: undefined, body: '' }]);
      expect(plain.accepted - before).toBe(1);
    } finally {
      c.close();
    }
  });

  test('a stream body is sent as it comes, however slowly: only the wait for the head after it counts', async () => {
    plain.handler = (q, r) => {
      let n = 0;
      q.on('data', (b: Buffer) => { n += b.length; }).on('end', () => r.end(String(n)));
    };
    const c = new OutboundClient({ headersTimeoutMs: 200 });
    try {
      // Four chunks 150 ms apart: 450 ms of sending, each gap near the 200 ms bound.
      const slow = Readable.from((async function* () {
        for (let i = 0; i < 4; i++) {
          if (i) await sleep(150);
          yield Buffer.alloc(1000, i);
        }
      })());
      const res = await c.request(`${url}/up`, { method: 'PUT', body: slow, headers: { 'content-length': '4000' } });
      expect(await res.text(100)).toBe('4000');
    } finally {
      c.close();
    }
  });

  test('a server that never answers is a HEADERS_TIMEOUT; one that stops in the middle of its body a BODY_TIMEOUT', async () => {
    const c = new OutboundClient({ headersTimeoutMs: 150, bodyTimeoutMs: 250 });
    try {
      plain.handler = () => undefined;
      const e = await failure(c.request(`${url}/never`, { method: 'GET' }));
      expect(e).toBeInstanceOf(OutboundError);
      expect((e as OutboundError).code).toBe('HEADERS_TIMEOUT');
      expect(outboundFailure(e).timeout).toBe(true);

      plain.handler = (_q, r) => {
        r.writeHead(200, { 'content-length': '100' });
        r.write('only part');
      };
      const res = await c.request(`${url}/stall`, { method: 'GET' });
      const t0 = Date.now();
      const b = await failure(res.text(1000));
      expect((b as OutboundError).code).toBe('BODY_TIMEOUT');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    } finally {
      c.close();
    }
  });

  test('a deadline bounds the whole exchange, a body that trickles in included; one that ends in time leaves the connection pooled', async () => {
    const c = new OutboundClient({ headersTimeoutMs: 1000 });
    try {
      let timer: NodeJS.Timeout | undefined;
      plain.handler = (_q, r) => {
        r.writeHead(200, { 'content-length': '1000' });
        timer = setInterval(() => r.write('x'), 20); // never silent for the body bound, never done
        r.on('close', () => clearInterval(timer));
      };
      const t0 = Date.now();
      const res = await c.request(`${url}/trickle`, { method: 'GET', deadlineMs: 300 });
      const e = await failure(res.text(10_000));
      expect((e as OutboundError).code).toBe('DEADLINE');
      expect(e.message).toMatch(/did not finish answering within 300 ms/);
      expect(outboundFailure(e).timeout).toBe(true);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
      clearInterval(timer);

      // A head that never comes is the deadline's too, when it is the shorter bound.
      plain.handler = () => undefined;
      expect(((await failure(c.request(`${url}/never`, { method: 'GET', deadlineMs: 100 }))) as OutboundError).code).toBe('DEADLINE');

      plain.handler = (_q, r) => r.end('ok');
      const accepted = plain.accepted;
      expect(await (await c.request(`${url}/quick`, { method: 'POST', body: 'x', deadlineMs: 100 })).text(10)).toBe('ok');
      await sleep(200); // past the deadline: nothing fires on the pooled connection
      expect(await (await c.request(`${url}/quick`, { method: 'GET' })).text(10)).toBe('ok');
      expect(plain.accepted).toBe(accepted + 1);
    } finally {
      c.close();
    }
  });
  test('a body its reader leaves unread for longer than the bound is not silence', async () => {
    const size = 8 * 1024 * 1024;
    plain.handler = (_q, r) => {
      r.writeHead(200, { 'content-length': String(size) });
      r.end(Buffer.alloc(size, 7));
    };
    const c = new OutboundClient({ headersTimeoutMs: 150 });
    try {
      const res = await c.request(`${url}/big`, { method: 'GET' });
      await sleep(400);
      expect((await res.bytes(size)).length).toBe(size);
    } finally {
      c.close();
    }
  });

  test('an answer beyond the bound is refused, declared or not, and its connection closed', async () => {
    const c = new OutboundClient({ headersTimeoutMs: 2000 });
    try {
      plain.handler = (_q, r) => r.end(Buffer.alloc(5000));
      const declared = await c.request(`${url}/declared`, { method: 'GET' });
      expect(((await failure(declared.bytes(4096))) as OutboundError).code).toBe('TOO_LARGE');
      plain.handler = (_q, r) => {
        r.write(Buffer.alloc(3000));
        r.end(Buffer.alloc(3000));
      };
      const chunked = await c.request(`${url}/chunked`, { method: 'GET' });
      expect(chunked.header('transfer-encoding')).toBe('chunked');
      const own = await failure(chunked.text(4096, () => new RangeError('mine')));
      expect(own).toBeInstanceOf(RangeError);
      expect(chunked.body.destroyed).toBe(true);
    } finally {
      c.close();
    }
  });

  test('prefix keeps the start of a body and throws the rest away; dump keeps a small body\'s connection and closes a large one\'s', async () => {
    const c = new OutboundClient({ headersTimeoutMs: 2000 });
    try {
      plain.handler = (q, r) => r.end(q.url === '/large' ? Buffer.alloc(1024 * 1024, 97) : 'a long answer\nof two lines');
      expect(await (await c.request(`${url}/small`, { method: 'GET' })).prefix(6)).toBe('a long');
      const before = plain.accepted;
      await (await c.request(`${url}/small`, { method: 'GET' })).dump();
      await (await c.request(`${url}/small`, { method: 'GET' })).dump();
      expect(plain.accepted - before).toBeLessThanOrEqual(1);
      const large = await c.request(`${url}/large`, { method: 'GET' });
      await large.dump();
      expect(large.body.destroyed).toBe(true);
      expect(await (await c.request(`${url}/large`, { method: 'GET' })).prefix(3)).toBe('aaa');
    } finally {
      c.close();
    }
  });

  test('failures are sorted: refused, not http(s), and the caller\'s signal', async () => {
    const c = new OutboundClient({ headersTimeoutMs: 2000 });
    try {
      const gone = http.createServer();
      await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
      const port = (gone.address() as AddressInfo).port;
      await new Promise((r) => gone.close(r));
      const refused = await failure(c.request(`http://127.0.0.1:${port}/`, { method: 'GET' }));
      expect(outboundFailure(refused)).toEqual({ timeout: false, why: 'connection refused' });
      // A stream body of a request that fails is ended with it (its file would stay open).
      const body = Readable.from((async function* () { yield Buffer.alloc(10); await sleep(10_000); })());
      expect(outboundFailure(await failure(c.request(`http://127.0.0.1:${port}/`, { method: 'PUT', body }))).why).toBe('connection refused');
      await sleep(10);
      expect(body.destroyed).toBe(true);
      await expect(c.request('ftp://127.0.0.1/x', { method: 'GET' })).rejects.toThrow(/not an http\(s\) URL/);
      plain.handler = () => undefined;
      const aborted = await failure(c.request(`${url}/slow`, { method: 'GET', signal: AbortSignal.timeout(100) }));
      expect(outboundFailure(aborted).timeout).toBe(true);
    } finally {
      c.close();
    }
  });

  test('close ends idle connections at once and lets a request under way finish', async () => {
    let release: () => void = () => undefined;
    plain.handler = (q, r) => {
      if (q.url === '/wait') release = () => r.end('late');
      else r.end('now');
    };
    const c = new OutboundClient({ headersTimeoutMs: 2000 });
    const idle = new OutboundClient({ headersTimeoutMs: 2000 });
    await (await idle.request(`${url}/a`, { method: 'GET' })).dump();
    const closedBefore = plain.closed;
    idle.close();
    for (let i = 0; i < 100 && plain.closed === closedBefore; i++) await sleep(10);
    expect(plain.closed).toBe(closedBefore + 1);

    const pending = c.request(`${url}/wait`, { method: 'GET' });
    await sleep(50);
    c.close();
    release();
    expect(await (await pending).text(100)).toBe('late');
  });
});

describe('TLS', () => {
  test('a self-signed server is refused, reached when trusted by its CA, or with verification off', async () => {
    secure.handler = (_q, r) => r.end('secret');
    const strict = new OutboundClient({ headersTimeoutMs: 2000 });
    const trusting = new OutboundClient({ headersTimeoutMs: 2000, ca: cert });
    const insecure = new OutboundClient({ headersTimeoutMs: 2000, rejectUnauthorized: false });
    try {
      const e = await failure(strict.request(`${tlsUrl}/`, { method: 'GET' }));
      expect(outboundFailure(e).why).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      expect(e.message).toMatch(/certificate/);
      expect(await (await trusting.request(`${tlsUrl}/`, { method: 'GET' })).text(100)).toBe('secret');
      expect(await (await insecure.request(`${tlsUrl}/`, { method: 'GET' })).text(100)).toBe('secret');
    } finally {
      for (const c of [strict, trusting, insecure]) c.close();
    }
  });
});
