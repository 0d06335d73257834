// Harbor tag "configure": GET/PUT /configurations (system admins; services/config.ts).
import { sendEmpty, sendJson } from '../context.js';
import { readObject, type ApiRouter } from './router.js';

export function configureRoutes(r: ApiRouter): void {
  r.add('GET', '/configurations', async (c) => {
    sendJson(c.http, 200, await c.svc.config.get(c.principal));
  });

  r.add('PUT', '/configurations', async (c) => {
    await c.svc.config.update(c.principal, await readObject(c.http));
    sendEmpty(c.http, 200);
  });
}
