// What harborctl reads from an OpenID Provider's claims, and the checks of the oidc_* settings
// (Harbor: src/pkg/oidc/helper.go userInfoFromClaims, groupsFromClaims, mergeUserInfo, filterGroup).
// No HTTP here. Claims are JSON from another party: a claim is read only when it is the object's own
// property (a `constructor` claim name must not find Object.prototype.constructor), groups must be
// strings (others are skipped, as Harbor skips them) and are bounded in number and length.
import { HarborError } from '../core/errors.js';

export const MAX_GROUPS = 1000;
export const MAX_GROUP_NAME = 255;

/** What one sign-in says about the user (Harbor's UserInfo). */
export interface OidcUserInfo {
  subject: string;
  issuer: string;
  /** From oidc_user_claim when set (and a string), else the `name` claim; '' when neither is there. */
  username: string;
  /** True when the username came from oidc_user_claim (only then may the user be onboarded automatically). */
  usernameFromClaim: boolean;
  email: string;
  /** The groups claim's strings (before oidc_group_filter); empty without one. */
  groups: string[];
  hasGroupClaim: boolean;
  /** The groups hold oidc_admin_group (Harbor's AdminGroupMember: an admin for this sign-in). */
  adminGroupMember: boolean;
}

export interface ClaimSettings { userClaim: string; groupsClaim: string; adminGroup: string }

export type Claims = Record<string, unknown>;

function own(c: Claims, key: string): unknown {
  return key !== '' && Object.hasOwn(c, key) ? c[key] : undefined;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The groups of a groups claim: an array's strings or a single string; null when the claim is absent or of another type. */
function groupsOf(v: unknown): string[] | null {
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) return null;
  if (v.length > MAX_GROUPS) throw new HarborError('BAD_REQUEST', `the groups claim holds ${v.length} groups; at most ${MAX_GROUPS} are accepted`);
  return v.filter((g): g is string => typeof g === 'string' && g.length > 0 && g.length <= MAX_GROUP_NAME);
}

/** The user info in one set of claims (an ID token's or the userinfo endpoint's). */
export function userInfoFromClaims(claims: Claims, s: ClaimSettings): OidcUserInfo {
  const fromClaim = s.userClaim !== '' ? str(own(claims, s.userClaim)) : '';
  const groups = s.groupsClaim !== '' ? groupsOf(own(claims, s.groupsClaim)) : null;
  return {
    subject: str(own(claims, 'sub')), issuer: str(own(claims, 'iss')),
    username: fromClaim || str(own(claims, 'name')), usernameFromClaim: fromClaim !== '',
    email: str(own(claims, 'email')),
    groups: groups ?? [], hasGroupClaim: groups !== null,
    adminGroupMember: s.adminGroup !== '' && (groups ?? []).includes(s.adminGroup),
  };
}

/**
 * The ID token's info completed by the userinfo endpoint's (Harbor's mergeUserInfo): the subject
 * and issuer are the ID token's, and the two must name the same subject.
 */
export function mergeUserInfo(local: OidcUserInfo, remote: OidcUserInfo | null): OidcUserInfo {
  if (!remote) return local;
  if (remote.subject !== local.subject) throw new HarborError('UNAUTHORIZED', 'the userinfo endpoint names another subject than the ID token');
  const groupsFrom = remote.hasGroupClaim ? remote : local;
  return {
    subject: local.subject, issuer: local.issuer,
    username: local.usernameFromClaim ? local.username : remote.username || local.username,
    usernameFromClaim: local.usernameFromClaim || remote.usernameFromClaim,
    email: remote.email || local.email,
    groups: groupsFrom.groups, hasGroupClaim: groupsFrom.hasGroupClaim, adminGroupMember: groupsFrom.adminGroupMember,
  };
}

/** The groups oidc_group_filter lets through (all when it is empty). */
export function filterGroups(groups: string[], filter: string): string[] {
  if (!filter) return groups;
  const re = new RegExp(filter);
  return groups.filter((g) => re.test(g));
}

// --- checks of the oidc_* configuration items (BAD_REQUEST on a bad value) ---

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** An https URL; plain http only on a loopback host (a provider on this machine, as in tests). */
export function checkOidcEndpoint(name: string, v: string): void {
  if (v === '') return;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new HarborError('BAD_REQUEST', `${name} must be an https URL`);
  }
  const ok = v.length <= 2000 && !u.username && !u.password && !u.search && !u.hash
    && (u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname)));
  if (!ok) throw new HarborError('BAD_REQUEST', `${name} must be an https URL without credentials, query or fragment (http only on a loopback address)`);
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,100}$/;

/** Harbor's comma-separated scopes; `openid` must be one of them. */
export function checkOidcScope(v: string): void {
  const scopes = v.split(',').map((x) => x.trim());
  if (scopes.length > 50 || !scopes.every((x) => SCOPE_TOKEN.test(x)) || !scopes.includes('openid')) {
    throw new HarborError('BAD_REQUEST', 'oidc_scope must be comma-separated scope names including openid');
  }
}

export function checkClaimName(name: string, v: string): void {
  if (v !== '' && !/^[\x21-\x7E]{1,255}$/.test(v)) throw new HarborError('BAD_REQUEST', `${name} must be a claim name (printable, no spaces)`);
}

export function checkGroupFilter(v: string): void {
  if (v.length > 1000) throw new HarborError('BAD_REQUEST', 'oidc_group_filter must be at most 1000 characters');
  try {
    new RegExp(v);
  } catch {
    throw new HarborError('BAD_REQUEST', 'oidc_group_filter must be a valid regular expression');
  }
}

/** Parameters the sign-in itself sets: an extra one must not replace them (PKCE, state, nonce, where the code goes). */
const RESERVED_PARAMS = new Set(['state', 'nonce', 'code_challenge', 'code_challenge_method', 'redirect_uri', 'client_id', 'response_type', 'scope', 'response_mode', 'request', 'request_uri']);

/** oidc_extra_redirect_parms: a JSON object of string values, added to the authorization request. */
export function parseExtraRedirectParams(v: string): Record<string, string> {
  let o: unknown;
  try {
    o = JSON.parse(v || '{}');
  } catch {
    throw new HarborError('BAD_REQUEST', 'oidc_extra_redirect_parms must be a JSON object of strings');
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new HarborError('BAD_REQUEST', 'oidc_extra_redirect_parms must be a JSON object of strings');
  const entries = Object.entries(o);
  if (entries.length > 50) throw new HarborError('BAD_REQUEST', 'oidc_extra_redirect_parms may hold at most 50 parameters');
  const out = Object.create(null) as Record<string, string>;
  for (const [k, val] of entries) {
    if (typeof val !== 'string' || val.length > 2000 || k.length === 0 || k.length > 100) throw new HarborError('BAD_REQUEST', 'oidc_extra_redirect_parms must be a JSON object of strings');
    if (RESERVED_PARAMS.has(k)) throw new HarborError('BAD_REQUEST', `oidc_extra_redirect_parms may not set ${k}`);
    out[k] = val;
  }
  return out;
}

export function checkExtraRedirectParams(v: string): void {
  parseExtraRedirectParams(v);
}
