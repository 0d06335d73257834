// Harbor tag "ping": GET /ping answers the string "Pong" (a JSON string, as Harbor's swagger types it).
import type { ApiRouter } from './router.js';

export function pingRoutes(r: ApiRouter): void {
  r.add('GET', '/ping', async (c) => {
    const body = Buffer.from('Pong');
    c.http.res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
    c.http.res.end(body);
  });
}
