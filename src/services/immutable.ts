// Immutable tag rules (Harbor's /projects/{p}/immutabletagrules, src/pkg/immutable and
// src/server/middleware/immutable): a tag is immutable when any enabled rule's first repository
// selector and first tag selector both select it (untagged never does). guard() turns a project's
// rules into the content store's TagGuard, so the check runs inside the store's write transaction:
// a tag cannot move or go between the check and the write. A rule created while a push is in
// flight orders after that push (the push read the rules before the rule existed).
import { HarborError } from '../core/errors.js';
import type { ImmutableRuleRecord, MetaStores, Project, TagGuard } from '../storage/meta/index.js';
import type { AccessControl, Principal } from './rbac.js';
import { parseRuleBody, repoSelects, type RuleBody, shortName, tagSelects } from './selectors.js';

export interface ImmutableRuleView extends RuleBody { id: number; disabled: boolean }

/** The TagGuard for a repository (full name) of a project, undefined when nothing needs guarding. */
export type TagGuardFor = (projectId: number, repository: string) => Promise<TagGuard | undefined>;

const DEFAULTS = { action: 'immutable', template: 'immutable_template' };

export class ImmutableService {
  constructor(private readonly stores: Pick<MetaStores, 'immutable'>, private readonly access: AccessControl) {}

  async list(actor: Principal, p: Project): Promise<ImmutableRuleView[]> {
    await this.access.require(actor, p, 'immutable-tag', 'list');
    return (await this.stores.immutable.listImmutableRules(p.id)).map(view);
  }

  async create(actor: Principal, p: Project, body: Record<string, unknown>): Promise<number> {
    await this.access.require(actor, p, 'immutable-tag', 'create');
    const rule = parseRuleBody(body, DEFAULTS);
    return (await this.stores.immutable.createImmutableRule(p.id, JSON.stringify(rule), body.disabled === true)).id;
  }

  /** Harbor's UpdateImmutableRule: a changed `disabled` only toggles the rule; otherwise the rule is replaced. */
  async update(actor: Principal, p: Project, id: number, body: Record<string, unknown>): Promise<void> {
    if (body.id !== id) throw new HarborError('BAD_REQUEST', "the immutable_rule_id doesn't match the id in the payload body of ImmutableRule");
    await this.access.require(actor, p, 'immutable-tag', 'update');
    const old = await this.owned(p, id);
    const disabled = body.disabled === true;
    const rule = disabled !== old.disabled ? old.rule : JSON.stringify(parseRuleBody(body, DEFAULTS));
    await this.stores.immutable.updateImmutableRule(id, rule, disabled);
  }

  async delete(actor: Principal, p: Project, id: number): Promise<void> {
    await this.access.require(actor, p, 'immutable-tag', 'delete');
    await this.owned(p, id);
    await this.stores.immutable.deleteImmutableRule(id);
  }

  private async owned(p: Project, id: number): Promise<ImmutableRuleRecord> {
    const r = await this.stores.immutable.getImmutableRule(id);
    if (!r || r.projectId !== p.id) throw new HarborError('NOT_FOUND', `immutable rule ${id} not found in project ${p.name}`);
    return r;
  }

  /** Whether a tag of a repository (its full name) is immutable under the project's enabled rules. */
  async matcher(projectId: number): Promise<((repository: string, tag: string) => boolean) | undefined> {
    const rules = (await this.stores.immutable.listImmutableRules(projectId)).filter((r) => !r.disabled).map(view);
    if (rules.length === 0) return undefined;
    return (repository, tag) => {
      const repo = shortName(repository);
      return rules.some((r) => repoSelects(r.scope_selectors.repository[0], repo) && tagSelects(r.tag_selectors[0], [tag], false));
    };
  }

  /**
   * The content store's TagGuard for a repository: refuses moving an immutable tag (a push, with
   * Harbor's 412 message of src/server/middleware/immutable) and deleting one (Harbor's tag
   * controller message), or undefined when the project has no enabled rule.
   */
  readonly guard: TagGuardFor = async (projectId, repository) => {
    const immutable = await this.matcher(projectId);
    if (!immutable) return undefined;
    return (tag, change) => {
      if (!immutable(repository, tag)) return;
      throw new HarborError('PRECONDITION', change === 'move'
        ? `Failed to process request due to '${shortName(repository)}:${tag}' configured as immutable.`
        : `the tag ${tag} configured as immutable, cannot be deleted`);
    };
  };
}

function view(r: ImmutableRuleRecord): ImmutableRuleView {
  return { id: r.id, disabled: r.disabled, ...(JSON.parse(r.rule) as RuleBody) };
}
