// Option parsing shared by the verbs; every check here runs before any network call.
import { HarborError } from '../../core/errors.js';
import type { PageOptions } from '../../client/http.js';
import { ROLES } from '../../client/types.js';
import type { Runtime } from '../runtime.js';
import { renderResult } from '../output/render.js';

export interface PageFlags { page?: string; pageSize?: string }

export function pageOptions(o: PageFlags): PageOptions {
  const page = o.page === undefined ? 1 : Number(o.page);
  const pageSize = o.pageSize === undefined ? 10 : Number(o.pageSize);
  if (!Number.isInteger(page) || page < 1) throw new HarborError('USAGE', `invalid --page ${JSON.stringify(o.page)}: a whole number from 1`);
  if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > 100) {
    throw new HarborError('USAGE', `invalid --page-size ${JSON.stringify(o.pageSize)}: 1 to 100, or 0 for every page`);
  }
  return { page, pageSize };
}

/** Tells a person at a table that there is more; scripts read X-Total-Count semantics from --page-size 0. */
export function moreNote(rt: Runtime, shown: number, total: number | undefined, page: PageOptions): void {
  if (page.pageSize === 0 || total === undefined) return;
  const seen = ((page.page ?? 1) - 1) * (page.pageSize ?? 10) + shown;
  if (seen < total) rt.info(`showing ${shown} of ${total}: use --page ${(page.page ?? 1) + 1} or --page-size 0 for all`);
}

export function parseRole(s: string): number {
  const t = s.trim().toLowerCase().replace(/[_\s]/g, '-');
  const byName = ROLES.find((r) => r.name === t || (t === 'projectadmin' && r.id === 1) || (t === 'project-admin' && r.id === 1) || (t === 'limitedguest' && r.id === 5));
  if (byName) return byName.id;
  if (/^[1-5]$/.test(t)) return Number(t);
  throw new HarborError('USAGE', `invalid role ${JSON.stringify(s)}: ${ROLES.map((r) => r.name).join(', ')} (or 1-5)`);
}

export function roleName(id: number): string {
  return ROLES.find((r) => r.id === id)?.name ?? String(id);
}

/** What every delete prints: {"kind","name","deleted":true} in JSON/YAML, one line in a table. */
export function printDeleted(rt: Runtime, kind: string, name: string, extra: Record<string, unknown> = {}): void {
  renderResult(rt.io, rt.opts.output, { kind, name, ...extra, deleted: true }, `deleted ${kind} ${name}`);
}

/** Harbor's rule selectors from the CLI's patterns: tag and repository doublestar patterns, matched or excluded. */
export function ruleSelectors(o: { tags?: string; repos?: string; excludeTags?: boolean; excludeRepos?: boolean }): {
  tag_selectors: { kind: string; decoration: string; pattern: string }[];
  scope_selectors: { repository: { kind: string; decoration: string; pattern: string }[] };
} {
  return {
    tag_selectors: [{ kind: 'doublestar', decoration: o.excludeTags ? 'excludes' : 'matches', pattern: o.tags ?? '**' }],
    scope_selectors: { repository: [{ kind: 'doublestar', decoration: o.excludeRepos ? 'repoExcludes' : 'repoMatches', pattern: o.repos ?? '**' }] },
  };
}

/** A positive integer argument (a rule, execution or task id), else a usage error. */
export function parseId(s: string, what: string): number {
  if (!/^[0-9]{1,15}$/.test(s) || Number(s) < 1) throw new HarborError('USAGE', `${what} must be a positive integer, got ${JSON.stringify(s.slice(0, 50))}`);
  return Number(s);
}
