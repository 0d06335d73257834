// /projects/{project}/immutabletagrules (swagger tag "immutable"): list, create, update (also to
// enable or disable), delete.
import { HarborError } from '../core/errors.js';
import { nameOrId, seg, type HarborClient } from './http.js';
import { notFound } from './projects.js';

export interface RuleSelector { kind: string; decoration: string; pattern: string; extras?: string }

/** Harbor's ImmutableRule (and the shape RetentionRule shares). */
export interface ImmutableRule {
  id?: number;
  priority?: number;
  disabled?: boolean;
  action?: string;
  template?: string;
  params?: Record<string, unknown>;
  tag_selectors: RuleSelector[];
  scope_selectors: { repository: RuleSelector[] };
}

const path = (project: string): { path: string; headers: Record<string, string> } => {
  const p = nameOrId(project);
  return { path: `/projects/${p.path}/immutabletagrules`, headers: p.headers };
};

export async function listImmutableRules(c: HarborClient, project: string): Promise<ImmutableRule[]> {
  const p = path(project);
  try {
    return (await c.list<ImmutableRule>(p.path, {}, { pageSize: 0 }, p.headers)).items;
  } catch (e) {
    throw notFound(e, `project ${project} not found`);
  }
}

export async function getImmutableRule(c: HarborClient, project: string, id: number): Promise<ImmutableRule> {
  const r = (await listImmutableRules(c, project)).find((x) => x.id === id);
  if (!r) throw new HarborError('NOT_FOUND', `immutable rule ${id} not found in project ${project}`);
  return r;
}

/** Creates a rule; its id (from the Location header). */
export async function createImmutableRule(c: HarborClient, project: string, rule: ImmutableRule): Promise<number> {
  const p = path(project);
  const res = await c.request('POST', p.path, { body: rule, headers: p.headers });
  return Number(/\/(\d+)$/.exec(res.headers.location ?? '')?.[1] ?? 0);
}

/** Harbor changes either the enabled state or the rule in one PUT (a changed `disabled` only toggles). */
export async function updateImmutableRule(c: HarborClient, project: string, id: number, rule: ImmutableRule): Promise<void> {
  const p = path(project);
  await c.request('PUT', `${p.path}/${seg(id)}`, { body: { ...rule, id }, headers: p.headers });
}

export async function deleteImmutableRule(c: HarborClient, project: string, id: number): Promise<void> {
  const p = path(project);
  await c.request('DELETE', `${p.path}/${seg(id)}`, { headers: p.headers });
}
