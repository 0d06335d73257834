// Harbor's labels (src/server/v2.0/handler/label.go): a global label (scope `g`) is the system
// admin's; a project label (scope `p`) its project's, managed by the project's admins and
// maintainers and read by its members. Which artifacts carry them is ArtifactService's part.
import { HarborError } from '../core/errors.js';
import type { Label, LabelScope, MetaStores, Project } from '../storage/meta/index.js';
import type { AccessControl, Action, Principal } from './rbac.js';

export interface LabelReq { name?: string; description?: string; color?: string; scope?: string; projectId?: number }

const MAX_NAME = 128;

export class LabelService {
  constructor(private readonly stores: Pick<MetaStores, 'labels' | 'projects'>, private readonly access: AccessControl) {}

  /** Harbor's requireAccess: the system's label permission for a global label, the project's for a project label. */
  private async require(actor: Principal, scope: LabelScope, projectId: number, action: Action): Promise<Project | null> {
    if (scope === 'g') {
      if (await this.access.canSystem(actor, 'label', action)) return null;
      if (actor.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
      throw new HarborError('FORBIDDEN', `${action} on global labels needs a system admin`);
    }
    const p = await this.stores.projects.getProjectById(projectId);
    if (!p) throw new HarborError('NOT_FOUND', `project ${projectId} not found`);
    await this.access.require(actor, p, 'label', action);
    return p;
  }

  private static checkName(name: string): void {
    if (name.length === 0) throw new HarborError('BAD_REQUEST', 'the label name cannot be empty');
    if (name.length > MAX_NAME) throw new HarborError('BAD_REQUEST', `the label name is longer than ${MAX_NAME} characters`);
  }

  async create(actor: Principal, r: LabelReq): Promise<Label> {
    const scope = r.scope;
    if (scope !== 'g' && scope !== 'p') throw new HarborError('BAD_REQUEST', `invalid scope: ${String(scope).slice(0, 100)}`);
    const projectId = scope === 'g' ? 0 : r.projectId ?? 0;
    if (scope === 'p' && projectId <= 0) throw new HarborError('BAD_REQUEST', `invalid project_id: ${projectId}`);
    await this.require(actor, scope, projectId, 'create');
    const name = r.name ?? '';
    LabelService.checkName(name);
    const l = await this.stores.labels.createLabel({ name, description: r.description ?? '', color: r.color ?? '', scope, projectId });
    if (!l) throw new HarborError('CONFLICT', `label ${name.slice(0, 200)} already exists`);
    return l;
  }

  private async find(id: number): Promise<Label> {
    const l = await this.stores.labels.getLabel(id);
    if (!l) throw new HarborError('NOT_FOUND', `label ${id} not found`);
    return l;
  }

  async get(actor: Principal, id: number): Promise<Label> {
    const l = await this.find(id);
    await this.require(actor, l.scope, l.projectId, 'read');
    return l;
  }

  /** ListLabels: `scope` g (anyone may list them) or p with a project the caller may list labels of. */
  async list(actor: Principal, scope: string | null, projectId: number | null): Promise<Label[]> {
    if (scope !== 'g' && scope !== 'p') throw new HarborError('BAD_REQUEST', `invalid scope: ${String(scope ?? '').slice(0, 100)}`);
    if (scope === 'g') return this.stores.labels.listLabels('g');
    if (!projectId) throw new HarborError('BAD_REQUEST', 'must with project ID when to query project labels');
    await this.require(actor, 'p', projectId, 'list');
    return this.stores.labels.listLabels('p', projectId);
  }

  /** UpdateLabel: name, description and color (Harbor replaces all three). */
  async update(actor: Principal, id: number, r: LabelReq): Promise<Label> {
    const l = await this.find(id);
    await this.require(actor, l.scope, l.projectId, 'update');
    const name = r.name ?? '';
    LabelService.checkName(name);
    const u = await this.stores.labels.updateLabel(id, { name, description: r.description ?? '', color: r.color ?? '' });
    if (u === 'conflict') throw new HarborError('CONFLICT', `label ${name.slice(0, 200)} already exists`);
    if (!u) throw new HarborError('NOT_FOUND', `label ${id} not found`);
    return u;
  }

  async delete(actor: Principal, id: number): Promise<void> {
    const l = await this.find(id);
    await this.require(actor, l.scope, l.projectId, 'delete');
    await this.stores.labels.deleteLabel(id);
  }
}
