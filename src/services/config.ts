// System configuration as Harbor's /configurations manages it (src/controller/config/controller.go,
// src/pkg/config/manager.go ValidateCfg, src/lib/config/metadata/metadatalist.go for names and
// defaults): only the items listed here exist; a PUT naming any other is refused (Harbor: "item not
// defined in metadatalist"), as is a value of the wrong type. Secrets (password items) are sealed at
// rest and never returned. The values in force are kept in memory (loaded at start, replaced after
// each PUT) because the read-only check runs on every request.
import net from 'node:net';
import { HarborError } from '../core/errors.js';
import { checkAuditEventTypes, checkForwardEndpoint, eventTypeList } from '../core/audit-settings.js';
import { parseListen } from '../core/units.js';
import type { MetaStores } from '../storage/meta/index.js';
import type { AuditSettings } from './audit-ext.js';
import { checkFilter } from './ldap.js';
import { checkClaimName, checkExtraRedirectParams, checkGroupFilter, checkOidcEndpoint, checkOidcScope } from './oidc-claims.js';
import { checkStorageLimit, UNLIMITED } from './quotas.js';
import { ROBOT_PREFIX, type AccessControl, type Principal } from './rbac.js';
import type { SecretBox } from './registries.js';
import { DEFAULT_ROBOT_DURATION_DAYS, MAX_DURATION_DAYS } from './robots.js';

export type ConfigValue = string | number | boolean;

interface Item {
  type: 'string' | 'boolean' | 'integer' | 'password';
  default: ConfigValue;
  /** Further checks of a value of the right type; throws BAD_REQUEST. */
  check?: (v: never) => void;
}

const oneOf = (name: string, allowed: string[]) => (v: string): void => {
  if (!allowed.includes(v)) throw new HarborError('BAD_REQUEST', `${name} must be one of ${allowed.join(', ')}`);
};

/** Harbor's auth modes that harborctl implements (not http_auth, the auth proxy). */
export const AUTH_MODES = ['db_auth', 'ldap_auth', 'oidc_auth'];

const attributeName = (name: string) => (v: string): void => {
  if (v !== '' && !/^[A-Za-z][A-Za-z0-9-]{0,63}$/.test(v)) throw new HarborError('BAD_REQUEST', `${name} must be an LDAP attribute name`);
};
const scope = (name: string) => (v: number): void => {
  if (v < 0 || v > 2) throw new HarborError('BAD_REQUEST', `${name} must be 0 (base), 1 (one level) or 2 (subtree)`);
};
const filter = (name: string) => (v: string): void => { checkFilter(name, v); };

/** Harbor's CheckEndpointActive: a TCP connection to the endpoint can be made (within 3 s). */
function endpointReachable(v: string): Promise<boolean> {
  const { host, port } = parseListen(v);
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 3000 });
    const done = (ok: boolean): void => { s.destroy(); resolve(ok); };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.once('timeout', () => done(false));
  });
}

/** The items harborctl knows, with Harbor's defaults. */
function items(defaultStorageLimit: number): Record<string, Item> {
  return {
    auth_mode: { type: 'string', default: 'db_auth', check: oneOf('auth_mode', AUTH_MODES) },
    project_creation_restriction: { type: 'string', default: 'everyone', check: oneOf('project_creation_restriction', ['everyone', 'adminonly']) },
    self_registration: { type: 'boolean', default: false },
    read_only: { type: 'boolean', default: false },
    robot_token_duration: {
      type: 'integer', default: DEFAULT_ROBOT_DURATION_DAYS,
      check: (v: number) => { if (v <= 0 || v > MAX_DURATION_DAYS) throw new HarborError('BAD_REQUEST', 'robot_token_duration must be a positive number of days'); },
    },
    robot_name_prefix: {
      type: 'string', default: ROBOT_PREFIX,
      check: (v: string) => {
        // Basic credentials end a user name at the first ':'; the name travels in headers and logs.
        if (!/^[^\s:\u0000-\u001f\u007f]{1,64}$/.test(v)) throw new HarborError('BAD_REQUEST', 'robot_name_prefix must be 1 to 64 characters, without spaces, control characters or ":"');
      },
    },
    storage_per_project: { type: 'integer', default: defaultStorageLimit, check: (v: number) => { checkStorageLimit(v, 'storage_per_project'); } },
    // LDAP (services/ldap.ts); names and defaults from Harbor's metadatalist.go.
    ldap_url: {
      type: 'string', default: '',
      // Harbor's forms (services/ldap.ts formatLdapUrl): with or without the scheme.
      check: (v: string) => {
        if (v !== '' && !/^(?:ldaps?:\/\/)?(?:\[[0-9a-f:.]+\]|[^\s/:[\]]+)(?::\d{1,5})?\/?$/i.test(v)) throw new HarborError('BAD_REQUEST', 'ldap_url must be ldap://host[:port], ldaps://host[:port] or host[:port]');
      },
    },
    ldap_search_dn: { type: 'string', default: '' },
    ldap_search_password: { type: 'password', default: '' },
    ldap_base_dn: { type: 'string', default: '' },
    ldap_filter: { type: 'string', default: '', check: filter('ldap_filter') },
    ldap_uid: { type: 'string', default: 'cn', check: (v: string) => { if (v === '') throw new HarborError('BAD_REQUEST', 'ldap_uid must not be empty'); attributeName('ldap_uid')(v); } },
    ldap_scope: { type: 'integer', default: 2, check: scope('ldap_scope') },
    ldap_timeout: { type: 'integer', default: 5, check: (v: number) => { if (v < 1 || v > 300) throw new HarborError('BAD_REQUEST', 'ldap_timeout must be 1 to 300 seconds'); } },
    ldap_verify_cert: { type: 'boolean', default: true },
    // Ours: Harbor speaks plain LDAP over ldap:// (TLS only with ldaps://); this upgrades it with StartTLS.
    ldap_start_tls: { type: 'boolean', default: false },
    ldap_group_base_dn: { type: 'string', default: '' },
    ldap_group_search_filter: { type: 'string', default: '', check: filter('ldap_group_search_filter') },
    ldap_group_attribute_name: { type: 'string', default: '', check: attributeName('ldap_group_attribute_name') },
    ldap_group_search_scope: { type: 'integer', default: 2, check: scope('ldap_group_search_scope') },
    ldap_group_admin_dn: { type: 'string', default: '' },
    ldap_group_membership_attribute: { type: 'string', default: 'memberof', check: attributeName('ldap_group_membership_attribute') },
    ldap_group_attach_parallel: { type: 'boolean', default: false },
    // The extended audit log (services/audit-ext.ts reads them on every record through auditSettings).
    audit_log_forward_endpoint: { type: 'string', default: '', check: (v: string) => { checkForwardEndpoint(v); } },
    skip_audit_log_database: { type: 'boolean', default: false },
    disabled_audit_log_event_types: { type: 'string', default: '', check: (v: string) => { checkAuditEventTypes(v); } },
    // OIDC (services/oidc.ts); names and defaults from Harbor's metadatalist.go.
    oidc_name: { type: 'string', default: '' },
    oidc_endpoint: { type: 'string', default: '', check: (v: string) => { checkOidcEndpoint('oidc_endpoint', v); } },
    oidc_client_id: { type: 'string', default: '' },
    oidc_client_secret: { type: 'password', default: '' },
    oidc_scope: { type: 'string', default: 'openid,offline_access', check: (v: string) => { checkOidcScope(v); } },
    oidc_verify_cert: { type: 'boolean', default: true },
    oidc_auto_onboard: { type: 'boolean', default: false },
    oidc_user_claim: { type: 'string', default: '', check: (v: string) => { checkClaimName('oidc_user_claim', v); } },
    oidc_groups_claim: { type: 'string', default: '', check: (v: string) => { checkClaimName('oidc_groups_claim', v); } },
    oidc_admin_group: { type: 'string', default: '' },
    oidc_group_filter: { type: 'string', default: '', check: (v: string) => { checkGroupFilter(v); } },
    oidc_extra_redirect_parms: { type: 'string', default: '{}', check: (v: string) => { checkExtraRedirectParams(v); } },
    oidc_logout: { type: 'boolean', default: false },
  };
}

/** One item as GET /configurations shows it (Harbor's StringConfigItem, BoolConfigItem, IntegerConfigItem). */
export interface ConfigEntry { value: ConfigValue; editable: boolean }

export interface ConfigServiceOptions {
  /** storage_per_project until one is set (bytes, -1 unlimited; `AppConfig.defaultStorageLimit`). */
  defaultStorageLimit?: number;
}

export class ConfigService {
  private readonly items: Record<string, Item>;
  private values: Record<string, ConfigValue> = Object.create(null) as Record<string, ConfigValue>;
  private audit: AuditSettings = { disabledEventTypes: new Set(), forwardEndpoint: '', skipDatabase: false };

  constructor(private readonly stores: Pick<MetaStores, 'config' | 'identity'>, private readonly access: AccessControl, private readonly box: SecretBox,
    opts: ConfigServiceOptions = {}) {
    this.items = items(opts.defaultStorageLimit ?? UNLIMITED);
  }

  /** Reads the stored items (at start); stored items harborctl no longer knows are ignored. */
  async load(): Promise<void> {
    const stored = await this.stores.config.getConfig();
    const values = Object.create(null) as Record<string, ConfigValue>;
    for (const [k, item] of Object.entries(this.items)) values[k] = Object.hasOwn(stored, k) ? JSON.parse(stored[k]) as ConfigValue : item.default;
    this.values = values;
    this.audit = {
      disabledEventTypes: new Set(eventTypeList(this.str('disabled_audit_log_event_types'))),
      forwardEndpoint: this.str('audit_log_forward_endpoint'), skipDatabase: this.bool('skip_audit_log_database'),
    };
  }

  /**
   * Initial values (serve's flags), as Harbor's environment seeds its database configuration: an
   * item never stored takes the value given; one already stored keeps its own (changed through PUT
   * /configurations). Returns the items whose stored value differs from the one given. The values
   * must have been checked by the caller.
   */
  async seed(initial: Record<string, ConfigValue>): Promise<string[]> {
    const stored = await this.stores.config.getConfig();
    const toStore: Record<string, string> = {};
    const kept: string[] = [];
    for (const [k, v] of Object.entries(initial)) {
      if (!Object.hasOwn(this.items, k)) throw new Error(`unknown configuration item ${k}`);
      if (!Object.hasOwn(stored, k)) toStore[k] = JSON.stringify(v);
      else if (JSON.parse(stored[k]) !== v) kept.push(k);
    }
    if (Object.keys(toStore).length) await this.stores.config.putConfig(toStore);
    await this.load();
    return kept;
  }

  /** The extended audit log's settings in force: a cheap read, made for every record. */
  get auditSettings(): AuditSettings { return this.audit; }

  /** The value in force (a password item's is its sealed form; see secret()). */
  private value(name: string): ConfigValue {
    return this.values[name] ?? this.items[name].default;
  }

  get readOnly(): boolean { return this.value('read_only') === true; }
  get selfRegistration(): boolean { return this.value('self_registration') === true; }
  get adminOnlyProjectCreation(): boolean { return this.value('project_creation_restriction') === 'adminonly'; }
  get robotTokenDuration(): number { return this.value('robot_token_duration') as number; }
  get storagePerProject(): number { return this.value('storage_per_project') as number; }
  get authMode(): string { return this.value('auth_mode') as string; }
  str(name: string): string { return this.value(name) as string; }
  int(name: string): number { return this.value(name) as number; }
  bool(name: string): boolean { return this.value(name) as boolean; }

  /** A password item in clear, for the service that uses it (never for a reply or a log). */
  secret(name: string): string {
    const v = this.value(name);
    return typeof v === 'string' && v !== '' ? this.box.open(v) : '';
  }

  private async require(actor: Principal, action: 'read' | 'update'): Promise<void> {
    if (await this.access.canSystem(actor, 'configuration', action)) return;
    if (actor.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    throw new HarborError('FORBIDDEN', 'only a system administrator may manage the configuration');
  }

  /** Harbor's rules for the audit items: no skipping the database without somewhere to forward to; an endpoint must answer. */
  private async checkAudit(body: Record<string, unknown>): Promise<void> {
    const hasSkip = Object.hasOwn(body, 'skip_audit_log_database');
    const hasEndpoint = Object.hasOwn(body, 'audit_log_forward_endpoint');
    if (!hasSkip && !hasEndpoint) return;
    const skip = hasSkip ? body.skip_audit_log_database as boolean : this.bool('skip_audit_log_database');
    const endpoint = hasEndpoint ? body.audit_log_forward_endpoint as string : this.str('audit_log_forward_endpoint');
    if (skip && endpoint === '') throw new HarborError('BAD_REQUEST', 'audit log forward endpoint should be configured before enable skip audit log in database');
    if (hasEndpoint && endpoint !== '' && endpoint !== this.str('audit_log_forward_endpoint') && !(await endpointReachable(endpoint))) {
      throw new HarborError('BAD_REQUEST', `could not connect to the audit endpoint: ${endpoint}`);
    }
  }

  /** Harbor lets the auth mode change only while no user but the admin exists. */
  private async authModeEditable(): Promise<boolean> {
    return (await this.stores.identity.listUsers()).every((u) => u.username === 'admin');
  }

  /** Every item but the secrets, as GET /configurations answers. */
  async get(actor: Principal): Promise<Record<string, ConfigEntry>> {
    await this.require(actor, 'read');
    const out: Record<string, ConfigEntry> = {};
    for (const [k, item] of Object.entries(this.items)) if (item.type !== 'password') out[k] = { value: this.value(k), editable: true };
    out.auth_mode.editable = await this.authModeEditable();
    return out;
  }

  /** PUT /configurations: a subset of the items, all checked before any is stored. */
  async update(actor: Principal, body: Record<string, unknown>): Promise<void> {
    await this.require(actor, 'update');
    const toStore: Record<string, string> = {};
    for (const [k, v] of Object.entries(body)) {
      if (!Object.hasOwn(this.items, k)) throw new HarborError('BAD_REQUEST', `invalid config, item not defined: ${JSON.stringify(k.slice(0, 100))}`);
      const item = this.items[k];
      const want = item.type === 'password' ? 'string' : item.type;
      const ok = want === 'integer' ? typeof v === 'number' && Number.isSafeInteger(v) : typeof v === want;
      if (!ok) throw new HarborError('BAD_REQUEST', `${k} must be ${want === 'integer' ? 'an integer' : `a ${want}`}`);
      item.check?.(v as never);
      toStore[k] = JSON.stringify(item.type === 'password' && v !== '' ? this.box.seal(v as string) : v);
    }
    if (Object.hasOwn(toStore, 'auth_mode') && body.auth_mode !== this.authMode && !(await this.authModeEditable())) {
      throw new HarborError('BAD_REQUEST', 'the auth mode cannot be modified as new users have been inserted into database');
    }
    await this.checkAudit(body);
    await this.stores.config.putConfig(toStore);
    await this.load();
  }
}
