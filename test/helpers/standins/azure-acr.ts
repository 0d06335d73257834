// A stand-in for Azure Container Registry (<name>.azurecr.io), fronting a real docker-registry.
// What it checks, as ACR documents its token flow (docs: "Azure Container Registry authentication
// with tokens", ACR's AAD-OAuth.md):
// - GET /oauth2/token?service&scope with Basic: the admin user's name and password (ACR takes a
//   service principal's id and secret the same way; the stand-in knows only the admin user);
//   `service` must be the registry's host; 401 otherwise.
// - POST /oauth2/exchange (form): grant_type=access_token, service = the registry's host, and an
//   Azure AD access token: a JWT whose HS256 signature (under the stand-in tenant's key), audience
//   (https://management.azure.com/) and expiry are verified; answers an ACR refresh token.
// - POST /oauth2/token (form): grant_type=refresh_token, service, scope(s), a refresh token this
//   stand-in issued and that is live; answers an access token.
// - /v2/: a live access token whose scopes cover the request (the catalog needs
//   `registry:catalog:*`; tags/list `metadata_read` or `pull`; DELETE `delete`); else 401 and the
//   Bearer challenge. DELETE /v2/<repo>/manifests/<tag> untags, as ACR does.
// Not checked: AAD itself (tenant discovery, RSA-signed tokens from login.microsoftonline.com),
// RBAC roles on a service principal or identity (any valid identity gets every action), repository-
// scoped tokens and scope maps, firewall rules, anonymous pull.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { basicOf, bearerOf, json, parseScopes, readBody, startStandin, TokenBook, untag, type Grant, type Standin } from './common.js';

export const AAD_AUDIENCE = 'https://management.azure.com/';

export interface AzureAcrStandin extends Standin {
  admin: { username: string; password: string };
  /** An Azure AD access token for this tenant (expired when `expiresInSeconds` < 0, for another audience when given). */
  aadToken(opts?: { expiresInSeconds?: number; audience?: string }): string;
}

export async function startAzureAcrStandin(): Promise<AzureAcrStandin> {
  const admin = { username: 'standinacr', password: randomBytes(16).toString('hex') };
  const tenantKey = randomBytes(32);
  const access = new TokenBook();
  const refresh = new TokenBook();

  const aadToken = (opts: { expiresInSeconds?: number; audience?: string } = {}): string => {
    const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({
      aud: opts.audience ?? AAD_AUDIENCE, oid: randomBytes(8).toString('hex'), exp: Math.floor(Date.now() / 1000) + (opts.expiresInSeconds ?? 3600),
    })}`;
    return `${head}.${createHmac('sha256', tenantKey).update(head).digest('base64url')}`;
  };
  const aadIdentity = (token: string): string | null => {
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    const sig = createHmac('sha256', tenantKey).update(`${parts[0]}.${parts[1]}`).digest('base64url');
    if (sig.length !== parts[2].length || !timingSafeEqual(Buffer.from(sig), Buffer.from(parts[2]))) return null;
    const c = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { aud?: string; exp?: number; oid?: string };
    if (c.aud !== AAD_AUDIENCE || typeof c.exp !== 'number' || c.exp * 1000 < Date.now()) return null;
    return c.oid ?? null;
  };
  const unauthorized = (res: http.ServerResponse, message: string): boolean => {
    json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message }] });
    return true;
  };

  const route = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL, self: Standin): Promise<boolean> => {
    const p = url.pathname;
    if (p === '/oauth2/token' && req.method === 'GET') {
      if (url.searchParams.get('service') !== self.host) return unauthorized(res, 'service does not match');
      const b = basicOf(req);
      if (!b || b.user !== admin.username || b.password !== admin.password) return unauthorized(res, 'authentication required');
      const token = access.issue(b.user, parseScopes(url.searchParams.getAll('scope')), 3600);
      return json(res, 200, { access_token: token }), true;
    }
    if (p === '/oauth2/exchange' && req.method === 'POST') {
      const f = new URLSearchParams(await readBody(req));
      if (f.get('grant_type') !== 'access_token') return json(res, 400, { errors: [{ code: 'BAD_REQUEST', message: 'grant_type must be access_token' }] }), true;
      if (f.get('service') !== self.host) return unauthorized(res, 'service does not match');
      const who = aadIdentity(f.get('access_token') ?? '');
      if (!who) return unauthorized(res, 'the access token is not valid');
      return json(res, 200, { refresh_token: refresh.issue(who, [], 3 * 3600) }), true;
    }
    if (p === '/oauth2/token' && req.method === 'POST') {
      const f = new URLSearchParams(await readBody(req));
      if (f.get('grant_type') !== 'refresh_token') return json(res, 400, { errors: [{ code: 'BAD_REQUEST', message: 'unsupported grant_type' }] }), true;
      if (f.get('service') !== self.host) return unauthorized(res, 'service does not match');
      if (!refresh.valid(f.get('refresh_token') ?? '')) return unauthorized(res, 'the refresh token is not valid');
      return json(res, 200, { access_token: access.issue('aad', parseScopes(f.getAll('scope')), 3600) }), true;
    }
    return false;
  };

  const authorize = (req: http.IncomingMessage, res: http.ServerResponse, need: Grant | null, self: Standin): boolean => {
    const token = bearerOf(req);
    if (need === null ? token && access.valid(token) : token && access.allows(token, need)) {
      // ACR deletes a manifest by tag as an untag (the artifact and its other tags stay); distribution 2.8 cannot.
      const m = /^\/v2\/(.+)\/manifests\/([\w][\w.-]{0,127})$/.exec(req.url ?? '');
      if (req.method !== 'DELETE' || !m) return true;
      void untag(self.registry, m[1], m[2]).then((found) => (found ? json(res, 202, '') : json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] })),
        (e: Error) => json(res, 500, { message: e.message }));
      return false;
    }
    const scope = need ? `,scope="${need.type}:${need.name}:${need.actions[0]}"` : '';
    json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, {
      'www-authenticate': `Bearer realm="${self.url}/oauth2/token",service="${self.host}"${scope}`,
    });
    return false;
  };

  const s = await startStandin({ route, authorize });
  return Object.assign(s, { admin, aadToken });
}
