// Authentication: HTTP Basic credentials → a principal. Passwords are checked with scrypt in
// constant time (core/passwords.ts); an unknown user costs the same hash as a known one, so the
// answer time does not tell which names exist. Repeated failures are slowed down per login name and
// per client address: after a few free failures, each attempt waits twice as long as the last, up to
// a cap. An attempt takes its turn (counted as a failure until it succeeds) before it is verified,
// so parallel guesses queue one after another instead of all starting before any is counted; the
// same credentials verified at the same moment share one verification.
// A correct password is remembered for a minute as an HMAC under a per-process key, so a client
// sending Basic credentials with every request (the API, curl on /v2) pays for scrypt once, not on
// each call; a changed password hash invalidates the entry at once.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { HarborError } from '../core/errors.js';
import { hashPassword, verifyPassword } from '../core/passwords.js';
import type { MetaStores, User } from '../storage/meta/index.js';
import { ANONYMOUS, type Principal } from './rbac.js';
import type { RobotService } from './robots.js';

/**
 * How failed logins are slowed down: free failures, then base × 2^n, capped. A client address gets
 * `addressFreeFailures` (default 50: it may carry many users and robots, a CI host or a NAT) before
 * the same; it is what holds a guesser who tries many names from one place.
 */
export interface LoginDelay { freeFailures: number; addressFreeFailures?: number; baseMs: number; maxMs: number }

export interface AuthOptions {
  clock?: () => number;
  delay?: LoginDelay;
  /** Told once a name or an address starts being slowed down (the server logs it). */
  onThrottle?: (who: { username?: string; address?: string }, failures: number) => void;
  /** How a delay is waited out; tests pass one that records the delay instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
  /** Robot accounts (`robot$...` names); without it such names are unknown users. */
  robots?: RobotService;
  /** The one that is active (auth_mode ldap_auth, oidc_auth) is where every user but `admin` signs in. */
  directories?: ExternalDirectory[];
  /**
   * Told of each login, i.e. each password actually verified (a remembered one is no new login):
   * users' successes and failures, robots' failures (a robot's secret is checked on every request).
   */
  onLogin?: (who: { username: string; address?: string }, ok: boolean) => void;
}

/** A directory users sign in against (services/ldap.ts, services/oidc.ts with CLI secrets); `sysadmin`: an admin for this sign-in (Harbor's AdminRoleInAuth). */
export interface ExternalDirectory {
  readonly active: boolean;
  authenticate(username: string, password: string): Promise<{ user: User; sysadmin: boolean } | null>;
}

export const DEFAULT_LOGIN_DELAY: LoginDelay = { freeFailures: 3, baseMs: 250, maxMs: 8000 };
const DEFAULT_ADDRESS_FREE_FAILURES = 50;
/** A name's (an address's) failure count is forgotten after this long without a new failure. */
export const FAILURE_WINDOW_MS = 15 * 60_000;
const MAX_TRACKED = 10_000;
/** How long a verified password skips scrypt. */
export const VERIFIED_TTL_MS = 60_000;

export interface BasicCredentials { username: string; password: string }

/** One name's or address's record: failures (attempts under way included), the last one, and when the next attempt may start. */
interface Failures { count: number; last: number; nextAt: number; warned: boolean }

/** Keys of the failure map: `n:` + a login name, `a:` + a client address (a name can never pose as an address). */
const nameKey = (name: string): string => `n:${name}`;
const addressKey = (address: string): string => `a:${address}`;
const isAddressKey = (key: string): boolean => key.startsWith('a:');

/** Parses an `Authorization: Basic` header; null when the header is absent or another scheme. */
export function parseBasic(header: string | undefined): BasicCredentials | null {
  if (!header) return null;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return null;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i <= 0) return null;
  return { username: text.slice(0, i), password: text.slice(i + 1) };
}

export class AuthService {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly failures = new Map<string, Failures>();
  /** Verifications under way, by the HMAC of name and password: the same credentials at once share one. */
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private dummyHash: Promise<string> | undefined;
  private readonly cacheKey = randomBytes(32);
  private readonly verified = new Map<string, { mac: Buffer; passwordHash: string; until: number; adminInAuth: boolean }>();
  private readonly delay: LoginDelay;
  private readonly onThrottle: (who: { username?: string; address?: string }, failures: number) => void;
  private readonly robots: RobotService | undefined;
  private readonly directories: ExternalDirectory[];
  private readonly onLogin: AuthOptions['onLogin'];

  constructor(private readonly stores: Pick<MetaStores, 'identity'>, opts: AuthOptions = {}) {
    this.now = opts.clock ?? Date.now;
    this.delay = opts.delay ?? DEFAULT_LOGIN_DELAY;
    this.onThrottle = opts.onThrottle ?? (() => undefined);
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.robots = opts.robots;
    this.directories = opts.directories ?? [];
    this.onLogin = opts.onLogin;
  }

  /**
   * A robot's principal from its login name and secret, or null. Never cached: the robot row is read
   * on every request, so disabling, expiry, deletion and a refreshed secret take effect at once.
   */
  async loginRobot(loginName: string, secret: string, address?: string): Promise<Principal | null> {
    const robots = this.robots;
    const robot = await this.attempt(loginName, secret, address, async () => (robots ? robots.authenticate(loginName, secret) : null), false);
    return robot && robots ? { kind: 'robot', robot, name: robots.loginName(robot) } : null;
  }

  private freeFor(key: string): number {
    return isAddressKey(key) ? this.delay.addressFreeFailures ?? DEFAULT_ADDRESS_FREE_FAILURES : this.delay.freeFailures;
  }

  /** The wait an attempt adds after `count` failures of this key (0 while under its free failures). */
  private step(key: string, count: number): number {
    const free = this.freeFor(key);
    return count < free ? 0 : Math.min(this.delay.maxMs, this.delay.baseMs * 2 ** Math.min(count - free, 30));
  }

  private current(key: string, t: number): Failures | undefined {
    const f = this.failures.get(key);
    if (f && f.last > t) {
      // The clock went back (NTP, a test's clock): keep the queue's length, not its absolute times.
      f.nextAt = t + Math.max(0, f.nextAt - f.last);
      f.last = t;
    }
    return f && t - f.last <= FAILURE_WINDOW_MS ? f : undefined;
  }

  /** The wait before the next attempt for this name (0 while under the free failures). */
  delayFor(username: string): number {
    const t = this.now();
    const key = nameKey(username);
    const f = this.current(key, t);
    return f ? Math.max(f.nextAt, t) + this.step(key, f.count) - t : 0;
  }

  /**
   * Takes an attempt's turn for each key (the name, the address) before anything is verified: the
   * attempt counts as a failure until it succeeds, and starts after the key's previous attempt plus
   * this one's delay. Returns how long to wait.
   */
  private reserve(keys: string[]): number {
    const t = this.now();
    let start = t;
    for (const key of keys) {
      const f = this.current(key, t) ?? { count: 0, last: t, nextAt: t, warned: false };
      f.nextAt = Math.max(f.nextAt, t) + this.step(key, f.count);
      f.count++;
      f.last = t;
      start = Math.max(start, f.nextAt);
      this.failures.delete(key); // re-insert: the map stays in least-recently-failed order
      this.failures.set(key, f);
      if (this.failures.size > MAX_TRACKED) this.failures.delete(this.failures.keys().next().value!);
    }
    return start - t;
  }

  /** The outcome of a reserved attempt: a failure stays counted (and is logged once the slow-down starts); a success is taken back. */
  private settle(keys: string[], ok: boolean): void {
    for (const key of keys) {
      const f = this.failures.get(key);
      if (!f) continue;
      if (!ok) {
        if (!f.warned && f.count >= this.freeFor(key)) {
          f.warned = true;
          this.onThrottle(isAddressKey(key) ? { address: key.slice(2) } : { username: key.slice(2) }, f.count);
        }
      } else if (isAddressKey(key)) {
        // The address keeps the failures of others it carries; only this attempt's turn is returned.
        f.count = Math.max(0, f.count - 1);
      } else {
        this.failures.delete(key);
      }
    }
  }

  /** One throttled attempt: shared with the same credentials under way, else reserved, waited out, verified and settled. */
  private async attempt<T>(name: string, secret: string, address: string | undefined, verify: () => Promise<T | null>, noteSuccess = true): Promise<T | null> {
    const mac = this.macOf(name, secret);
    const id = mac.toString('base64');
    const shared = this.inFlight.get(id);
    if (shared) return shared as Promise<T | null>;
    const keys = address ? [nameKey(name), addressKey(address)] : [nameKey(name)];
    const run = (async () => {
      const wait = this.reserve(keys);
      if (wait > 0) await this.sleep(wait);
      const out = await verify();
      this.settle(keys, out !== null);
      if (out === null || noteSuccess) this.onLogin?.({ username: name, address }, out !== null);
      return out;
    })();
    this.inFlight.set(id, run);
    try {
      return await run;
    } finally {
      this.inFlight.delete(id);
    }
  }

  private macOf(name: string, secret: string): Buffer {
    return createHmac('sha256', this.cacheKey).update(name).update('\0').update(secret).digest();
  }

  /** The user whose password this is, else null (after waiting out the delays of the name and of the client's address). */
  async login(username: string, password: string, address?: string): Promise<User | null> {
    const mac = this.macOf(username, password);
    // A remembered correct password is no guess: it skips the throttle as it skips scrypt.
    const cached = await this.stores.identity.getUserByName(username);
    const known = cached ? this.verified.get(username) : undefined;
    if (cached && known && known.until > this.now() && known.passwordHash === cached.passwordHash && timingSafeEqual(known.mac, mac)) {
      return known.adminInAuth ? { ...cached, sysadmin: true } : cached;
    }
    // Harbor: in ldap_auth and oidc_auth mode the admin (and only it) still signs in with its database password.
    const directory = username !== 'admin' ? this.directories.find((d) => d.active) : undefined;
    if (directory) {
      return this.attempt(username, password, address, async () => {
        const r = await directory.authenticate(username, password);
        if (!r) return null;
        this.remember(username, mac, r.user.passwordHash, r.sysadmin);
        return r.sysadmin ? { ...r.user, sysadmin: true } : r.user;
      });
    }
    return this.attempt(username, password, address, async () => {
      const user = await this.stores.identity.getUserByName(username);
      this.dummyHash ??= hashPassword('not a password');
      const ok = await verifyPassword(password, user?.passwordHash ?? (await this.dummyHash));
      if (!user || !ok) return null;
      this.remember(username, mac, user.passwordHash, false);
      return user;
    });
  }

  private remember(username: string, mac: Buffer, passwordHash: string, adminInAuth: boolean): void {
    this.verified.delete(username);
    this.verified.set(username, { mac, passwordHash, until: this.now() + VERIFIED_TTL_MS, adminInAuth });
    if (this.verified.size > MAX_TRACKED) this.verified.delete(this.verified.keys().next().value!);
  }

  /**
   * The principal of a request's Authorization header: anonymous without Basic credentials (another
   * scheme is not for this API, as in Harbor); UNAUTHORIZED for wrong ones, never silently anonymous.
   */
  async principal(authorization: string | undefined, address?: string): Promise<Principal> {
    if (!authorization || !/^Basic\s/i.test(authorization)) return ANONYMOUS;
    const creds = parseBasic(authorization);
    if (!creds) throw new HarborError('UNAUTHORIZED', 'malformed Basic credentials');
    if (this.robots?.isRobotLogin(creds.username)) {
      const robot = await this.loginRobot(creds.username, creds.password, address);
      if (!robot) throw new HarborError('UNAUTHORIZED', 'invalid, disabled or expired robot account credentials');
      return robot;
    }
    const user = await this.login(creds.username, creds.password, address);
    if (!user) throw new HarborError('UNAUTHORIZED', 'invalid username or password');
    return { kind: 'user', user };
  }
}
