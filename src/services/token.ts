// The Docker token service as Harbor runs it (harbor-notes §2.3; src/core/service/token/creator.go):
// a client asks for scopes, gets an RS256 JWT whose `access` holds only the actions its role allows;
// the registry then checks every request against that token. No HTTP here: the server parses the
// request and checks the route's needs.
import { randomUUID, type KeyObject } from 'node:crypto';
import { HarborError } from '../core/errors.js';
import { signJwt, verifyJwt } from '../core/jwt.js';
import { parseRepositoryName } from '../oci/name.js';
import type { MetaStores } from '../storage/meta/index.js';
import { isSysadmin, principalName, type AccessControl, type Principal } from './rbac.js';

export const TOKEN_ISSUER = 'harbor-token-issuer';
export const TOKEN_SERVICE = 'harbor-registry';
/** Harbor's default token_expiration: 30 minutes. */
export const DEFAULT_TOKEN_TTL_SEC = 1800;

export interface TokenKey { privateKey: KeyObject; publicKey: KeyObject; kid: string }

export interface AccessEntry { type: string; name: string; actions: string[] }

/** Harbor's token response (src/core/service/token/models.go): exactly these three fields. */
export interface IssuedToken { token: string; expires_in: number; issued_at: string }

/** What a verified token says: who (empty for anonymous) and what it grants. */
/** robotId: a robot's token names its robot (our claim `harborctl_robot`), whatever its login name's prefix. */
export interface TokenGrant { subject: string; access: AccessEntry[]; issuedAt: number; expiresAt: number; robotId?: number }

const VERIFIED_CACHE_SIZE = 1024;

/** Parses `type:name:actions` (a name may hold a port-less host, so type is before the first colon, actions after the last). */
export function parseScope(scope: string): AccessEntry | null {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return null;
  const actions = scope.slice(last + 1).split(',').map((a) => a.trim()).filter(Boolean);
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: [...new Set(actions)] };
}

export class TokenService {
  private readonly now: () => number;
  private readonly ttl: number;
  private readonly verified = new Map<string, { grant: TokenGrant; exp: number }>();

  /** The signing key once loaded (or, on a first start, generated): until then no token can be valid. */
  private key: TokenKey | undefined;
  private readonly keyReady: Promise<TokenKey>;

  /** `key` may still be coming: a first start answers while its RSA key is generated (~50-500 ms). */
  constructor(
    private readonly stores: Pick<MetaStores, 'projects'>,
    private readonly access: AccessControl,
    key: TokenKey | Promise<TokenKey>,
    opts: { clock?: () => number; ttlSec?: number } = {},
  ) {
    this.now = opts.clock ?? Date.now;
    this.ttl = opts.ttlSec ?? DEFAULT_TOKEN_TTL_SEC;
    if (!(key instanceof Promise)) this.key = key;
    this.keyReady = Promise.resolve(key).then((k) => (this.key = k));
    this.keyReady.catch(() => undefined); // told by every token request that waits for it
  }

  /** Until the signing key is there (a start loading or generating it), what to wait on before verify(); then undefined. */
  get loadingKey(): Promise<unknown> | undefined {
    return this.key ? undefined : this.keyReady;
  }

  /** The actions of one requested scope that the caller is allowed (creator.go's filters). */
  async grant(p: Principal, want: AccessEntry): Promise<string[]> {
    if (want.type === 'registry') {
      return want.name === 'catalog' && isSysadmin(p) ? want.actions.filter((a) => a === '*') : [];
    }
    if (want.type !== 'repository') return [];
    let projectName: string;
    try {
      projectName = parseRepositoryName(want.name).project;
    } catch {
      return [];
    }
    const project = await this.stores.projects.getProject(projectName);
    if (!project) return [];
    const out: string[] = [];
    for (const a of want.actions) {
      const ok = a === 'pull' ? await this.access.can(p, project, 'repository', 'pull')
        : a === 'push' ? await this.access.can(p, project, 'repository', 'push')
          : a === 'delete' ? await this.access.can(p, project, 'repository', 'delete')
            : a === '*' ? isSysadmin(p) || (await this.access.roleOf(p, project)) === 1
              : false;
      if (ok) out.push(a);
    }
    return out;
  }

  async issue(p: Principal, scopes: string[]): Promise<IssuedToken> {
    const access: AccessEntry[] = [];
    for (const s of scopes) {
      const want = parseScope(s);
      if (!want) throw new HarborError('BAD_REQUEST', `malformed scope ${JSON.stringify(s.slice(0, 200))}`);
      access.push({ type: want.type, name: want.name, actions: await this.grant(p, want) });
    }
    const key = this.key ?? await this.keyReady;
    const nowMs = this.now();
    const iat = Math.floor(nowMs / 1000);
    const token = signJwt({
      iss: TOKEN_ISSUER, sub: principalName(p), aud: TOKEN_SERVICE,
      exp: iat + this.ttl, nbf: iat, iat, jti: randomUUID(), access, ...(p.kind === 'robot' ? { harborctl_robot: p.robot.id } : {}),
    }, key.privateKey, key.kid);
    return { token, expires_in: this.ttl, issued_at: new Date(iat * 1000).toISOString() };
  }

  /**
   * A pull-only token for one repository, for a scanner adapter to read the artifact it scans (Harbor
   * gives the adapter a short-lived scanner robot; we give it a token of the same power). `subject`
   * names the scan in the registry's logs; it is never a robot's name.
   */
  async pullToken(subject: string, repository: string, ttlSec: number): Promise<string> {
    const key = this.key ?? await this.keyReady;
    const iat = Math.floor(this.now() / 1000);
    return signJwt({
      iss: TOKEN_ISSUER, sub: subject, aud: TOKEN_SERVICE, exp: iat + ttlSec, nbf: iat, iat, jti: randomUUID(),
      access: [{ type: 'repository', name: repository, actions: ['pull'] }],
    }, key.privateKey, key.kid);
  }

  /**
   * Checks signature, expiry, issuer and audience; UNAUTHORIZED with the reason otherwise. A client
   * sends the same token with every request of a pull, so a verified token is remembered until it
   * expires: the RSA check runs once per token, not once per manifest or blob request.
   */
  verify(token: string): TokenGrant {
    const now = Math.floor(this.now() / 1000);
    const hit = this.verified.get(token);
    if (hit && hit.exp > now) return hit.grant;
    const grant = this.verifySignature(token, now);
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.clear();
    this.verified.set(token, { grant, exp: grant.expiresAt });
    return grant;
  }

  private verifySignature(token: string, now: number): TokenGrant {
    if (!this.key) throw new HarborError('UNAUTHORIZED', 'invalid token: the token service is starting');
    const r = verifyJwt(token, this.key.publicKey, { iss: TOKEN_ISSUER, aud: TOKEN_SERVICE, now });
    if (!r.ok) throw new HarborError('UNAUTHORIZED', `invalid token: ${r.reason}`);
    const raw = Array.isArray(r.claims.access) ? (r.claims.access as unknown[]) : [];
    const access: AccessEntry[] = [];
    for (const e of raw) {
      const x = e as Partial<AccessEntry>;
      if (typeof x?.type === 'string' && typeof x.name === 'string' && Array.isArray(x.actions)) {
        access.push({ type: x.type, name: x.name, actions: x.actions.filter((a): a is string => typeof a === 'string') });
      }
    }
    const robot = r.claims.harborctl_robot;
    return {
      subject: typeof r.claims.sub === 'string' ? r.claims.sub : '', access, issuedAt: r.claims.iat, expiresAt: r.claims.exp,
      ...(typeof robot === 'number' && Number.isSafeInteger(robot) ? { robotId: robot } : {}),
    };
  }
}

/** True when the grant allows `action` on `type:name` (`*` allows every action). */
export function grantAllows(g: TokenGrant, type: string, name: string, action: string): boolean {
  return g.access.some((e) => e.type === type && e.name === name && (e.actions.includes(action) || e.actions.includes('*')));
}
