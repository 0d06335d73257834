// Harbor tag "oidc": POST /system/oidc/ping (services/oidc.ts).
import { HarborError } from '../../core/errors.js';
import { sendEmpty } from '../context.js';
import { optBoolean, optString, readObject, type ApiRouter } from './router.js';

export function oidcRoutes(r: ApiRouter): void {
  r.add('POST', '/system/oidc/ping', async (c) => {
    const b = await readObject(c.http);
    const url = optString(b, 'url');
    if (!url) throw new HarborError('BAD_REQUEST', 'url is required');
    await c.svc.oidc.ping(c.principal, url, optBoolean(b, 'verify_cert') ?? true);
    sendEmpty(c.http, 200);
  });
}
