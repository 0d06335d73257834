// A real HTTP(S) endpoint for webhook tests: it records every request and answers each path with
// the statuses queued for it (then 200), so a test can force failures ("500 twice, then 200").
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface Received { path: string; headers: http.IncomingHttpHeaders; body: string; json: any; status: number } // eslint-disable-line @typescript-eslint/no-explicit-any

export class WebhookReceiver {
  readonly received: Received[] = [];
  private readonly answers = new Map<string, number[]>();
  private readonly waiters: { pred: (r: Received) => boolean; resolve: (r: Received) => void }[] = [];
  private server!: http.Server;
  url = '';

  static async start(tlsOpts?: { cert: string; key: string }): Promise<WebhookReceiver> {
    const r = new WebhookReceiver();
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        const status = r.answers.get(path)?.shift() ?? 200;
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try { json = JSON.parse(body); } catch { json = undefined; }
        const rec = { path, headers: req.headers, body, json, status };
        r.received.push(rec);
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'failing on purpose');
        for (const w of r.waiters.splice(0)) {
          if (w.pred(rec)) w.resolve(rec);
          else r.waiters.push(w);
        }
      });
    };
    r.server = tlsOpts ? https.createServer(tlsOpts, handler) : http.createServer(handler);
    await new Promise<void>((res) => r.server.listen(0, '127.0.0.1', res));
    r.url = `${tlsOpts ? 'https' : 'http'}://127.0.0.1:${(r.server.address() as AddressInfo).port}`;
    return r;
  }

  /** The next requests to `path` get these statuses, in order. */
  answer(path: string, ...statuses: number[]): void {
    this.answers.set(path, [...(this.answers.get(path) ?? []), ...statuses]);
  }

  /** The first request (already received or still to come) that matches. */
  next(pred: (r: Received) => boolean): Promise<Received> {
    const got = this.received.find(pred);
    if (got) return Promise.resolve(got);
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
