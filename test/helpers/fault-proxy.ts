// A real HTTP hop in front of a real upstream registry that can be told to fail the way public
// registries fail: 429, 500, hang (no answer until the client gives up), reset, or not listen at
// all (connection refused). It records every request it forwards, so tests count upstream fetches.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';

export type FaultMode = 'pass' | '429' | '500' | 'hang' | 'reset';

export interface FaultProxy {
  url: string;
  mode: FaultMode;
  /** Delay before a blob GET is answered (to make concurrent requests overlap), ms. */
  blobDelayMs: number;
  /** `METHOD path` of every request that reached the upstream. */
  forwarded: string[];
  count(method: string, pathPattern: RegExp): number;
  /** Hears each `METHOD path` as it is forwarded, before the upstream answers (a test may change `mode` there). */
  onForward?: (line: string) => void;
  /** Stops listening: connections are refused until `start()`. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** `keepHost`: forward the client's Host header (a signed request, S3's SigV4, signs it). */
export async function startFaultProxy(upstream: string, opts: { keepHost?: boolean } = {}): Promise<FaultProxy> {
  const target = new URL(upstream);
  const sockets = new Set<Socket>();
  let port = 0;
  const self: FaultProxy = {
    url: '',
    mode: 'pass',
    blobDelayMs: 0,
    forwarded: [],
    count: (method, re) => self.forwarded.filter((l) => l.startsWith(`${method} `) && re.test(l.slice(method.length + 1))).length,
    async stop() {
      await new Promise<void>((r) => { server.close(() => r()); for (const s of sockets) s.destroy(); });
    },
    async start() {
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    },
    async close() {
      if (server.listening) await self.stop();
    },
  };
  const server = http.createServer((req, res) => {
    void (async () => {
      if (self.mode === '429') {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '60' });
        res.end(JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'rate limit exceeded' }] }));
        return;
      }
      if (self.mode === '500') {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('upstream broke');
        return;
      }
      if (self.mode === 'hang') return; // never answers; the socket is destroyed by stop()/close()
      if (self.mode === 'reset') {
        req.socket.destroy();
        return;
      }
      self.forwarded.push(`${req.method} ${req.url}`);
      self.onForward?.(`${req.method} ${req.url}`);
      if (self.blobDelayMs && req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '')) await new Promise((r) => setTimeout(r, self.blobDelayMs));
      const headers = opts.keepHost ? req.headers : { ...req.headers, host: target.host };
      const out = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        pipeline(up, res).catch(() => undefined);
      });
      out.on('error', () => { if (!res.headersSent) res.writeHead(502).end(); else res.destroy(); });
      await pipeline(req, out).catch(() => undefined);
    })();
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
  self.url = `http://127.0.0.1:${port}`;
  return self;
}
