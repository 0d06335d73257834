// Registry endpoints (Harbor's /registries): the upstreams a proxy-cache project pulls through.
// Everything here is for system administrators only, as in Harbor. The credential's secret is
// sealed with AES-256-GCM under a key kept in the data dir (bootstrap.ts) and is never handed back:
// views show the access key and a mask, as Harbor's registry handler does.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { HarborError } from '../core/errors.js';
import { checkRegistryType as checkType, normalizeRegistryUrl } from '../core/upstream.js';
import type { MetaStores, RegistryEndpoint, RegistryEndpointPatch } from '../storage/meta/index.js';
import type { Principal } from './rbac.js';
import { createAdapter } from './replication/adapters/index.js';
import { UpstreamClient, UpstreamError, type UpstreamEndpoint } from './upstream.js';
import { requireSysadmin } from './users.js';

/** What the API shows in place of a stored secret (Harbor's mask). */
export const SECRET_MASK = '*****';
const PING_TIMEOUT_MS = 5000;
const MAX_NAME = 255;

/** AES-256-GCM with a 32-byte key: `v1:` + base64(iv ‖ tag ‖ ciphertext). */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the registry credential key must be 32 bytes');
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return `v1:${Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64')}`;
  }

  open(sealed: string): string {
    if (!sealed.startsWith('v1:')) throw new Error('unknown credential format');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    const d = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  }
}

export interface RegistryInput {
  name?: unknown; type?: unknown; url?: unknown; description?: unknown; insecure?: unknown; ca_certificate?: unknown;
  credential?: unknown;
}

/** Harbor's RegistryUpdate / RegistryPing fields (flat credential). */
export interface RegistryChange {
  id?: unknown; name?: unknown; type?: unknown; url?: unknown; description?: unknown; insecure?: unknown; ca_certificate?: unknown;
  credential_type?: unknown; access_key?: unknown; access_secret?: unknown;
}

export type PingResult = { healthy: true } | { healthy: false; reason: string };

interface Target { type: string; url: string; insecure: boolean; ca: string | null; accessKey: string | null; secret: string | null; credentialType: string | null }

function str(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new HarborError('BAD_REQUEST', `${field} must be a string`);
  return v;
}

function bool(v: unknown, field: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new HarborError('BAD_REQUEST', `${field} must be a boolean`);
  return v;
}

function checkName(n: string): string {
  if (n.trim() === '' || n.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(n)) {
    throw new HarborError('BAD_REQUEST', `name must be 1 to ${MAX_NAME} printable characters`);
  }
  return n;
}

function checkCa(v: unknown): string | null | undefined {
  const ca = str(v, 'ca_certificate');
  if (ca === undefined) return undefined;
  if (ca.trim() === '') return null;
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new HarborError('BAD_REQUEST', 'ca_certificate must be a PEM certificate');
  return ca;
}

export class RegistryEndpointService {
  private readonly fetchTimeoutMs: number;

  constructor(private readonly stores: Pick<MetaStores, 'registries'> & Partial<Pick<MetaStores, 'replication'>>, private readonly box: SecretBox, opts: { pingTimeoutMs?: number } = {}) {
    this.fetchTimeoutMs = opts.pingTimeoutMs ?? PING_TIMEOUT_MS;
  }

  async list(actor: Principal): Promise<RegistryEndpoint[]> {
    requireSysadmin(actor);
    return this.stores.registries.listRegistries();
  }

  async get(actor: Principal, id: number): Promise<RegistryEndpoint> {
    requireSysadmin(actor);
    return this.find(id);
  }

  async create(actor: Principal, b: RegistryInput): Promise<RegistryEndpoint> {
    requireSysadmin(actor);
    const name = checkName(str(b.name, 'name') ?? '');
    const type = checkType(str(b.type, 'type') ?? '');
    const url = normalizeRegistryUrl(str(b.url, 'url') ?? '');
    let credentialType: string | null = null;
    let accessKey: string | null = null;
    let accessSecretEnc: string | null = null;
    if (b.credential !== undefined && b.credential !== null) {
      if (typeof b.credential !== 'object' || Array.isArray(b.credential)) throw new HarborError('BAD_REQUEST', 'credential must be an object');
      const c = b.credential as Record<string, unknown>;
      const key = str(c.access_key, 'credential.access_key') ?? '';
      const secret = str(c.access_secret, 'credential.access_secret') ?? '';
      if (key !== '' || secret !== '') {
        credentialType = checkCredentialType(str(c.type, 'credential.type'), type);
        if (key === '' || secret === '') throw new HarborError('BAD_REQUEST', 'a credential needs both access_key and access_secret');
        accessKey = key;
        accessSecretEnc = this.box.seal(secret);
      }
    }
    if (await this.stores.registries.getRegistryByName(name)) throw new HarborError('CONFLICT', `a registry named ${JSON.stringify(name)} already exists`);
    return this.stores.registries.createRegistry({
      name, type, url, description: str(b.description, 'description') ?? '', insecure: bool(b.insecure, 'insecure') ?? false,
      caCertificate: checkCa(b.ca_certificate) ?? null, credentialType, accessKey, accessSecretEnc,
    });
  }

  /**
   * Harbor's RegistryUpdate: only the fields given change. An empty access_key removes the
   * credential; an access_secret equal to the mask (what a client read back) keeps the stored one.
   */
  async update(actor: Principal, id: number, b: RegistryChange): Promise<RegistryEndpoint> {
    requireSysadmin(actor);
    const cur = await this.find(id);
    const patch: RegistryEndpointPatch = {};
    const name = str(b.name, 'name');
    if (name !== undefined && name !== cur.name) {
      patch.name = checkName(name);
      if (await this.stores.registries.getRegistryByName(name)) throw new HarborError('CONFLICT', `a registry named ${JSON.stringify(name)} already exists`);
    }
    const url = str(b.url, 'url');
    if (url !== undefined) patch.url = normalizeRegistryUrl(url);
    const description = str(b.description, 'description');
    if (description !== undefined) patch.description = description;
    const insecure = bool(b.insecure, 'insecure');
    if (insecure !== undefined) patch.insecure = insecure;
    const ca = checkCa(b.ca_certificate);
    if (ca !== undefined) patch.caCertificate = ca;
    Object.assign(patch, this.credentialPatch(cur, b, str(b.type, 'type') ?? cur.type));
    const r = await this.stores.registries.updateRegistry(id, patch);
    if (!r) throw new HarborError('NOT_FOUND', `registry ${id} not found`);
    return r;
  }

  async delete(actor: Principal, id: number): Promise<void> {
    requireSysadmin(actor);
    const users = await this.stores.registries.projectsUsingRegistry(id);
    if (users.length) {
      throw new HarborError('PRECONDITION', `registry ${id} is the upstream of the proxy-cache project(s) ${users.join(', ')}: delete them first`);
    }
    // As Harbor: a registry a replication policy names cannot go.
    const policies = (await this.stores.replication?.listPolicies() ?? []).filter((p) => p.srcRegistryId === id || p.destRegistryId === id);
    if (policies.length) {
      throw new HarborError('PRECONDITION', `registry ${id} is used by the replication policy(ies) ${policies.map((p) => p.name).join(', ')}: delete them first`);
    }
    if (!(await this.stores.registries.deleteRegistry(id))) throw new HarborError('NOT_FOUND', `registry ${id} not found`);
  }

  /**
   * Harbor's POST /registries/ping: a stored endpoint (id) with any given fields laid over it, or
   * the given fields alone. Pinging a stored endpoint records its status.
   */
  async ping(actor: Principal, b: RegistryChange): Promise<PingResult> {
    requireSysadmin(actor);
    let t: Target;
    let stored: RegistryEndpoint | null = null;
    if (b.id !== undefined && b.id !== null) {
      if (typeof b.id !== 'number' || !Number.isSafeInteger(b.id)) throw new HarborError('BAD_REQUEST', 'id must be an integer');
      stored = await this.find(b.id);
      const type = checkType(str(b.type, 'type') ?? stored.type);
      const cred = this.credentialPatch(stored, b, type);
      const encSecret = cred.accessSecretEnc === undefined ? stored.accessSecretEnc : cred.accessSecretEnc;
      const key = cred.accessKey === undefined ? stored.accessKey : cred.accessKey;
      const url = normalizeRegistryUrl(str(b.url, 'url') ?? stored.url);
      // Our decision (Harbor sends it): the stored secret goes only to the URL it was stored for.
      // Pinging another URL needs the credential given again, or removed (access_key "").
      if (url !== stored.url && key && encSecret !== null && cred.accessSecretEnc === undefined) {
        throw new HarborError('BAD_REQUEST', 'the stored credential is sent only to the endpoint\'s own URL: give access_key and access_secret again to ping another URL with a credential');
      }
      t = {
        type,
        url,
        insecure: bool(b.insecure, 'insecure') ?? stored.insecure,
        ca: checkCa(b.ca_certificate) ?? stored.caCertificate,
        accessKey: key, secret: key && encSecret ? this.box.open(encSecret) : null,
        credentialType: key ? (cred.credentialType ?? stored.credentialType) : null,
      };
    } else {
      const url = str(b.url, 'url');
      if (!url) throw new HarborError('BAD_REQUEST', 'url is required');
      const key = str(b.access_key, 'access_key') || null;
      const secret = str(b.access_secret, 'access_secret') || null;
      const type = checkType(str(b.type, 'type') ?? 'docker-registry');
      const credentialType = key || secret ? checkCredentialType(str(b.credential_type, 'credential_type'), type) : null;
      t = {
        type, url: normalizeRegistryUrl(url), insecure: bool(b.insecure, 'insecure') ?? false,
        ca: checkCa(b.ca_certificate) ?? null, accessKey: key, secret, credentialType,
      };
    }
    const result = await this.probe(t);
    if (stored) await this.stores.registries.updateRegistry(stored.id, { status: result.healthy ? 'healthy' : 'unhealthy' });
    return result;
  }

  private async find(id: number): Promise<RegistryEndpoint> {
    const r = await this.stores.registries.getRegistryById(id);
    if (!r) throw new HarborError('NOT_FOUND', `registry ${id} not found`);
    return r;
  }

  private credentialPatch(cur: RegistryEndpoint, b: RegistryChange, registryType: string): Pick<RegistryEndpointPatch, 'credentialType' | 'accessKey' | 'accessSecretEnc'> {
    const type = str(b.credential_type, 'credential_type');
    const key = str(b.access_key, 'access_key');
    const secret = str(b.access_secret, 'access_secret');
    if (key === '') return { credentialType: null, accessKey: null, accessSecretEnc: null };
    const out: Pick<RegistryEndpointPatch, 'credentialType' | 'accessKey' | 'accessSecretEnc'> = {};
    if (type !== undefined) out.credentialType = checkCredentialType(type, registryType);
    if (key !== undefined) {
      out.accessKey = key;
      if (!cur.credentialType && type === undefined) out.credentialType = 'basic';
    }
    if (secret !== undefined && secret !== SECRET_MASK) {
      if (secret === '') throw new HarborError('BAD_REQUEST', 'access_secret must not be empty; give an empty access_key to remove the credential');
      out.accessSecretEnc = this.box.seal(secret);
    }
    const hasKey = (out.accessKey ?? cur.accessKey) !== null;
    const hasSecret = (out.accessSecretEnc ?? cur.accessSecretEnc) !== null;
    if (hasKey !== hasSecret) throw new HarborError('BAD_REQUEST', 'a credential needs both access_key and access_secret');
    return out;
  }

  /**
   * GET <url>/v2/. Without a credential, 200 or 401 is a live registry. With one, the credential
   * must also work: Basic is sent directly; a Bearer challenge is answered with a token request to
   * its realm (the Docker token dance), which must succeed.
   */
  private async probe(t: Target): Promise<PingResult> {
    // Credentials that are no registry password (an Azure AD token, an Alibaba AccessKey pair): only
    // the adapter knows how to turn them into one, and the secret must not go to the registry as Basic.
    if (t.credentialType === 'oauth' || (t.type === 'ali-acr' && t.accessKey)) {
      const adapter = createAdapter({ type: t.type, url: t.url, insecure: t.insecure, ca: t.ca, username: t.accessKey, password: t.secret, credentialType: t.credentialType });
      try {
        await adapter.healthCheck();
        return { healthy: true };
      } catch (e) {
        if (e instanceof UpstreamError) return { healthy: false, reason: e.message };
        throw e;
      } finally {
        await adapter.close?.();
      }
    }
    const up = new UpstreamClient({ type: t.type, url: t.url, insecure: t.insecure, ca: t.ca, username: t.accessKey, password: t.secret }, this.fetchTimeoutMs);
    try {
      await up.ping();
      return { healthy: true };
    } catch (e) {
      if (e instanceof UpstreamError) return { healthy: false, reason: e.message };
      throw e;
    } finally {
      await up.close();
    }
  }

  /** The endpoint as the proxy cache connects to it, the secret unsealed. */
  async endpointFor(id: number): Promise<(UpstreamEndpoint & { id: number; name: string; updatedAt: string; credentialType: string | null }) | null> {
    const r = await this.stores.registries.getRegistryById(id);
    if (!r) return null;
    return {
      id: r.id, name: r.name, updatedAt: r.updatedAt, type: r.type, url: r.url, insecure: r.insecure, ca: r.caCertificate, credentialType: r.credentialType,
      username: r.accessKey, password: r.accessKey && r.accessSecretEnc ? this.box.open(r.accessSecretEnc) : null,
    };
  }
}

/** Harbor's credential types: `basic` everywhere; `oauth` (an Azure AD access token) for azure-acr only. */
function checkCredentialType(t: string | undefined, registryType: string): string {
  const v = t ?? 'basic';
  if (v === 'basic' || (v === 'oauth' && registryType === 'azure-acr')) return v;
  throw new HarborError('BAD_REQUEST', registryType === 'azure-acr' ? 'credential type must be basic or oauth' : 'credential type must be basic (oauth is for azure-acr only)');
}
