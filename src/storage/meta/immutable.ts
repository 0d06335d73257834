// Immutable tag rules (Harbor's immutable_tag_rule): per project, the rule kept as JSON as Harbor
// keeps its tag_filter; the services parse and match it.

export interface ImmutableRuleRecord {
  id: number;
  projectId: number;
  disabled: boolean;
  /** The rule's JSON (priority, action, template, params, selectors), without id and disabled. */
  rule: string;
}

/** Immutable tag rules. A rule's JSON is unique per project (Harbor: "immutable rule already exists"). */
export interface ImmutableRuleStore {
  /** The project's rules by id. */
  listImmutableRules(projectId: number): Promise<ImmutableRuleRecord[]>;
  getImmutableRule(id: number): Promise<ImmutableRuleRecord | null>;
  /** CONFLICT when the project has the same rule already. */
  createImmutableRule(projectId: number, rule: string, disabled: boolean): Promise<ImmutableRuleRecord>;
  /** False when there is no such rule; CONFLICT as create. */
  updateImmutableRule(id: number, rule: string, disabled: boolean): Promise<boolean>;
  deleteImmutableRule(id: number): Promise<boolean>;
}
