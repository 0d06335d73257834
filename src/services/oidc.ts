// Sign-in with an OpenID Provider (auth_mode oidc_auth) as Harbor does it (src/core/controllers/oidc.go,
// src/pkg/oidc/helper.go and secret.go), with openid-client for discovery, PKCE, the code exchange
// and the ID token's checks (signature through JWKS, issuer, audience, nonce, expiry):
// - beginLogin: a random state, nonce and PKCE (S256) verifier are kept server-side for LOGIN_TTL_MS
//   under a hash of a random cookie value; the browser goes to the provider.
// - callback: the login state is taken (one use), the state compared, the code exchanged with the
//   verifier, the ID token checked, the userinfo endpoint asked (Harbor's merge); a known subject is
//   signed in, a new one onboarded (oidc_auto_onboard) or sent to the onboarding form.
// - each sign-in refreshes the user's OIDC groups (type 3, created as needed, oidc_group_filter) and
//   says whether the user is in oidc_admin_group (an admin for that sign-in, not a stored flag).
// - CLI secrets: docker, podman, skopeo and harborctl sign in with the user name and the CLI secret;
//   the stored token set is refreshed with its refresh token once the access token has expired
//   (a failed refresh refuses the sign-in, as Harbor's VerifySecret) and the groups re-read.
// - `harborctl login --oidc` (RFC 8252): the CLI's loopback redirect, its state and a PKCE-style
//   challenge ride along in the login state; after the sign-in the browser is sent to the loopback
//   with a one-time code that only the holder of the challenge's verifier can exchange for the CLI
//   secret (POST /c/oidc/cli-token), so the secret itself never appears in a URL or the browser.
// Every secret at rest (CLI secret, tokens, login state) is sealed with the server's SecretBox.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type * as oidc from 'openid-client';
import { HarborError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { MetaStores, User } from '../storage/meta/index.js';
import type { ExternalDirectory } from './auth.js';
import type { ConfigService } from './config.js';
import { checkOidcEndpoint, filterGroups, mergeUserInfo, parseExtraRedirectParams, userInfoFromClaims, type Claims, type OidcUserInfo } from './oidc-claims.js';
import type { AccessControl, Principal } from './rbac.js';
import type { SecretBox } from './registries.js';
import { checkPasswordPolicy, generatePassword } from '../core/passwords.js';
import { checkUsername } from './users.js';

// openid-client (and undici under it) load at the first OIDC step, not with every serve that never
// uses OIDC (start-up cost, issue 20). Everything that calls into it goes through provider() or ping(),
// which load it first; lib() is then synchronous.
let loaded: typeof oidc | undefined;
let undiciLib: typeof import('undici') | undefined;
async function loadOidc(): Promise<void> {
  loaded ??= await import('openid-client');
  undiciLib ??= await import('undici');
}
function lib(): typeof oidc {
  if (!loaded) throw new Error('openid-client is not loaded yet');
  return loaded;
}

export const LOGIN_TTL_MS = 10 * 60_000;
export const SESSION_TTL_MS = 60 * 60_000;
export const CLI_CODE_TTL_MS = 2 * 60_000;
/** The longest answer read from the provider (discovery, JWKS, tokens, userinfo). */
export const MAX_PROVIDER_RESPONSE = 1 << 20;
/** How long a discovered provider is reused before discovery runs again. */
const PROVIDER_TTL_MS = 60_000;
export const OIDC_USER_COMMENT = 'Onboarded via OIDC provider';

/** Kinds of web_sessions entries. */
const LOGIN = 'oidc-login';
const ONBOARD = 'oidc-onboard';
const WEB = 'web';
const CLI_CODE = 'oidc-cli';

/** What the CLI's native-app flow adds to a sign-in (RFC 8252 loopback redirect). */
export interface CliLogin { redirect: string; state: string; challenge: string }

interface LoginState { state: string; nonce: string; verifier: string; redirectUri: string; redirectUrl: string; cli?: CliLogin }

/** The provider's tokens as kept (sealed) for a user; expiresAt on the server's clock (ms); idToken the raw ID token (logout's id_token_hint). */
interface TokenSet { accessToken: string; refreshToken?: string; idToken?: string; expiresAt: number; claims: Claims }

interface OnboardState { info: OidcUserInfo; tokens: TokenSet; redirectUrl: string; cli?: CliLogin; formToken: string }

interface WebSessionData { userId: number; adminInAuth: boolean; csrf: string; idToken?: string }

/** Where a finished step sends the browser: signed in (a session cookie), to the onboarding form, or to the CLI's loopback. */
export type LoginOutcome =
  | { kind: 'signed-in'; session: string; location: string }
  | { kind: 'onboard'; username: string }
  | { kind: 'cli'; location: string };

export interface OidcServiceOptions {
  clock?: () => number;
  /** Told of each browser sign-in (the audit log records it as Harbor's login event). */
  onLogin?: (username: string, ok: boolean) => void;
}

const hashId = (v: string): string => createHash('sha256').update(v).digest('hex');
const randomToken = (): string => randomBytes(32).toString('base64url');
const sha256b64url = (v: string): string => createHash('sha256').update(v).digest('base64url');

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** What an OIDC user has instead of a password hash: verifyPassword never matches it; a new CLI secret gets a new one. */
export const oidcPasswordMarker = (): string => `oidc$${randomBytes(8).toString('hex')}`;

/** A loopback redirect for the CLI (RFC 8252 §7.3: an IP literal, any port, http). */
export function checkCliRedirect(v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new HarborError('BAD_REQUEST', 'cli_redirect must be http://127.0.0.1:PORT/PATH');
  }
  if (u.protocol !== 'http:' || !(u.hostname === '127.0.0.1' || u.hostname === '[::1]') || !u.port || u.username || u.password || u.search || u.hash || v.length > 300) {
    throw new HarborError('BAD_REQUEST', 'cli_redirect must be http://127.0.0.1:PORT/PATH (a loopback address, RFC 8252)');
  }
  return u.toString();
}

/**
 * A fetch for openid-client that gives up on answers over MAX_PROVIDER_RESPONSE (a provider, or
 * something posing as one, cannot make the server buffer without end), and skips the certificate
 * check when oidc_verify_cert is off.
 */
function boundedFetch(verifyCert: boolean): oidc.CustomFetch {
  const { Agent, fetch } = undiciLib!;
  const dispatcher = verifyCert ? undefined : new Agent({ connect: { rejectUnauthorized: false } });
  return async (url, init) => {
    const r = await fetch(url, { ...(init as object), dispatcher } as Parameters<typeof fetch>[1]);
    const declared = Number(r.headers.get('content-length') ?? '0');
    if (declared > MAX_PROVIDER_RESPONSE) throw new Error(`the provider's answer is larger than ${MAX_PROVIDER_RESPONSE} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    if (r.body) {
      for await (const chunk of r.body) {
        size += (chunk as Uint8Array).length;
        if (size > MAX_PROVIDER_RESPONSE) throw new Error(`the provider's answer is larger than ${MAX_PROVIDER_RESPONSE} bytes`);
        chunks.push(Buffer.from(chunk as Uint8Array));
      }
    }
    return new Response(r.status === 204 || r.status === 304 ? null : Buffer.concat(chunks), { status: r.status, statusText: r.statusText, headers: r.headers as unknown as Headers });
  };
}

/**
 * Discovery options. enableNonRepudiationChecks: openid-client trusts an ID token from the token
 * endpoint on TLS alone unless told to check its signature (OIDC Core 3.1.3.7 allows that); Harbor's
 * go-oidc checks it against the provider's JWKS, and so do we.
 */
function providerOptions(endpoint: string, verifyCert: boolean): oidc.DiscoveryRequestOptions {
  const execute = [lib().enableNonRepudiationChecks, ...(new URL(endpoint).protocol === 'http:' ? [lib().allowInsecureRequests] : [])];
  return { execute, [lib().customFetch]: boundedFetch(verifyCert) };
}

/** A provider error as a page shows it: the library's own words, short, never a token. */
function providerError(what: string, e: unknown): HarborError {
  if (e instanceof HarborError) return e;
  // openid-client's own message is generic; the check that failed (the nonce, the audience...) is in its cause.
  let inner: unknown = e;
  for (let i = 0; i < 3 && inner instanceof Error && inner.cause instanceof Error; i++) inner = inner.cause;
  const cause = loaded && e instanceof loaded.ResponseBodyError ? `${e.error}${e.error_description ? `: ${e.error_description}` : ''}`
    : inner instanceof Error ? inner.message : String(e);
  return new HarborError('BAD_REQUEST', `${what}: ${cause.slice(0, 300)}`);
}

export class OidcService implements ExternalDirectory {
  private readonly now: () => number;
  private cached: { key: string; config: oidc.Configuration; until: number } | undefined;

  constructor(private readonly stores: Pick<MetaStores, 'identity' | 'groups' | 'oidc'>, private readonly config: ConfigService,
    private readonly access: AccessControl, private readonly box: SecretBox, private readonly log: Logger, private readonly opts: OidcServiceOptions = {}) {
    this.now = opts.clock ?? Date.now;
  }

  /** Is OIDC how users (other than admin) sign in? */
  get active(): boolean {
    return this.config.authMode === 'oidc_auth';
  }

  private requireActive(): void {
    if (!this.active) throw new HarborError('PRECONDITION', `auth mode: ${this.config.authMode} is not OIDC based`);
  }

  private seal(v: unknown): string {
    return this.box.seal(JSON.stringify(v));
  }

  private open<T>(sealed: string): T {
    return JSON.parse(this.box.open(sealed)) as T;
  }

  /** The provider's client configuration (discovery), reused for a minute and rebuilt when the settings change. */
  private async provider(): Promise<oidc.Configuration> {
    await loadOidc();
    const c = this.config;
    const endpoint = c.str('oidc_endpoint');
    const clientId = c.str('oidc_client_id');
    if (!endpoint || !clientId) throw new HarborError('PRECONDITION', 'OIDC is not configured: set oidc_endpoint and oidc_client_id');
    const secret = c.secret('oidc_client_secret');
    const verify = c.bool('oidc_verify_cert');
    const key = hashId(JSON.stringify([endpoint, clientId, secret, verify]));
    if (this.cached && this.cached.key === key && this.cached.until > this.now()) return this.cached.config;
    let config: oidc.Configuration;
    try {
      config = await lib().discovery(new URL(endpoint), clientId, secret || undefined, undefined, providerOptions(endpoint, verify));
    } catch (e) {
      throw new HarborError('UPSTREAM_ERROR', `the OpenID provider cannot be reached or is not one: ${(e instanceof Error ? e.message : String(e)).slice(0, 300)}`);
    }
    this.cached = { key, config, until: this.now() + PROVIDER_TTL_MS };
    return config;
  }

  private claimSettings() {
    return { userClaim: this.config.str('oidc_user_claim'), groupsClaim: this.config.str('oidc_groups_claim'), adminGroup: this.config.str('oidc_admin_group') };
  }

  /** POST /system/oidc/ping: is there an OpenID provider (discovery) at this URL? */
  async ping(actor: Principal, url: string, verifyCert: boolean): Promise<void> {
    if (!(await this.access.canSystem(actor, 'configuration', 'update'))) {
      throw new HarborError(actor.kind === 'anonymous' ? 'UNAUTHORIZED' : 'FORBIDDEN', 'only a system administrator may test the OIDC endpoint');
    }
    checkOidcEndpoint('url', url);
    if (!url) throw new HarborError('BAD_REQUEST', 'url is required');
    await loadOidc();
    try {
      await lib().discovery(new URL(url), 'ping', undefined, undefined, providerOptions(url, verifyCert));
    } catch (e) {
      this.log.info('OIDC ping failed', { url: url.slice(0, 200), error: e instanceof Error ? e.message.slice(0, 300) : String(e) });
      throw new HarborError('BAD_REQUEST', 'failed to verify connection');
    }
  }

  /**
   * Starts a sign-in: returns the login cookie's value and the provider's authorization URL.
   * `origin`: this server as the browser reaches it (the callback is `${origin}/c/oidc/callback`);
   * `redirectUrl`: a local path to land on afterwards (Harbor's redirect_url).
   */
  async beginLogin(req: { origin: string; redirectUrl?: string; cli?: CliLogin }): Promise<{ cookie: string; location: string }> {
    this.requireActive();
    const redirectUrl = req.redirectUrl ?? '';
    // Harbor's utils.IsLocalPath: a path on this server, never another site (`//host` is another site).
    if (redirectUrl && (!redirectUrl.startsWith('/') || redirectUrl.startsWith('//') || redirectUrl.includes('\\') || redirectUrl.length > 2000)) {
      throw new HarborError('BAD_REQUEST', 'cannot redirect to other site');
    }
    const config = await this.provider();
    const st: LoginState = {
      state: lib().randomState(), nonce: lib().randomNonce(), verifier: lib().randomPKCECodeVerifier(),
      redirectUri: `${req.origin}/c/oidc/callback`, redirectUrl, cli: req.cli,
    };
    const params: Record<string, string> = {
      ...parseExtraRedirectParams(this.config.str('oidc_extra_redirect_parms')),
      redirect_uri: st.redirectUri, response_type: 'code',
      scope: this.config.str('oidc_scope').split(',').map((s) => s.trim()).join(' '),
      state: st.state, nonce: st.nonce, code_challenge: await lib().calculatePKCECodeChallenge(st.verifier), code_challenge_method: 'S256',
    };
    const cookie = randomToken();
    await this.stores.oidc.putSession({ id: hashId(cookie), kind: LOGIN, data: this.seal(st), expiresAt: this.now() + LOGIN_TTL_MS });
    return { cookie, location: lib().buildAuthorizationUrl(config, params).toString() };
  }

  /** GET /c/oidc/callback: `query` as the provider sent it; `cookie` the login cookie's value. */
  async callback(cookie: string | undefined, query: URLSearchParams): Promise<LoginOutcome> {
    this.requireActive();
    const entry = cookie ? await this.stores.oidc.takeSession(hashId(cookie), this.now()) : null;
    if (!entry || entry.kind !== LOGIN) {
      throw new HarborError('BAD_REQUEST', 'this sign-in has expired or was already used (or cookies are blocked): start again');
    }
    const st = this.open<LoginState>(entry.data);
    const state = query.get('state') ?? '';
    if (!sameSecret(state, st.state)) throw new HarborError('BAD_REQUEST', 'state mismatch: this answer does not belong to the sign-in this browser started');
    const error = query.get('error');
    if (error) {
      const description = query.get('error_description');
      throw new HarborError('BAD_REQUEST', `the OpenID provider refused the sign-in: ${error.slice(0, 100)}${description ? ` - ${description.slice(0, 300)}` : ''}`);
    }
    const config = await this.provider();
    const current = new URL(st.redirectUri);
    current.search = query.toString();
    let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
    try {
      tokens = await lib().authorizationCodeGrant(config, current, { pkceCodeVerifier: st.verifier, expectedState: st.state, expectedNonce: st.nonce, idTokenExpected: true },
        { redirect_uri: st.redirectUri });
    } catch (e) {
      throw providerError('the sign-in could not be completed', e);
    }
    const set = this.tokenSet(tokens, undefined);
    const info = await this.userInfo(config, set);
    const identity = await this.stores.oidc.getOidcIdentityBySubIss(info.subject + info.issuer);
    if (identity) {
      const user = await this.stores.identity.getUserById(identity.userId);
      if (!user) throw new HarborError('NOT_FOUND', 'the user of this identity no longer exists');
      return this.finish(user, info, set, st.redirectUrl, st.cli);
    }
    const username = info.username.replace(/ /g, '_');
    if (this.config.bool('oidc_auto_onboard')) {
      if (!username) throw new HarborError('BAD_REQUEST', `unable to recover the username for automatic onboarding: the claim ${JSON.stringify(this.config.str('oidc_user_claim') || 'name')} is missing or not a string`);
      return this.onboardUser(info, set, username, st.redirectUrl, st.cli);
    }
    const onboard: OnboardState = { info, tokens: set, redirectUrl: st.redirectUrl, cli: st.cli, formToken: randomToken() };
    await this.stores.oidc.putSession({ id: hashId(cookie!), kind: ONBOARD, data: this.seal(onboard), expiresAt: this.now() + LOGIN_TTL_MS });
    return { kind: 'onboard', username };
  }

  /** The onboarding step in progress under this cookie: the suggested name and the form's token. */
  async onboarding(cookie: string | undefined): Promise<{ username: string; formToken: string }> {
    this.requireActive();
    const entry = cookie ? await this.stores.oidc.getSession(hashId(cookie), this.now()) : null;
    if (!entry || entry.kind !== ONBOARD) throw new HarborError('BAD_REQUEST', 'no onboarding in progress (it expired or was completed): sign in again');
    const st = this.open<OnboardState>(entry.data);
    return { username: st.info.username.replace(/ /g, '_'), formToken: st.formToken };
  }

  /** POST /c/oidc/onboard: the user picked a name. CONFLICT (the form shows it again) when the name is taken. */
  async onboard(cookie: string | undefined, formToken: string, username: string): Promise<LoginOutcome> {
    this.requireActive();
    const id = cookie ? hashId(cookie) : '';
    const entry = id ? await this.stores.oidc.getSession(id, this.now()) : null;
    if (!entry || entry.kind !== ONBOARD) throw new HarborError('BAD_REQUEST', 'no onboarding in progress (it expired or was completed): sign in again');
    const st = this.open<OnboardState>(entry.data);
    if (!sameSecret(formToken, st.formToken)) throw new HarborError('FORBIDDEN', 'the onboarding form is not from this sign-in');
    checkUsername(username);
    const out = await this.onboardUser(st.info, st.tokens, username, st.redirectUrl, st.cli);
    await this.stores.oidc.deleteSession(id);
    return out;
  }

  private async onboardUser(info: OidcUserInfo, tokens: TokenSet, username: string, redirectUrl: string, cli: CliLogin | undefined): Promise<LoginOutcome> {
    checkUsername(username);
    if (await this.stores.identity.getUserByName(username)) throw new HarborError('CONFLICT', `the username ${username} is already taken`);
    const user = await this.stores.oidc.onboardOidcUser(
      { username, realname: username, email: info.email, comment: OIDC_USER_COMMENT, passwordHash: oidcPasswordMarker() },
      { subIss: info.subject + info.issuer, secret: this.box.seal(generatePassword()), token: this.seal(tokens) },
    );
    return this.finish(user, info, tokens, redirectUrl, cli);
  }

  /** A sign-in that identified `user`: token set kept, groups refreshed, then a session (browser) or a one-time code (CLI). */
  private async finish(user: User, info: OidcUserInfo, tokens: TokenSet, redirectUrl: string, cli: CliLogin | undefined): Promise<LoginOutcome> {
    await this.stores.oidc.updateOidcIdentity(user.id, { token: this.seal(tokens) });
    await this.applyGroups(user, info);
    this.opts.onLogin?.(user.username, true);
    if (cli) {
      const code = randomToken();
      await this.stores.oidc.putSession({ id: hashId(code), kind: CLI_CODE, data: this.seal({ userId: user.id, challenge: cli.challenge }), expiresAt: this.now() + CLI_CODE_TTL_MS });
      const to = new URL(cli.redirect);
      to.searchParams.set('code', code);
      to.searchParams.set('state', cli.state);
      return { kind: 'cli', location: to.toString() };
    }
    const session = randomToken();
    const data: WebSessionData = { userId: user.id, adminInAuth: info.adminGroupMember, csrf: randomToken(), idToken: tokens.idToken };
    await this.stores.oidc.putSession({ id: hashId(session), kind: WEB, data: this.seal(data), expiresAt: this.now() + SESSION_TTL_MS });
    return { kind: 'signed-in', session, location: redirectUrl || '/c/oidc/signed-in' };
  }

  /** The user's OIDC groups become what this sign-in says (oidc_group_filter applied; type 3 groups created as needed). */
  private async applyGroups(user: User, info: OidcUserInfo): Promise<void> {
    const ids: number[] = [];
    for (const name of new Set(filterGroups(info.groups, this.config.str('oidc_group_filter')))) {
      ids.push((await this.stores.groups.onboardGroup({ name, type: 3, ldapDn: '' })).id);
    }
    await this.stores.groups.setUserGroups(user.id, ids);
  }

  private tokenSet(t: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, previous: TokenSet | undefined): TokenSet {
    const claims = (t.claims() as Claims | undefined) ?? previous?.claims;
    if (!claims) throw new HarborError('BAD_REQUEST', 'the provider sent no ID token');
    const expiresIn = t.expiresIn();
    return {
      accessToken: t.access_token, refreshToken: t.refresh_token ?? previous?.refreshToken, idToken: t.id_token ?? previous?.idToken, claims,
      // No expires_in: treat it as valid for a minute, then refresh.
      expiresAt: this.now() + (expiresIn !== undefined ? expiresIn * 1000 : 60_000),
    };
  }

  /** The ID token's claims completed by the userinfo endpoint (when it answers, as Harbor: a failure falls back to the ID token). */
  private async userInfo(config: oidc.Configuration, set: TokenSet): Promise<OidcUserInfo> {
    const s = this.claimSettings();
    const local = userInfoFromClaims(set.claims, s);
    if (!local.subject || !local.issuer) throw new HarborError('BAD_REQUEST', 'the ID token has no subject or issuer');
    let remote: OidcUserInfo | null = null;
    if (config.serverMetadata().userinfo_endpoint) {
      try {
        remote = userInfoFromClaims(await lib().fetchUserInfo(config, set.accessToken, local.subject) as Claims, s);
      } catch (e) {
        if (e instanceof HarborError) throw e;
        this.log.warn('OIDC userinfo failed; using the ID token alone', { error: e instanceof Error ? e.message.slice(0, 300) : String(e) });
      }
    }
    return mergeUserInfo(local, remote);
  }

  /** The signed-in user of a browser session cookie, with its CSRF token; null when there is none or it expired. */
  async session(cookie: string): Promise<{ principal: Principal; csrf: string } | null> {
    const entry = await this.stores.oidc.getSession(hashId(cookie), this.now());
    if (!entry || entry.kind !== WEB) return null;
    const s = this.open<WebSessionData>(entry.data);
    const user = await this.stores.identity.getUserById(s.userId);
    if (!user) return null;
    return { principal: { kind: 'user', user: s.adminInAuth ? { ...user, sysadmin: true } : user }, csrf: s.csrf };
  }

  async logout(cookie: string): Promise<void> {
    await this.stores.oidc.deleteSession(hashId(cookie));
  }

  /**
   * GET /c/oidc/logout (Harbor's RedirectLogout): the browser session ends here; with oidc_logout
   * set, the browser then goes to the provider's end_session_endpoint (RP-initiated logout, with the
   * session's ID token as id_token_hint and `afterwards` as post_logout_redirect_uri) so the
   * provider's session ends too. Without oidc_logout, a session, an ID token or an
   * end_session_endpoint, it goes to `afterwards` at once (as Harbor). `username`: whose session
   * ended (the audit log's logout), when there was one.
   */
  async endSession(cookie: string | undefined, afterwards: string): Promise<{ username?: string; location: string }> {
    const entry = cookie ? await this.stores.oidc.takeSession(hashId(cookie), this.now()) : null;
    if (!entry || entry.kind !== WEB) return { location: afterwards };
    const s = this.open<WebSessionData>(entry.data);
    const username = (await this.stores.identity.getUserById(s.userId))?.username;
    if (!this.active || !this.config.bool('oidc_logout') || !s.idToken) return { username, location: afterwards };
    let config: oidc.Configuration;
    try {
      config = await this.provider();
    } catch (e) {
      throw new HarborError('UPSTREAM_ERROR', `you are signed out here, but the session at the OpenID provider could not be ended: ${e instanceof HarborError ? e.message : String(e)}`);
    }
    if (!config.serverMetadata().end_session_endpoint) {
      this.log.warn('oidc_logout is set but the OpenID provider has no end_session_endpoint: its session is left as it is');
      return { username, location: afterwards };
    }
    return { username, location: lib().buildEndSessionUrl(config, { id_token_hint: s.idToken, post_logout_redirect_uri: afterwards }).toString() };
  }

  /** POST /c/oidc/cli-token: the one-time code and the verifier of the CLI's challenge → the user name and CLI secret. */
  async exchangeCliCode(code: string, verifier: string): Promise<{ username: string; secret: string }> {
    this.requireActive();
    const entry = code ? await this.stores.oidc.takeSession(hashId(code), this.now()) : null;
    if (!entry || entry.kind !== CLI_CODE) throw new HarborError('BAD_REQUEST', 'the code has expired or was already used: sign in again');
    const c = this.open<{ userId: number; challenge: string }>(entry.data);
    if (!sameSecret(sha256b64url(verifier), c.challenge)) throw new HarborError('BAD_REQUEST', 'the code verifier does not match: sign in again');
    const user = await this.stores.identity.getUserById(c.userId);
    const identity = user ? await this.stores.oidc.getOidcIdentity(user.id) : null;
    if (!user || !identity) throw new HarborError('NOT_FOUND', 'the user no longer exists');
    return { username: user.username, secret: this.box.open(identity.secret) };
  }

  /**
   * ExternalDirectory: an OIDC user's name and CLI secret (what docker, podman and harborctl send).
   * Null for anything else, including a password; a provider that fails a needed refresh refuses too.
   */
  async authenticate(username: string, secret: string): Promise<{ user: User; sysadmin: boolean } | null> {
    const user = await this.stores.identity.getUserByName(username);
    const identity = user ? await this.stores.oidc.getOidcIdentity(user.id) : null;
    if (!user || !identity || !sameSecret(secret, this.box.open(identity.secret))) return null;
    try {
      let set = this.open<TokenSet>(identity.token);
      const config = await this.provider();
      if (set.expiresAt <= this.now()) {
        if (!set.refreshToken) throw new Error('the access token expired and there is no refresh token (add offline_access to oidc_scope)');
        set = this.tokenSet(await lib().refreshTokenGrant(config, set.refreshToken), set);
        await this.stores.oidc.updateOidcIdentity(user.id, { token: this.seal(set) });
      }
      const info = await this.userInfo(config, set);
      await this.applyGroups(user, info);
      return { user, sysadmin: info.adminGroupMember };
    } catch (e) {
      this.log.warn('OIDC CLI secret refused: the provider did not re-validate the user', { username: username.slice(0, 100), error: e instanceof Error ? e.message.slice(0, 300) : String(e) });
      return null;
    }
  }

  /** oidc_user_meta of GET /users/current (the user's own, with the CLI secret); null for a user not onboarded through OIDC. */
  async meta(user: User): Promise<{ id: number; user_id: number; subiss: string; secret: string; creation_time: string; update_time: string } | null> {
    const i = await this.stores.oidc.getOidcIdentity(user.id);
    return i ? { id: i.userId, user_id: i.userId, subiss: i.subIss, secret: this.box.open(i.secret), creation_time: i.createdAt, update_time: i.updatedAt } : null;
  }

  /** PUT /users/{id}/cli_secret (Harbor's SetCliSecret): '' generates one; the old secret stops working at once. */
  async setCliSecret(actor: Principal, userId: number, secret: string): Promise<void> {
    if (!this.active) throw new HarborError('PRECONDITION', `unable to update CLI secret under authmode: ${this.config.authMode}`);
    if (actor.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    const self = actor.kind === 'user' && actor.user.id === userId;
    if (!self && !(await this.access.canSystem(actor, 'user', 'update'))) throw new HarborError('FORBIDDEN', 'only a system administrator may set another user\'s CLI secret');
    const user = await this.stores.identity.getUserById(userId);
    if (!user) throw new HarborError('NOT_FOUND', `user ${userId} not found`);
    const value = secret || generatePassword();
    checkPasswordPolicy(value);
    if (!(await this.stores.oidc.getOidcIdentity(userId))) throw new HarborError('PRECONDITION', 'the user is not onboarded via OIDC');
    await this.stores.oidc.updateOidcIdentity(userId, { secret: this.box.seal(value) });
    // A new marker: a secret remembered by the auth service stops working at once.
    await this.stores.identity.updateUser(userId, { passwordHash: oidcPasswordMarker() });
  }

  /** Drops expired login states, sessions and codes (called now and then). */
  async purge(): Promise<void> {
    await this.stores.oidc.purgeSessions(this.now());
  }
}
