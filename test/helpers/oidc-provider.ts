// A real OpenID Provider for the OIDC tests: npm oidc-provider (a certified OP) in this process on a
// loopback port, with discovery, JWKS, refresh tokens, and PKCE (S256) required of every client.
// Users are whatever the test puts in `accounts` (claims by login name; the dev login form accepts
// any password); a name absent from `accounts` is an account that no longer exists (its refresh
// tokens stop working). The registry is one confidential client whose redirect URIs the test sets.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export const CLIENT_ID = 'harborctl';
export const CLIENT_SECRET = 'Client-secret-0123456789';

export type Claims = Record<string, unknown>;

export interface TestOp {
  issuer: string;
  /** Claims of each account by login name (sub = the name); edit between logins. */
  accounts: Map<string, Claims>;
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
  const clients = () => [{
    client_id: opts.audience ?? CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: redirectUris(),
    grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' as const,
  }];
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
  handler = (req, res) => {
    provider ??= make();
    provider.callback()(req, res);
  };
  return {
    issuer, accounts,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
