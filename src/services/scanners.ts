// Scanner registrations (Harbor's src/controller/scanner): the adapters of the Pluggable Scanner API
// v1.1 that scan artifacts for vulnerabilities, the system default, and each project's choice.
// Our own SBOM generator is registered too, as an immutable registration (like Harbor's bundled
// Trivy): it is the default until another one is made default, and it makes SBOMs only.
import { randomUUID } from 'node:crypto';
import { HarborError } from '../core/errors.js';
import type { MetaStores, Project, ScannerRegistration, ScannerRegistrationInput } from '../storage/meta/index.js';
import { isSysadmin, type AccessControl, type Principal } from './rbac.js';
import { SECRET_MASK, type SecretBox } from './registries.js';
import { SBOM_REPORT_MIME, type AdapterEndpoint, type AdapterMetadata, type ScannerAdapterClient } from './scanner-adapter.js';

/** The built-in SBOM generator's registration id (fixed, so a project's choice of it survives restarts). */
export const BUILTIN_SCANNER_UUID = '00000000-0000-4000-8000-686172626f72';
export const AUTH_TYPES = ['', 'Basic', 'Bearer', 'X-ScannerAdapter-API-Key'] as const;

/** A registration as the API shows it; `builtin` for our SBOM generator. */
export interface ScannerView extends Omit<ScannerRegistration, 'accessCredentialEnc'> {
  hasCredential: boolean;
  builtin: boolean;
  /** Filled by get(): what the adapter says of itself, and whether it answered. */
  metadata?: AdapterMetadata;
  health?: 'healthy' | 'unhealthy';
}

const EPOCH = '1970-01-01T00:00:00.000Z';

export class ScannerService {
  constructor(
    private readonly stores: Pick<MetaStores, 'scanners'>,
    private readonly access: AccessControl,
    private readonly box: SecretBox,
    private readonly client: ScannerAdapterClient,
    private readonly builtin: { version: string },
  ) {}

  /** Harbor's Scanner of our SBOM generator. */
  builtinMetadata(): AdapterMetadata {
    return {
      scanner: { name: 'harborctl', vendor: 'harborctl', version: this.builtin.version },
      capabilities: [{
        type: 'sbom', consumes_mime_types: ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'],
        produces_mime_types: [SBOM_REPORT_MIME],
      }],
      properties: { 'harbor.scanner-adapter/sbom-formats': 'spdx,cyclonedx' },
    };
  }

  private builtinView(isDefault: boolean): ScannerView {
    return {
      uuid: BUILTIN_SCANNER_UUID, name: 'harborctl', description: 'The built-in SBOM generator (SPDX and CycloneDX); no vulnerability scanning.',
      url: 'http://harborctl.invalid/builtin', auth: '', hasCredential: false, skipCertVerify: false, useInternalAddr: true, disabled: false,
      isDefault, createdAt: EPOCH, updatedAt: EPOCH, builtin: true,
    };
  }

  private view(r: ScannerRegistration): ScannerView {
    const { accessCredentialEnc, ...rest } = r;
    return { ...rest, hasCredential: accessCredentialEnc !== null, builtin: false };
  }

  private async requireSystem(actor: Principal, action: string): Promise<void> {
    if (await this.access.canSystem(actor, 'scanner', action)) return;
    throw new HarborError(actor.kind === 'anonymous' ? 'UNAUTHORIZED' : 'FORBIDDEN', 'scanner registrations are for system administrators');
  }

  /** Every registration, the built-in one first; exactly one is the default. */
  async all(): Promise<ScannerView[]> {
    const regs = await this.stores.scanners.listRegistrations();
    return [this.builtinView(!regs.some((r) => r.isDefault)), ...regs.map((r) => this.view(r))];
  }

  async list(actor: Principal): Promise<ScannerView[]> {
    await this.requireSystem(actor, 'list');
    return this.all();
  }

  /** A registration by uuid, NOT_FOUND otherwise. */
  async find(uuid: string): Promise<ScannerView> {
    const v = (await this.all()).find((r) => r.uuid === uuid);
    if (!v) throw new HarborError('NOT_FOUND', `scanner ${uuid.slice(0, 100)} not found`);
    return v;
  }

  /** GET /scanners/{id}: with the adapter's metadata and health, as Harbor's details show them. */
  async get(actor: Principal, uuid: string): Promise<ScannerView> {
    await this.requireSystem(actor, 'read');
    const v = await this.find(uuid);
    if (v.builtin) return { ...v, metadata: this.builtinMetadata(), health: 'healthy' };
    try {
      return { ...v, metadata: await this.client.metadata(await this.endpoint(uuid)), health: 'healthy' };
    } catch {
      return { ...v, health: 'unhealthy' };
    }
  }

  /** The adapter's address and credential (opened here, never shown). */
  async endpoint(uuid: string): Promise<AdapterEndpoint> {
    const r = await this.stores.scanners.getRegistration(uuid);
    if (!r) throw new HarborError('NOT_FOUND', `scanner ${uuid.slice(0, 100)} not found`);
    return { url: r.url, auth: r.auth, credential: r.accessCredentialEnc ? this.box.open(r.accessCredentialEnc) : '', skipCertVerify: r.skipCertVerify };
  }

  async metadata(actor: Principal, uuid: string): Promise<AdapterMetadata> {
    await this.requireSystem(actor, 'read');
    const v = await this.find(uuid);
    return v.builtin ? this.builtinMetadata() : this.client.metadata(await this.endpoint(uuid));
  }

  async create(actor: Principal, body: Record<string, unknown>): Promise<string> {
    await this.requireSystem(actor, 'create');
    const input = parseRegistration(body, null);
    const credential = input.credential;
    const uuid = randomUUID();
    await this.stores.scanners.createRegistration({ ...input.fields, uuid, accessCredentialEnc: credential ? this.box.seal(credential) : null });
    return uuid;
  }

  /** PUT: every field; an omitted or masked credential keeps the stored one while the auth type needs one (Harbor's rule). */
  async update(actor: Principal, uuid: string, body: Record<string, unknown>): Promise<void> {
    await this.requireSystem(actor, 'update');
    const v = await this.find(uuid);
    if (v.builtin) throw new HarborError('FORBIDDEN', `registration ${v.name} is not allowed to update as it is immutable: scanner API: update`);
    const old = (await this.stores.scanners.getRegistration(uuid))!;
    const input = parseRegistration(body, old);
    const enc = input.fields.auth === '' ? null : input.credential ? this.box.seal(input.credential) : old.accessCredentialEnc;
    if (!(await this.stores.scanners.updateRegistration({ ...input.fields, uuid, accessCredentialEnc: enc }))) {
      throw new HarborError('NOT_FOUND', `scanner ${uuid.slice(0, 100)} not found`);
    }
  }

  /** DELETE: the deleted registration. The built-in one is immutable (403). */
  async delete(actor: Principal, uuid: string): Promise<ScannerView> {
    await this.requireSystem(actor, 'delete');
    const v = await this.find(uuid);
    if (v.builtin) throw new HarborError('FORBIDDEN', `registration ${v.name} is not allowed to delete as it is immutable: scanner API: delete`);
    if (!(await this.stores.scanners.deleteRegistration(uuid))) throw new HarborError('NOT_FOUND', `scanner ${uuid.slice(0, 100)} not found`);
    return v;
  }

  /** PATCH {is_default: true}: the system default (false changes nothing, as in Harbor). */
  async setDefault(actor: Principal, uuid: string, isDefault: boolean): Promise<void> {
    await this.requireSystem(actor, 'update');
    if (!isDefault) return;
    const v = await this.find(uuid);
    await this.stores.scanners.setDefaultRegistration(v.builtin ? null : uuid);
  }

  /** POST /scanners/ping: the adapter's metadata with these settings; UPSTREAM_ERROR when it does not answer well. */
  async ping(actor: Principal, body: Record<string, unknown>): Promise<AdapterMetadata> {
    await this.requireSystem(actor, 'read');
    const input = parseRegistration(body, null);
    return this.client.metadata({ url: input.fields.url, auth: input.fields.auth, credential: input.credential ?? '', skipCertVerify: input.fields.skipCertVerify });
  }

  /** The registration a project scans with: its own choice when still registered and enabled, else the default. */
  async ofProject(projectId: number): Promise<ScannerView> {
    const all = await this.all();
    const chosen = await this.stores.scanners.getProjectScanner(projectId);
    return all.find((r) => r.uuid === chosen && !r.disabled) ?? all.find((r) => r.isDefault)!;
  }

  async getForProject(actor: Principal, p: Project): Promise<ScannerView> {
    if (actor.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    await this.access.require(actor, p, 'scanner', 'read');
    return this.ofProject(p.id);
  }

  async setForProject(actor: Principal, p: Project, uuid: unknown): Promise<void> {
    if (actor.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    await this.access.require(actor, p, 'scanner', 'create');
    if (typeof uuid !== 'string' || uuid === '') throw new HarborError('BAD_REQUEST', 'uuid is required: {"uuid":"<registration id>"}');
    const v = await this.find(uuid);
    if (v.disabled) throw new HarborError('BAD_REQUEST', `scanner ${v.name} is disabled`);
    await this.stores.scanners.setProjectScanner(p.id, uuid);
  }

  /** The registrations a project may choose (Harbor lists them all to those who may choose). */
  async candidates(actor: Principal, p: Project): Promise<ScannerView[]> {
    if (actor.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    if (!isSysadmin(actor)) await this.access.require(actor, p, 'scanner', 'create');
    return this.all();
  }
}

/**
 * A ScannerRegistrationReq (or ScannerRegistrationSettings) checked as Harbor's Registration.Validate:
 * a name, an http(s) URL, a known auth type and, with one, a credential (on update the stored one
 * may stand in: `old`). Booleans and the description default to the old values on update.
 */
export function parseRegistration(b: Record<string, unknown>, old: ScannerRegistration | null):
  { fields: Omit<ScannerRegistrationInput, 'uuid' | 'accessCredentialEnc'>; credential: string | null } {
  const str = (k: string): string | undefined => {
    const v = b[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new HarborError('BAD_REQUEST', `${k} must be a string`);
    return v;
  };
  const bool = (k: string, dflt: boolean): boolean => {
    const v = b[k];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') throw new HarborError('BAD_REQUEST', `${k} must be a boolean`);
    return v;
  };
  const name = (str('name') ?? '').trim();
  if (!name) throw new HarborError('BAD_REQUEST', 'missing registration name');
  if (name.length > 255) throw new HarborError('BAD_REQUEST', 'the registration name is longer than 255 characters');
  const url = validateHttpUrl(str('url') ?? '');
  const auth = str('auth') ?? '';
  if (!(AUTH_TYPES as readonly string[]).includes(auth)) throw new HarborError('BAD_REQUEST', `auth type ${auth.slice(0, 60)} is not supported`);
  const given = str('access_credential');
  const credential = given && given !== SECRET_MASK ? given : null;
  if (credential && credential.length > 4096) throw new HarborError('BAD_REQUEST', 'access_credential is longer than 4096 characters');
  if (auth && !credential && !(old?.accessCredentialEnc)) throw new HarborError('BAD_REQUEST', `access_credential is required for auth type ${auth}`);
  const description = str('description') ?? old?.description ?? '';
  if (description.length > 1024) throw new HarborError('BAD_REQUEST', 'the description is longer than 1024 characters');
  return {
    fields: {
      name, url, auth, description, skipCertVerify: bool('skip_certVerify', old?.skipCertVerify ?? false),
      useInternalAddr: bool('use_internal_addr', old?.useInternalAddr ?? false), disabled: bool('disabled', old?.disabled ?? false),
    },
    credential,
  };
}

/** Harbor's lib.ValidateHTTPURL: http or https (http when none is given), a host, no trailing slash. */
export function validateHttpUrl(raw: string): string {
  let s = raw.trim();
  if (!s) throw new HarborError('BAD_REQUEST', 'scanner registration validate: empty URL');
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) s = `http://${s}`;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new HarborError('BAD_REQUEST', `scanner registration validate: invalid URL ${JSON.stringify(raw.slice(0, 200))}`);
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !u.hostname || u.username || u.password) {
    throw new HarborError('BAD_REQUEST', `scanner registration validate: invalid HTTP URL ${JSON.stringify(raw.slice(0, 200))}`);
  }
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
}
