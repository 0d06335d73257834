// Harbor's rule selectors (src/lib/selector/selectors/doublestar), shared by immutable tag rules and
// retention rules: `{kind:"doublestar", decoration, pattern, extras}`. Tag selectors decorate with
// `matches`/`excludes` (and `extras: {"untagged": bool}` for artifacts without tags), repository
// selectors with `repoMatches`/`repoExcludes`, on the repository's name inside its project.
import { HarborError } from '../core/errors.js';
import { compileGlob } from '../core/doublestar.js';

export interface Selector { kind: 'doublestar'; decoration: string; pattern: string; extras: string }

export const TAG_DECORATIONS = ['matches', 'excludes'] as const;
export const REPO_DECORATIONS = ['repoMatches', 'repoExcludes'] as const;

/** The body fields every rule shares (Harbor's ImmutableRule and RetentionRule). */
export interface RuleBody {
  priority: number;
  action: string;
  template: string;
  params: Record<string, number>;
  tag_selectors: Selector[];
  scope_selectors: { repository: Selector[] };
}

function bad(msg: string): HarborError {
  return new HarborError('BAD_REQUEST', msg);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Record<string, unknown>, key: string, where: string): string {
  const v = Object.hasOwn(o, key) ? o[key] : undefined;
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw bad(`${where}.${key} must be a string`);
  return v;
}

export function parseSelector(v: unknown, decorations: readonly string[], where: string): Selector {
  if (!isObject(v)) throw bad(`${where} must be an object`);
  const kind = str(v, 'kind', where);
  if (kind !== 'doublestar') throw bad(`${where}.kind must be "doublestar"`);
  const decoration = str(v, 'decoration', where);
  if (!decorations.includes(decoration)) throw bad(`${where}.decoration must be one of ${decorations.join(', ')}`);
  const pattern = str(v, 'pattern', where);
  if (pattern === '') throw bad(`${where}.pattern is required`);
  compileGlob(pattern);
  const extras = str(v, 'extras', where);
  if (extras !== '') untaggedOf(extras, where);
  return { kind, decoration, pattern, extras };
}

/** `{"untagged": bool}` from a selector's extras, or undefined when it does not say. */
function untaggedOf(extras: string, where = 'selector'): boolean | undefined {
  let o: unknown;
  try {
    o = extras.length <= 1024 ? JSON.parse(extras) : undefined;
  } catch {
    o = undefined;
  }
  if (!isObject(o)) throw bad(`${where}.extras must be a JSON object such as {"untagged":true}`);
  const u = Object.hasOwn(o, 'untagged') ? o.untagged : undefined;
  if (u !== undefined && typeof u !== 'boolean') throw bad(`${where}.extras.untagged must be a boolean`);
  return u;
}

/**
 * Whether a tag selector selects an artifact with these tags (Harbor's tagSelectMatch and
 * tagSelectExclude): `matches` when any tag matches, `excludes` when any tag does not; an untagged
 * artifact is selected per `untagged` (extras, else `untaggedDefault`, else Harbor's default: true
 * for matches, false for excludes).
 */
export function tagSelects(sel: Selector, tags: readonly string[], untaggedDefault?: boolean): boolean {
  const match = compileGlob(sel.pattern);
  const untagged = (sel.extras ? untaggedOf(sel.extras) : undefined) ?? untaggedDefault ?? sel.decoration === 'matches';
  if (tags.length === 0) return sel.decoration === 'matches' ? untagged : !untagged;
  return sel.decoration === 'matches' ? tags.some((t) => match(t)) : tags.some((t) => !match(t));
}

/** Whether a repository selector selects a repository (its name inside the project). */
export function repoSelects(sel: Selector, repository: string): boolean {
  const m = compileGlob(sel.pattern)(repository);
  return sel.decoration === 'repoExcludes' ? !m : m;
}

/** The repository's name inside its project (`library/a/b` → `a/b`), as Harbor's selectors see it. */
export function shortName(repository: string): string {
  const i = repository.indexOf('/');
  return i < 0 ? repository : repository.slice(i + 1);
}

/** Parses the shared fields of a rule; `params` only for the keys `paramKeys` allows (non-negative integers). */
export function parseRuleBody(o: Record<string, unknown>, defaults: { action: string; template: string }, paramKeys: readonly string[] = []): RuleBody {
  const priority = Object.hasOwn(o, 'priority') && o.priority !== null && o.priority !== undefined ? o.priority : 0;
  if (typeof priority !== 'number' || !Number.isSafeInteger(priority)) throw bad('priority must be an integer');
  const action = str(o, 'action', 'rule') || defaults.action;
  const template = str(o, 'template', 'rule') || defaults.template;
  const params: Record<string, number> = {};
  const p = Object.hasOwn(o, 'params') ? o.params : undefined;
  if (p !== undefined && p !== null) {
    if (!isObject(p)) throw bad('params must be an object');
    for (const k of paramKeys) {
      if (!Object.hasOwn(p, k)) continue;
      const v = p[k];
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(`params.${k} must be a non-negative integer`);
      params[k] = v;
    }
  }
  const ts = Object.hasOwn(o, 'tag_selectors') ? o.tag_selectors : undefined;
  if (!Array.isArray(ts) || ts.length === 0 || ts.length > 16) throw bad('tag_selectors must list 1 to 16 selectors');
  const tag_selectors = ts.map((s, i) => parseSelector(s, TAG_DECORATIONS, `tag_selectors[${i}]`));
  const ss = Object.hasOwn(o, 'scope_selectors') ? o.scope_selectors : undefined;
  if (!isObject(ss)) throw bad('scope_selectors must be an object with a "repository" list');
  for (const k of Object.keys(ss)) if (k !== 'repository') throw bad(`scope_selectors.${k.slice(0, 50)} is not supported (only "repository")`);
  const repo = Object.hasOwn(ss, 'repository') ? ss.repository : undefined;
  if (!Array.isArray(repo) || repo.length === 0 || repo.length > 16) throw bad('scope_selectors.repository must list 1 to 16 selectors');
  const repository = repo.map((s, i) => parseSelector(s, REPO_DECORATIONS, `scope_selectors.repository[${i}]`));
  return { priority, action, template, params, tag_selectors, scope_selectors: { repository } };
}
