// OIDC identities (Harbor's oidc_user) and the server-side state of browser sign-ins (web sessions).
import type { NewUser, User } from './identity.js';

/** What links a local user to the provider's account (Harbor's OIDCUser). */
export interface OidcIdentity {
  userId: number;
  /** The ID token's `sub` followed by its `iss`, as Harbor keys it. */
  subIss: string;
  /** The CLI secret, sealed by the service (SecretBox); never stored in clear. */
  secret: string;
  /** The provider's token set (access, refresh and ID token, expiry) as sealed JSON. */
  token: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * One piece of short-lived server-side state: a sign-in under way, an onboarding step, a browser
 * session, a CLI hand-off code. `id` is a hash of what the client holds (a cookie, a code), so the
 * table alone opens nothing; `data` is sealed by the service. Expired entries are never returned.
 */
export interface WebSession { id: string; kind: string; data: string; expiresAt: number }

export interface OidcStore {
  /** Creates the user and its OIDC identity in one transaction; CONFLICT when the name or the subject is taken. */
  onboardOidcUser(user: NewUser, identity: { subIss: string; secret: string; token: string }): Promise<User>;
  getOidcIdentity(userId: number): Promise<OidcIdentity | null>;
  getOidcIdentityBySubIss(subIss: string): Promise<OidcIdentity | null>;
  /** False when the user has no OIDC identity. */
  updateOidcIdentity(userId: number, patch: { secret?: string; token?: string }): Promise<boolean>;
  putSession(s: WebSession): Promise<void>;
  /** The entry unless it expired before `now` (ms). */
  getSession(id: string, now: number): Promise<WebSession | null>;
  /** Removes and returns the entry in one step: a one-time value is used once, even by two requests at once. */
  takeSession(id: string, now: number): Promise<WebSession | null>;
  deleteSession(id: string): Promise<void>;
  /** Deletes the entries expired before `now`; returns how many. */
  purgeSessions(now: number): Promise<number>;
}
