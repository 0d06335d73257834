// LDAP sign-in (auth_mode ldap_auth) as Harbor does it (src/core/auth/ldap/ldap.go,
// src/pkg/ldap/ldap.go), with ldapts: bind as ldap_search_dn, find the one entry matching
// `(&<ldap_filter>(<ldap_uid>=<name>))` under ldap_base_dn, bind as that entry with the password
// given, then onboard the user (first sign-in) and refresh its groups: the DNs in its membership
// attribute (memberOf) that are groups under ldap_group_base_dn matching ldap_group_search_filter.
// Membership of ldap_group_admin_dn makes a system admin for that sign-in (Harbor's
// AdminRoleInAuth), not a stored flag. Values from users are escaped (RFC 4515) before they enter
// a filter; an empty password is refused before any bind (LDAP would take it as an anonymous bind).
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type { Client, Entry } from 'ldapts';
import { HarborError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { MetaStores, User } from '../storage/meta/index.js';
import type { ConfigService } from './config.js';
import type { AccessControl, Principal } from './rbac.js';
import { normalizeDn, type GroupDirectory } from './usergroups.js';

// ldapts (~15 ms of CPU to import) loads at the first LDAP operation or filter check, not with
// serve; synchronously, through its CommonJS build, because checkFilter is synchronous.
const require = createRequire(import.meta.url);
const ldapts = (): typeof import('ldapts') => require('ldapts') as typeof import('ldapts');

/** What an LDAP-onboarded user has instead of a password hash: verifyPassword never matches it. */
export const LDAP_PASSWORD_MARKER = 'ldap';

/** RFC 4515 §3: `\`, `*`, `(`, `)` and NUL in an assertion value become `\XX`. */
export function escapeFilterValue(v: string): string {
  return v.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A configured filter with its parentheses (Harbor accepts `objectClass=person` too); '' stays ''. */
export function normalizeFilter(f: string): string {
  const t = f.trim();
  return t === '' || t.startsWith('(') ? t : `(${t})`;
}

/** Parentheses that close in order (a value's own parentheses are escaped as \28 \29 in a filter). */
function balanced(f: string): boolean {
  let depth = 0;
  for (const ch of f) {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/** Checks a filter from the configuration: BAD_REQUEST when it does not parse (ldapts' parser alone lets an unclosed `(&` through). */
export function checkFilter(name: string, f: string): void {
  if (f.trim() === '') return;
  const n = normalizeFilter(f);
  try {
    if (!balanced(n)) throw new Error('unbalanced');
    ldapts().FilterParser.parseString(n);
  } catch {
    throw new HarborError('BAD_REQUEST', `${name} is not a valid LDAP filter`);
  }
}

const and = (...parts: string[]): string => {
  const p = parts.filter(Boolean);
  return p.length === 1 ? p[0] : `(&${p.join('')})`;
};

const SCOPES = ['base', 'one', 'sub'] as const;

export interface LdapSettings {
  url: string; searchDn: string; searchPassword: string; baseDn: string; filter: string; uid: string; scope: number;
  timeoutSec: number; verifyCert: boolean; startTls: boolean;
  groupBaseDn: string; groupFilter: string; groupNameAttribute: string; groupScope: number; groupAdminDn: string; membershipAttribute: string;
}

/** An LDAP entry as Harbor's LdapUser shows it, with what sign-in needs beside it. */
export interface LdapEntryUser { username: string; realname: string; email: string; dn: string; groupDns: string[] }

/** LdapConf of POST /ldap/ping: overrides of the stored settings for one test. */
export interface LdapPingRequest {
  ldap_url?: string; ldap_search_dn?: string; ldap_search_password?: string; ldap_base_dn?: string; ldap_filter?: string; ldap_uid?: string;
  ldap_scope?: number; ldap_connection_timeout?: number; ldap_verify_cert?: boolean;
}

function first(e: Entry, attr: string): string {
  const key = Object.keys(e).find((k) => k.toLowerCase() === attr.toLowerCase());
  const v = key ? e[key] : undefined;
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined ? '' : String(s).trim();
}

function all(e: Entry, attr: string): string[] {
  const key = Object.keys(e).find((k) => k.toLowerCase() === attr.toLowerCase());
  const v = key ? e[key] : undefined;
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => String(x).trim());
}

/**
 * ldap_url as Harbor reads it (src/pkg/ldap/ldap.go formatURL): `ldap://host[:port]`,
 * `ldaps://host[:port]`, or `host[:port]` for ldap://; port 636 means ldaps:// whatever the scheme.
 */
export function formatLdapUrl(v: string): string {
  const m = /^(?:(ldaps?):\/\/)?([^\s/]+?)\/?$/i.exec(v.trim());
  if (!m) return v;
  const hostport = m[2];
  const scheme = /:636$/.test(hostport) ? 'ldaps' : (m[1] ?? 'ldap').toLowerCase();
  return `${scheme}://${hostport}`;
}

/**
 * A connection for the settings. TLS options only for ldaps:// (ldapts takes any tlsOptions as a
 * request for TLS); over ldap:// with ldap_start_tls (our addition: Harbor has no StartTLS) the
 * connection is upgraded before anything else is sent, checked as ldap_verify_cert says.
 */
async function connect(s: LdapSettings): Promise<Client> {
  const ms = s.timeoutSec * 1000;
  const ldaps = /^ldaps:/i.test(s.url);
  const client = new (ldapts().Client)({ url: s.url, timeout: ms, connectTimeout: ms, ...(ldaps ? { tlsOptions: { rejectUnauthorized: s.verifyCert } } : {}) });
  if (s.startTls && !ldaps) {
    try {
      // The name the certificate must carry is the URL's host (ldapts would check "localhost"); SNI only for a name.
      const host = new URL(s.url).hostname.replace(/^\[(.*)\]$/, '$1');
      await client.startTLS({ rejectUnauthorized: s.verifyCert, host, ...(isIP(host) ? {} : { servername: host }) });
    } catch (e) {
      await client.unbind().catch(() => undefined);
      throw e;
    }
  }
  return client;
}

export class LdapService implements GroupDirectory {
  constructor(private readonly stores: Pick<MetaStores, 'identity' | 'groups'>, private readonly config: ConfigService,
    private readonly access: AccessControl, private readonly log: Logger) {}

  /** Is LDAP how users (other than admin) sign in? */
  get active(): boolean {
    return this.config.authMode === 'ldap_auth';
  }

  private settings(): LdapSettings {
    const c = this.config;
    return {
      url: formatLdapUrl(c.str('ldap_url')), searchDn: c.str('ldap_search_dn'), searchPassword: c.secret('ldap_search_password'), baseDn: c.str('ldap_base_dn'),
      filter: normalizeFilter(c.str('ldap_filter')), uid: c.str('ldap_uid') || 'cn', scope: c.int('ldap_scope'), timeoutSec: c.int('ldap_timeout'),
      verifyCert: c.bool('ldap_verify_cert'), startTls: c.bool('ldap_start_tls'), groupBaseDn: c.str('ldap_group_base_dn'), groupFilter: normalizeFilter(c.str('ldap_group_search_filter')),
      groupNameAttribute: c.str('ldap_group_attribute_name') || 'cn', groupScope: c.int('ldap_group_search_scope'), groupAdminDn: normalizeDn(c.str('ldap_group_admin_dn')),
      membershipAttribute: c.str('ldap_group_membership_attribute') || 'memberof',
    };
  }

  /** Runs `fn` on a connection bound as the search DN (anonymously when none is set); always unbinds. */
  private async session<T>(s: LdapSettings, fn: (c: Client) => Promise<T>): Promise<T> {
    if (!s.url) throw new HarborError('BAD_REQUEST', 'ldap_url is not configured');
    const client = await connect(s);
    try {
      if (s.searchDn) await client.bind(s.searchDn, s.searchPassword);
      return await fn(client);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  private async findUsers(c: Client, s: LdapSettings, username: string): Promise<LdapEntryUser[]> {
    const filter = and(s.filter, `(${s.uid}=${username === '' ? '*' : escapeFilterValue(username)})`);
    const { searchEntries } = await c.search(s.baseDn, {
      scope: SCOPES[s.scope] ?? 'sub', filter, attributes: [s.uid, 'uid', 'cn', 'mail', 'email', s.membershipAttribute], sizeLimit: 1000,
    });
    return searchEntries.map((e) => ({
      username: first(e, s.uid), realname: first(e, 'cn') || first(e, 'uid'), email: first(e, 'mail') || first(e, 'email'), dn: e.dn,
      groupDns: all(e, s.membershipAttribute),
    }));
  }

  /** The group at `dn` if it lies under the group base DN and matches the group filter (Harbor's SearchGroupByDN). */
  private async groupAt(c: Client, s: LdapSettings, dn: string): Promise<{ name: string; dn: string } | null> {
    const base = normalizeDn(s.groupBaseDn || s.baseDn);
    const d = normalizeDn(dn);
    if (!base || !(d === base || d.endsWith(`,${base}`))) return null;
    try {
      const { searchEntries } = await c.search(dn, { scope: 'base', filter: and(s.groupFilter, `(${s.groupNameAttribute}=*)`), attributes: [s.groupNameAttribute] });
      const e = searchEntries[0];
      return e ? { name: first(e, s.groupNameAttribute) || e.dn, dn: e.dn } : null;
    } catch (e) {
      if (e instanceof ldapts().NoSuchObjectError) return null;
      throw e;
    }
  }

  /**
   * Signs a user in against the directory; null for wrong credentials, an unknown or ambiguous
   * name. A directory that cannot be reached is logged and is a failed sign-in too.
   */
  async authenticate(username: string, password: string): Promise<{ user: User; sysadmin: boolean } | null> {
    if (!username.trim() || password === '') return null;
    const s = this.settings();
    try {
      return await this.session(s, async (c) => {
        const found = await this.findUsers(c, s, username);
        if (found.length !== 1) return null;
        const entry = found[0];
        // The user's own bind, on a connection of its own: the search connection stays the search DN's.
        const own = await connect(s);
        try {
          await own.bind(entry.dn, password);
        } catch (e) {
          if (e instanceof ldapts().InvalidCredentialsError) return null;
          throw e;
        } finally {
          await own.unbind().catch(() => undefined);
        }
        const user = await this.onboard(entry);
        const dns = entry.groupDns.map(normalizeDn);
        const sysadmin = s.groupAdminDn !== '' && dns.includes(s.groupAdminDn);
        // Harbor attaches groups only when a group filter is configured.
        const groupIds: number[] = [];
        if (s.groupFilter) {
          for (const dn of entry.groupDns) {
            const g = await this.groupAt(c, s, dn);
            if (g) groupIds.push((await this.stores.groups.onboardGroup({ name: g.name, type: 1, ldapDn: normalizeDn(g.dn) })).id);
          }
        }
        await this.stores.groups.setUserGroups(user.id, groupIds);
        return { user, sysadmin };
      });
    } catch (e) {
      this.log.warn('LDAP sign-in failed', { error: e instanceof Error ? e.message : String(e) });
      return null;
    }
  }

  /** The local user for an entry: created at the first sign-in (or import), its name and mail kept in step. */
  private async onboard(entry: LdapEntryUser): Promise<User> {
    const known = await this.stores.identity.getUserByName(entry.username);
    if (known) {
      if (known.email !== entry.email || known.realname !== entry.realname) {
        return (await this.stores.identity.updateUser(known.id, { email: entry.email, realname: entry.realname })) ?? known;
      }
      return known;
    }
    try {
      return await this.stores.identity.createUser({ username: entry.username, email: entry.email, realname: entry.realname, comment: 'from LDAP', passwordHash: LDAP_PASSWORD_MARKER });
    } catch (e) {
      // Two first sign-ins at once: the other one created it.
      const again = await this.stores.identity.getUserByName(entry.username);
      if (again) return again;
      throw e;
    }
  }

  private async requireAdmin(actor: Principal, resource: string, action: string): Promise<void> {
    if (await this.access.canSystem(actor, resource, action)) return;
    if (actor.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    throw new HarborError('FORBIDDEN', 'only a system administrator may use the LDAP endpoints');
  }

  /** POST /ldap/ping: can we bind and search with these settings (the stored ones, overridden by `req`)? */
  async ping(actor: Principal, req: LdapPingRequest): Promise<{ success: boolean; message: string }> {
    await this.requireAdmin(actor, 'ldap-user', 'list');
    const s = this.settings();
    const o: LdapSettings = {
      ...s, url: req.ldap_url !== undefined ? formatLdapUrl(req.ldap_url) : s.url, searchDn: req.ldap_search_dn ?? s.searchDn, searchPassword: req.ldap_search_password || s.searchPassword,
      baseDn: req.ldap_base_dn ?? s.baseDn, filter: req.ldap_filter !== undefined ? normalizeFilter(req.ldap_filter) : s.filter, uid: req.ldap_uid || s.uid,
      scope: req.ldap_scope ?? s.scope, timeoutSec: req.ldap_connection_timeout ?? s.timeoutSec, verifyCert: req.ldap_verify_cert ?? s.verifyCert,
    };
    if (req.ldap_filter !== undefined) checkFilter('ldap_filter', req.ldap_filter);
    try {
      await this.session(o, (c) => c.search(o.baseDn, { scope: 'base', filter: '(objectClass=*)', attributes: ['dn'] }));
      return { success: true, message: 'ldap ping success' };
    } catch (e) {
      return { success: false, message: e instanceof Error ? e.message.slice(0, 300) : 'ldap ping failed' };
    }
  }

  /** GET /ldap/users/search: entries matching the name (all when empty), with their local-user shape. */
  async searchUsers(actor: Principal, username: string): Promise<LdapEntryUser[]> {
    await this.requireAdmin(actor, 'ldap-user', 'list');
    const s = this.settings();
    return this.directoryCall(() => this.session(s, (c) => this.findUsers(c, s, username)));
  }

  /** GET /ldap/groups/search: by name (the group name attribute) or by DN. */
  async searchGroups(actor: Principal, q: { groupName?: string; groupDn?: string }): Promise<{ name: string; dn: string }[]> {
    await this.requireAdmin(actor, 'ldap-user', 'list');
    const s = this.settings();
    return this.directoryCall(() => this.session(s, async (c) => {
      if (q.groupDn) {
        const g = await this.groupAt(c, s, q.groupDn);
        return g ? [g] : [];
      }
      const base = s.groupBaseDn || s.baseDn;
      const filter = and(s.groupFilter, `(${s.groupNameAttribute}=${q.groupName ? escapeFilterValue(q.groupName) : '*'})`);
      const { searchEntries } = await c.search(base, { scope: SCOPES[s.groupScope] ?? 'sub', filter, attributes: [s.groupNameAttribute], sizeLimit: 1000 });
      return searchEntries.map((e) => ({ name: first(e, s.groupNameAttribute) || e.dn, dn: e.dn }));
    }));
  }

  /** POST /ldap/users/import: onboards each uid found in the directory; the failures (not found, ambiguous) are returned. */
  async importUsers(actor: Principal, uids: string[]): Promise<{ uid: string; error: string }[]> {
    await this.requireAdmin(actor, 'ldap-user', 'create');
    const s = this.settings();
    return this.directoryCall(() => this.session(s, async (c) => {
      const failed: { uid: string; error: string }[] = [];
      for (const uid of uids) {
        const found = uid.trim() ? await this.findUsers(c, s, uid) : [];
        if (found.length !== 1) failed.push({ uid, error: found.length ? 'more than one entry found' : 'not found' });
        else await this.onboard(found[0]);
      }
      return failed;
    }));
  }

  /** For user groups (GroupDirectory): an LDAP group by DN, in ldap_auth mode only. */
  async findGroup(dn: string): Promise<{ name: string; dn: string } | null> {
    if (!this.active) return null;
    const s = this.settings();
    return this.directoryCall(() => this.session(s, (c) => this.groupAt(c, s, dn)));
  }

  /** A directory error as the API reports it (the server's own message, cut short; never a credential). */
  private async directoryCall<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof HarborError) throw e;
      throw new HarborError('UPSTREAM_ERROR', `the LDAP server failed: ${e instanceof Error ? e.message.slice(0, 200) : 'unknown error'}`);
    }
  }
}
