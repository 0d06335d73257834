// Project storage quotas as Harbor's quota API shows them (src/server/v2.0/handler/quota.go,
// src/pkg/quota): one quota per project, `hard.storage` and `used.storage` in bytes, -1 = no limit.
// The quota's id is its project's id. What counts (see also storage/meta/sqlite/migrations.ts §3):
// every distinct digest linked into one of the project's repositories, blobs and manifests alike,
// once per project however many repositories share it. A blob uploaded but not (yet) referenced by a
// manifest counts too, since it takes space; deleting an artifact unlinks the blobs no other artifact
// of its repository references, so usage falls at once, with no wait for garbage collection.
// Enforcement lives in the content store's transactions (linkBlob, putManifest): the check and the
// usage update are one SQLite transaction, so concurrent pushes cannot overshoot the limit.
import { HarborError } from '../core/errors.js';
import type { MetaStores, Project, QuotaShortfall } from '../storage/meta/index.js';
import type { AccessControl, Principal } from './rbac.js';

export const UNLIMITED = -1;

export interface ProjectQuota { id: number; project: Project; hard: number; used: number }

export interface QuotaCheck { id: number; used: number; recount: number; drift: number }

/** "1.2 MiB", as Harbor writes sizes in its quota message. */
export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** Harbor's quota-exceeded error (403 DENIED), naming the size asked for, the usage and the limit. */
export function quotaExceeded(q: QuotaShortfall, projectName?: string): HarborError {
  const of = projectName ? ` of project ${projectName}` : '';
  return new HarborError('DENIED', `Quota exceeded when processing the request of adding ${humanBytes(q.requested)} (${q.requested} bytes) of storage resource, `
    + `which when updated to current usage of ${humanBytes(q.used)} (${q.used} bytes) will exceed the configured upper limit of ${humanBytes(q.limit)} (${q.limit} bytes)${of}.`);
}

/** -1 or a positive number of bytes, as Harbor accepts for `storage_limit` and `hard.storage`. */
export function checkStorageLimit(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < UNLIMITED || v === 0) {
    throw new HarborError('BAD_REQUEST', `${field} must be -1 (unlimited) or a positive number of bytes`);
  }
  return v;
}

export class QuotaService {
  constructor(private readonly stores: Pick<MetaStores, 'projects'>, private readonly access: AccessControl) {}

  /** Harbor gives the quota API to system-level quota permission holders only (the system admin). */
  private async require(actor: Principal, action: 'read' | 'list' | 'update'): Promise<void> {
    if (await this.access.canSystem(actor, 'quota', action)) return;
    if (actor.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    throw new HarborError('FORBIDDEN', `${action} on quota is for system administrators`);
  }

  private view(p: Project): ProjectQuota {
    return { id: p.id, project: p, hard: p.storageLimit, used: p.storageUsed };
  }

  async list(actor: Principal, filter: { reference?: string; referenceId?: string }): Promise<ProjectQuota[]> {
    await this.require(actor, 'list');
    if (filter.reference !== undefined && filter.reference !== '' && filter.reference !== 'project') return [];
    let all = await this.stores.projects.listProjects();
    if (filter.referenceId) all = all.filter((p) => String(p.id) === filter.referenceId);
    return all.map((p) => this.view(p));
  }

  private async project(id: number): Promise<Project> {
    const p = await this.stores.projects.getProjectById(id);
    if (!p) throw new HarborError('NOT_FOUND', `quota ${id} not found`);
    return p;
  }

  async get(actor: Principal, id: number): Promise<ProjectQuota> {
    await this.require(actor, 'read');
    return this.view(await this.project(id));
  }

  async update(actor: Principal, id: number, hard: unknown): Promise<ProjectQuota> {
    await this.require(actor, 'update');
    if (typeof hard !== 'object' || hard === null || Array.isArray(hard)) throw new HarborError('BAD_REQUEST', 'hard must be an object such as {"storage": 1073741824}');
    for (const k of Object.keys(hard)) if (k !== 'storage') throw new HarborError('BAD_REQUEST', `unsupported quota resource ${JSON.stringify(k.slice(0, 50))}; only storage`);
    const storage = checkStorageLimit((hard as Record<string, unknown>).storage, 'hard.storage');
    await this.project(id);
    return this.view((await this.stores.projects.updateProject(id, { storageLimit: storage }))!);
  }

  /** The project's usage counted from scratch. */
  async recount(projectId: number): Promise<number> {
    return this.stores.projects.recountUsage(projectId);
  }

  /** Compares the kept usage with a recount (`harborctl quota verify`); system admins only. */
  async verify(actor: Principal, id: number): Promise<QuotaCheck> {
    await this.require(actor, 'read');
    const p = await this.project(id);
    const recount = await this.recount(p.id);
    return { id: p.id, used: p.storageUsed, recount, drift: p.storageUsed - recount };
  }
}

