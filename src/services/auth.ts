// Authentication: HTTP Basic credentials → a principal. Passwords are checked with scrypt in
// constant time (core/passwords.ts); an unknown user costs the same hash as a known one, so the
// answer time does not tell which names exist. Repeated failures for a name are slowed down:
// after a few free failures, each attempt waits twice as long as the last, up to a cap.
// A correct password is remembered for a minute as an HMAC under a per-process key, so a client
// sending Basic credentials with every request (the API, curl on /v2) pays for scrypt once, not on
// each call; a changed password hash invalidates the entry at once.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { HarborError } from '../core/errors.js';
import { hashPassword, verifyPassword } from '../core/passwords.js';
import type { MetadataStore, User } from '../storage/meta/types.js';
import { ANONYMOUS, ROBOT_PREFIX, type Principal } from './rbac.js';
import type { RobotService } from './robots.js';

/** How failed logins are slowed down: free failures, then base × 2^n, capped. */
export interface LoginDelay { freeFailures: number; baseMs: number; maxMs: number }

export interface AuthOptions {
  clock?: () => number;
  delay?: LoginDelay;
  /** Told once a name starts being slowed down (the server logs it). */
  onThrottle?: (username: string, failures: number) => void;
  /** How a delay is waited out; tests pass one that records the delay instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
  /** Robot accounts (`robot$...` names); without it such names are unknown users. */
  robots?: RobotService;
}

export const DEFAULT_LOGIN_DELAY: LoginDelay = { freeFailures: 3, baseMs: 250, maxMs: 8000 };
/** A name's failure count is forgotten after this long without a new failure. */
export const FAILURE_WINDOW_MS = 15 * 60_000;
const MAX_TRACKED = 10_000;
/** How long a verified password skips scrypt. */
export const VERIFIED_TTL_MS = 60_000;

export interface BasicCredentials { username: string; password: string }

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
  private readonly failures = new Map<string, { count: number; last: number }>();
  private dummyHash: Promise<string> | undefined;
  private readonly cacheKey = randomBytes(32);
  private readonly verified = new Map<string, { mac: Buffer; passwordHash: string; until: number }>();
  private readonly delay: LoginDelay;
  private readonly onThrottle: (username: string, failures: number) => void;
  private readonly robots: RobotService | undefined;

  constructor(private readonly meta: MetadataStore, opts: AuthOptions = {}) {
    this.now = opts.clock ?? Date.now;
    this.delay = opts.delay ?? DEFAULT_LOGIN_DELAY;
    this.onThrottle = opts.onThrottle ?? (() => undefined);
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.robots = opts.robots;
  }

  /**
   * A robot's principal from its login name and secret, or null. Never cached: the robot row is read
   * on every request, so disabling, expiry, deletion and a refreshed secret take effect at once.
   */
  async loginRobot(loginName: string, secret: string): Promise<Principal | null> {
    const delay = this.delayFor(loginName);
    if (delay > 0) await this.sleep(delay);
    const robot = this.robots ? await this.robots.authenticate(loginName, secret) : null;
    if (!robot) {
      this.recordFailure(loginName);
      return null;
    }
    this.failures.delete(loginName);
    return { kind: 'robot', robot };
  }

  /** The wait before the next attempt for this name (0 while under the free failures). */
  delayFor(username: string): number {
    const f = this.failures.get(username);
    const d = this.delay;
    if (!f || this.now() - f.last > FAILURE_WINDOW_MS || f.count < d.freeFailures) return 0;
    return Math.min(d.maxMs, d.baseMs * 2 ** Math.min(f.count - d.freeFailures, 30));
  }

  private recordFailure(username: string): void {
    const t = this.now();
    const f = this.failures.get(username);
    const count = f && t - f.last <= FAILURE_WINDOW_MS ? f.count + 1 : 1;
    this.failures.delete(username); // re-insert: the map stays in least-recently-failed order
    this.failures.set(username, { count, last: t });
    if (this.failures.size > MAX_TRACKED) this.failures.delete(this.failures.keys().next().value!);
    if (count === this.delay.freeFailures) this.onThrottle(username, count);
  }

  /** The user whose password this is, else null (after waiting out the name's delay). */
  async login(username: string, password: string): Promise<User | null> {
    const delay = this.delayFor(username);
    if (delay > 0) await this.sleep(delay);
    const user = await this.meta.getUserByName(username);
    const mac = createHmac('sha256', this.cacheKey).update(username).update('\0').update(password).digest();
    const known = user ? this.verified.get(username) : undefined;
    if (user && known && known.until > this.now() && known.passwordHash === user.passwordHash && timingSafeEqual(known.mac, mac)) {
      return user;
    }
    this.dummyHash ??= hashPassword('not a password');
    const ok = await verifyPassword(password, user?.passwordHash ?? (await this.dummyHash));
    if (!user || !ok) {
      this.recordFailure(username);
      return null;
    }
    this.failures.delete(username);
    this.verified.delete(username);
    this.verified.set(username, { mac, passwordHash: user.passwordHash, until: this.now() + VERIFIED_TTL_MS });
    if (this.verified.size > MAX_TRACKED) this.verified.delete(this.verified.keys().next().value!);
    return user;
  }

  /**
   * The principal of a request's Authorization header: anonymous without Basic credentials (another
   * scheme is not for this API, as in Harbor); UNAUTHORIZED for wrong ones, never silently anonymous.
   */
  async principal(authorization: string | undefined): Promise<Principal> {
    if (!authorization || !/^Basic\s/i.test(authorization)) return ANONYMOUS;
    const creds = parseBasic(authorization);
    if (!creds) throw new HarborError('UNAUTHORIZED', 'malformed Basic credentials');
    if (this.robots && creds.username.startsWith(ROBOT_PREFIX)) {
      const robot = await this.loginRobot(creds.username, creds.password);
      if (!robot) throw new HarborError('UNAUTHORIZED', 'invalid, disabled or expired robot account credentials');
      return robot;
    }
    const user = await this.login(creds.username, creds.password);
    if (!user) throw new HarborError('UNAUTHORIZED', 'invalid username or password');
    return { kind: 'user', user };
  }
}
