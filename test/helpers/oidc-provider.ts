// A real OpenID Provider for the OIDC tests: npm oidc-provider (a certified OP) in this process on a
// loopback port, with discovery, JWKS, refresh tokens, and PKCE (S256) required of every client.
// Users are whatever the test puts in `accounts` (claims by login name; the dev login form accepts
// any password); a name absent from `accounts` is an account that no longer exists (its refresh
// tokens stop working). The registry is one confidential client whose redirect URIs the test sets.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export const CLIENT_ID = 'harborctl';
/** A second client of the same OP (tokens for another audience). */
export const OTHER_CLIENT_ID = 'other-app';
export const CLIENT_SECRET = 'Client-secret-0123456789';

export type Claims = Record<string, unknown>;

export interface TestOp {
  issuer: string;
  /** Claims of each account by login name (sub = the name); edit between logins. */
  accounts: Map<string, Claims>;
  /** When set, rewrites the JSON body of each token endpoint answer (a forged or swapped ID token). */
  tamperToken?: (body: Record<string, unknown>) => Record<string, unknown>;
  stop(): Promise<void>;
}

/**
 * Starts the OP. `redirectUris`: the registry's callback URLs (known only once the registry
 * listens, so a function read when the client is first used).
 */
export async function startTestOp(redirectUris: () => string[], opts: { audience?: string } = {}): Promise<TestOp> {
  let handler: http.RequestListener = (_req, res) => { res.statusCode = 503; res.end(); };
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accounts = new Map<string, Claims>();
  let provider: Provider | undefined;
  const clients = () => [opts.audience ?? CLIENT_ID, OTHER_CLIENT_ID].map((id) => ({
    client_id: id, client_secret: CLIENT_SECRET, redirect_uris: redirectUris(),
    // RP-initiated logout returns to the registry's sign-in page (Harbor's post_logout_redirect_uri).
    post_logout_redirect_uris: redirectUris().map((u) => `${new URL(u).origin}/account/sign-in`),
    grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' as const,
  }));
  const make = () => new Provider(issuer, {
    clients: clients(),
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    claims: { openid: ['sub'], email: ['email'], profile: ['name', 'preferred_username', 'groups', 'huge'] },
    // Claims go into the ID token too (the registry reads both, as Harbor does).
    conformIdTokenClaims: false,
    issueRefreshToken: async () => true,
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    ttl: { AccessToken: 3600, IdToken: 3600, RefreshToken: 86_400, Interaction: 600, Session: 3600, Grant: 86_400, AuthorizationCode: 60 },
    async findAccount(_ctx, sub) {
      const claims = accounts.get(sub);
      if (!claims) return undefined;
      return { accountId: sub, claims: async () => ({ ...claims, sub }) };
    },
  });
  // The client list is read lazily: the registry's port is not known when the OP starts.
  const op: TestOp = {
    issuer, accounts,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  handler = (req, res) => {
    provider ??= make();
    const tamper = op.tamperToken;
    if (tamper && req.url?.startsWith('/token')) {
      // The provider answers with one res.end(body): rewrite that body on its way out.
      const end = res.end.bind(res) as (chunk?: unknown) => http.ServerResponse;
      res.end = ((chunk?: unknown) => {
        const data = Buffer.from(JSON.stringify(tamper(JSON.parse(String(chunk)) as Record<string, unknown>)));
        res.setHeader('content-length', data.length);
        return end(data);
      }) as typeof res.end;
    }
    provider.callback()(req, res);
  };
  return op;
}

interface Cookie { value: string; path: string }

/**
 * A browser over plain HTTP for the sign-in flows: a cookie jar (by host name, as browsers share
 * cookies across ports; Path and Max-Age honoured) and redirects followed by hand, so a test sees
 * each hop. At the test OP's login form it signs in as `login`, at its consent form it agrees.
 */
export class HttpBrowser {
  private readonly jar = new Map<string, Map<string, Cookie>>();

  cookie(url: string, name: string): string | undefined {
    return this.jar.get(new URL(url).hostname)?.get(name)?.value;
  }

  setCookie(url: string, name: string, value: string, path = '/'): void {
    const host = new URL(url).hostname;
    if (!this.jar.has(host)) this.jar.set(host, new Map());
    this.jar.get(host)!.set(name, { value, path });
  }

  private cookieHeader(url: URL): string {
    const all = this.jar.get(url.hostname) ?? new Map<string, Cookie>();
    return [...all].filter(([, c]) => url.pathname.startsWith(c.path)).map(([k, c]) => `${k}=${c.value}`).join('; ');
  }

  /** One request; cookies stored from the answer. */
  async request(url: string, init: { method?: string; form?: Record<string, string>; json?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; location: string | null; text: string; headers: Headers }> {
    const u = new URL(url);
    const headers: Record<string, string> = { ...init.headers };
    const ch = this.cookieHeader(u);
    if (ch) headers.cookie = ch;
    let body: string | undefined;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (init.json !== undefined) {
      // The text as given (a test may send JSON that is not an object, or not JSON).
      body = init.json;
      headers['content-type'] ??= 'application/json';
    }
    const r = await fetch(u, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    for (const sc of r.headers.getSetCookie()) {
      const [kv, ...attrs] = sc.split(';').map((x) => x.trim());
      const i = kv.indexOf('=');
      const name = kv.slice(0, i);
      const path = attrs.find((a) => /^path=/i.test(a))?.slice(5) ?? '/';
      const maxAge = attrs.find((a) => /^max-age=/i.test(a));
      if (!this.jar.has(u.hostname)) this.jar.set(u.hostname, new Map());
      if (maxAge && Number(maxAge.slice(8)) <= 0) this.jar.get(u.hostname)!.delete(name);
      else this.jar.get(u.hostname)!.set(name, { value: kv.slice(i + 1), path });
    }
    const location = r.headers.get('location');
    return { status: r.status, location: location ? new URL(location, u).toString() : null, text: await r.text(), headers: r.headers };
  }

  /**
   * Follows redirects from `url`, signing in at the OP as `login` when asked, until an answer that is
   * no redirect or a redirect for which `stop` says true (that redirect's answer is returned).
   */
  async follow(url: string, opts: { login: string; stop?: (location: string) => boolean; issuer: string }): Promise<{ status: number; url: string; location: string | null; text: string; headers: Headers }> {
    let next = url;
    let form: Record<string, string> | undefined;
    for (let hop = 0; hop < 20; hop++) {
      const r = await this.request(next, { form });
      form = undefined;
      if (r.location) {
        if (opts.stop?.(r.location)) return { ...r, url: next };
        next = r.location;
        continue;
      }
      // The OP's dev interaction pages: the login form, then (maybe) the consent form.
      if (next.startsWith(opts.issuer) && r.status === 200) {
        const action = /<form[^>]*action="([^"]+)"/.exec(r.text)?.[1];
        if (!action) throw new Error(`no form on the OP's page ${next}`);
        next = new URL(action, next).toString();
        form = r.text.includes('name="login"') ? { prompt: 'login', login: opts.login, password: 'any' } : { prompt: 'consent' };
        continue;
      }
      return { ...r, url: next };
    }
    throw new Error(`more than 20 hops from ${url}`);
  }
}
