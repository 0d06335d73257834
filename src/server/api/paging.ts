// Harbor's list conventions (harbor-notes §2.2): `page` (default 1) and `page_size` (default 10, at
// most 100), `X-Total-Count` and a `Link` header with rel="prev"/"next" joined by " , "; and the
// `q=` query language: `k=v` exact, `k=~v` fuzzy (substring), `k=[min~max]` range, `k={a b}` any of,
// `k=(a b)` all of (src/lib/q). Lists are filtered and paged here, after the service's access check,
// or in the store when they grow with use (audit logs, repositories: qCondition, sortKeys).
import { HarborError } from '../../core/errors.js';
import type { Condition, SortKey } from '../../storage/meta/index.js';
import { sendJson, type RequestContext } from '../context.js';

export const MAX_PAGE_SIZE = 100;

export type QValue =
  | { kind: 'exact'; value: string }
  | { kind: 'fuzzy'; value: string }
  | { kind: 'range'; min?: string; max?: string }
  | { kind: 'or'; values: string[] }
  | { kind: 'and'; values: string[] };

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && ((t[0] === '"' && t.endsWith('"')) || (t[0] === '\'' && t.endsWith('\''))) ? t.slice(1, -1) : t;
}

/**
 * Harbor unescapes `q` once more after the HTTP layer did (src/lib/q/builder.go, url.QueryUnescape:
 * `+` is a space), keeping it as it is when that fails; clients such as @hapic/harbor rely on it.
 */
function queryUnescape(q: string): string {
  try {
    return decodeURIComponent(q.replace(/\+/g, ' '));
  } catch {
    return q;
  }
}

/** Parses `q`; BAD_REQUEST on a malformed term. */
export function parseQuery(raw: string | null): Map<string, QValue> {
  const out = new Map<string, QValue>();
  if (!raw) return out;
  const q = queryUnescape(raw);
  for (const term of q.split(',')) {
    if (term.trim() === '') continue;
    const i = term.indexOf('=');
    if (i <= 0) throw new HarborError('BAD_REQUEST', `invalid query term ${JSON.stringify(term.slice(0, 100))}: use k=v, k=~v, k=[min~max], k={a b} or k=(a b)`);
    const key = term.slice(0, i).trim();
    const raw = term.slice(i + 1).trim();
    let v: QValue;
    if (raw.startsWith('~')) v = { kind: 'fuzzy', value: unquote(raw.slice(1)) };
    else if (raw.startsWith('[') && raw.endsWith(']')) {
      const [min, max] = raw.slice(1, -1).split('~').map(unquote);
      v = { kind: 'range', min: min || undefined, max: max || undefined };
    } else if (raw.startsWith('{') && raw.endsWith('}')) v = { kind: 'or', values: raw.slice(1, -1).split(/\s+/).filter(Boolean).map(unquote) };
    else if (raw.startsWith('(') && raw.endsWith(')')) v = { kind: 'and', values: raw.slice(1, -1).split(/\s+/).filter(Boolean).map(unquote) };
    else v = { kind: 'exact', value: unquote(raw) };
    out.set(key, v);
  }
  return out;
}

type FieldValue = string | number | boolean | null | undefined | string[];

function matches(v: FieldValue, q: QValue): boolean {
  if (Array.isArray(v)) {
    if (q.kind === 'and') return q.values.every((x) => v.includes(x));
    return v.some((x) => matches(x, q));
  }
  if (v === null || v === undefined) return false;
  const s = String(v);
  switch (q.kind) {
    case 'exact': return s === q.value;
    case 'fuzzy': return s.toLowerCase().includes(q.value.toLowerCase()); // Harbor's __icontains
    case 'or': return q.values.includes(s);
    case 'and': return q.values.every((x) => x === s);
    case 'range': {
      const num = typeof v === 'number';
      const cmp = (a: string): number => (num ? (v as number) - Number(a) : s.localeCompare(a));
      return (q.min === undefined || cmp(q.min) >= 0) && (q.max === undefined || cmp(q.max) <= 0);
    }
  }
}

export type Fields<T> = Record<string, (t: T) => FieldValue>;

/**
 * Filters items by `q` over the given fields. A key not in `fields` is ignored, as Harbor's ORM
 * skips keys that are not filterable columns of the model (src/lib/orm/query.go setFilters).
 */
export function filterByQuery<T>(items: T[], q: Map<string, QValue>, fields: Fields<T>): T[] {
  const known = [...q].filter(([k]) => Object.hasOwn(fields, k));
  return items.filter((it) => known.every(([k, v]) => matches(fields[k](it), v)));
}

/**
 * Sorts by `sort=f1,-f2` over the given fields. Unknown keys are skipped and, when none is left,
 * `dflt` applies (Harbor's setSorts and the model's default sorts); without one, the order stays.
 */
export function sortBy<T>(items: T[], sort: string | null, fields: Fields<T>, dflt?: string): T[] {
  const known = Object.keys(fields);
  let keys = sortKeys(sort, known);
  if (keys.length === 0) keys = sortKeys(dflt ?? null, known);
  if (keys.length === 0) return items;
  return [...items].sort((a, b) => {
    for (const { column, dir } of keys) {
      const x = fields[column](a);
      const y = fields[column](b);
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x ?? '').localeCompare(String(y ?? ''));
      if (c !== 0) return dir === 'desc' ? -c : c;
    }
    return 0;
  });
}

/** `sort=f1,-f2` as keys, skipping those not in `known` (Harbor's setSorts). */
export function sortKeys<C extends string>(sort: string | null, known: readonly C[]): SortKey<C>[] {
  return (sort ?? '').split(',').map((x) => x.trim()).filter(Boolean)
    .map((x) => (x.startsWith('-') ? { column: x.slice(1), dir: 'desc' as const } : { column: x, dir: 'asc' as const }))
    .filter((k): k is SortKey<C> => (known as readonly string[]).includes(k.column));
}

/** A q= term as a store's condition on `column` (storage/meta/query.ts); `norm` gives a value's stored form. */
export function qCondition<C extends string>(column: C, v: QValue, norm: (x: string) => string = (x) => x): Condition<C> {
  switch (v.kind) {
    case 'exact': return { column, kind: 'exact', value: norm(v.value) };
    case 'fuzzy': return { column, kind: 'fuzzy', value: v.value };
    case 'or': return { column, kind: 'in', values: v.values.map(norm) };
    // Every value equal to the one the row holds: only when they are all the same.
    case 'and': return { column, kind: 'in', values: new Set(v.values).size <= 1 ? v.values.map(norm) : [] };
    case 'range': return { column, kind: 'range', min: v.min === undefined ? undefined : norm(v.min), max: v.max === undefined ? undefined : norm(v.max) };
  }
}

/** q= over the keys a store filters on, as its conditions (other keys are ignored, as Harbor's ORM does). */
export function qConditions<C extends string>(raw: string | null, known: readonly C[]): Condition<C>[] {
  return [...parseQuery(raw)].filter(([k]) => (known as readonly string[]).includes(k)).map(([k, v]) => qCondition(k as C, v));
}

export interface PageParams { page: number; pageSize: number }

function intParam(ctx: RequestContext, name: string, dflt: number): number {
  const v = ctx.query.get(name);
  if (v === null || v === '') return dflt;
  if (!/^-?[0-9]{1,15}$/.test(v)) throw new HarborError('BAD_REQUEST', `${name} must be an integer`);
  return Number(v);
}

/** page / page_size; page_size above 100 is refused with 422 as go-swagger's validation does. */
export function pageParams(ctx: RequestContext): PageParams {
  const page = intParam(ctx, 'page', 1);
  const pageSize = intParam(ctx, 'page_size', 10);
  if (page < 1) throw new HarborError('BAD_REQUEST', 'page must be at least 1');
  if (pageSize > MAX_PAGE_SIZE) throw new HarborError('UNPROCESSABLE_ENTITY', `page_size in query should be less than or equal to ${MAX_PAGE_SIZE}`);
  if (pageSize < 1) throw new HarborError('BAD_REQUEST', 'page_size must be at least 1');
  return { page, pageSize };
}

/** The rows a page asks for, for a store that pages in SQL. */
export function pageWindow(ctx: RequestContext): { offset: number; limit: number } {
  const p = pageParams(ctx);
  return { offset: (p.page - 1) * p.pageSize, limit: p.pageSize };
}

/** Harbor's Link header: the request path and query with page/page_size replaced (base.go Links). */
export function linkHeader(ctx: RequestContext, p: PageParams, total: number): string | undefined {
  const raw = ctx.req.url ?? '';
  const qi = raw.indexOf('?');
  const path = qi < 0 ? raw : raw.slice(0, qi);
  const link = (page: number, rel: string): string => {
    const q = new URLSearchParams(ctx.query);
    q.set('page', String(page));
    q.set('page_size', String(p.pageSize));
    return `<${path}?${q.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (p.page > 1 && total > 0) links.push(link(p.page - 1, 'prev'));
  if (p.page * p.pageSize < total) links.push(link(p.page + 1, 'next'));
  return links.length ? links.join(' , ') : undefined;
}

/** Sends a page the store already cut, with X-Total-Count and Link for its `total`. */
export function sendStorePage<T>(ctx: RequestContext, items: T[], total: number, render: (t: T) => unknown): void {
  sendJson(ctx, 200, items.map(render), pageHeaders(ctx, pageParams(ctx), total));
}

function pageHeaders(ctx: RequestContext, p: PageParams, total: number): Record<string, string> {
  const headers: Record<string, string> = { 'X-Total-Count': String(total) };
  const link = linkHeader(ctx, p, total);
  if (link) headers.Link = link;
  return headers;
}

/** Pages a full list and sends it with X-Total-Count and Link. */
export function sendPage<T>(ctx: RequestContext, items: T[], render: (t: T) => unknown): void {
  const { slice, headers } = pageOf(ctx, items);
  sendJson(ctx, 200, slice.map(render), headers);
}

/** sendPage for renderers that read more (accessories, SBOM status): only the page's items are rendered. */
export async function sendPageAsync<T>(ctx: RequestContext, items: T[], render: (t: T) => Promise<unknown>): Promise<void> {
  const { slice, headers } = pageOf(ctx, items);
  const out: unknown[] = [];
  for (const t of slice) out.push(await render(t));
  sendJson(ctx, 200, out, headers);
}

function pageOf<T>(ctx: RequestContext, items: T[]): { slice: T[]; headers: Record<string, string> } {
  const p = pageParams(ctx);
  return { slice: items.slice((p.page - 1) * p.pageSize, p.page * p.pageSize), headers: pageHeaders(ctx, p, items.length) };
}
