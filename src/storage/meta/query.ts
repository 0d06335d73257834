// Harbor's `q=` conditions (src/lib/q) as SQL that SQLite and PostgreSQL both run, for the lists that
// filter and page in the database (audit logs, repositories) instead of over every row in memory.
// Column names come from each list's fixed map, never from the request's text.

/** One condition on a column: exact, substring (case-insensitive, as Harbor's `__icontains`), any of, or a range (inclusive). */
export type Condition<C extends string = string> =
  | { column: C; kind: 'exact'; value: string }
  | { column: C; kind: 'fuzzy'; value: string }
  | { column: C; kind: 'in'; values: string[] }
  | { column: C; kind: 'range'; min?: string; max?: string };

/**
 * What differs between the backends here: the LIKE that ignores case. SQLite's LIKE does (for ASCII,
 * as its lower() does); PostgreSQL's ILIKE. A lower() on every row cost half again (10,000 names).
 */
export interface Dialect { ilike: 'LIKE' | 'ILIKE' }
export const SQLITE_DIALECT: Dialect = { ilike: 'LIKE' };
export const PG_DIALECT: Dialect = { ilike: 'ILIKE' };

/** A list's column: its SQL expression, and whether it holds integers (a value that is none matches nothing). */
export interface Column { sql: string; int?: boolean }

const NOTHING = '1 = 0';

/** An integer as a query gives it ("7", not "07" or "7.0"), else null: Harbor compares the text the column shows. */
function intOf(v: string): number | null {
  return /^-?(0|[1-9][0-9]{0,14})$/.test(v) ? Number(v) : null;
}

/**
 * The conditions as clauses to AND together, with their `?` arguments in order. Throws on a
 * column the map does not have: the caller checks keys against the same map first.
 */
export function conditionsSql<C extends string>(columns: Record<C, Column>, conds: readonly Condition<C>[], dialect: Dialect): { clauses: string[]; args: (string | number)[] } {
  const clauses: string[] = [];
  const args: (string | number)[] = [];
  for (const c of conds) {
    if (!Object.hasOwn(columns, c.column)) throw new Error(`unknown column ${String(c.column)}`);
    const col = columns[c.column];
    const value = (v: string): string | number | null => (col.int ? intOf(v) : v);
    switch (c.kind) {
      case 'exact': {
        const v = value(c.value);
        if (v === null) clauses.push(NOTHING);
        else { clauses.push(`${col.sql} = ?`); args.push(v); }
        break;
      }
      case 'fuzzy':
        clauses.push(`${col.int ? `CAST(${col.sql} AS TEXT)` : col.sql} ${dialect.ilike} ? ESCAPE '\\'`);
        args.push(`%${c.value.replace(/[\\%_]/g, (x) => `\\${x}`)}%`);
        break;
      case 'in': {
        const vs = c.values.map(value).filter((v): v is string | number => v !== null);
        if (vs.length === 0) clauses.push(NOTHING);
        else { clauses.push(`${col.sql} IN (${vs.map(() => '?').join(', ')})`); args.push(...vs); }
        break;
      }
      case 'range':
        for (const [bound, op] of [[c.min, '>='], [c.max, '<=']] as const) {
          if (bound === undefined) continue;
          // An integer column compares numbers: a bound that is none matches nothing.
          const v = col.int ? (/^\s*-?[0-9]+(\.[0-9]+)?\s*$/.test(bound) ? (op === '>=' ? Math.ceil(Number(bound)) : Math.floor(Number(bound))) : null) : bound;
          if (v === null) clauses.push(NOTHING);
          else { clauses.push(`${col.sql} ${op} ?`); args.push(v); }
        }
        break;
    }
  }
  return { clauses, args };
}

/** A sort key: a column of the list's map and a direction. */
export interface SortKey<C extends string = string> { column: C; dir: 'asc' | 'desc' }

/** ORDER BY over the keys, then `tieBreak` (a unique column, unless a key is it) so that pages never overlap. */
export function orderSql<C extends string>(columns: Record<C, Column>, keys: readonly SortKey<C>[], tieBreak: string): string {
  const parts = keys.map((k) => {
    if (!Object.hasOwn(columns, k.column)) throw new Error(`unknown column ${String(k.column)}`);
    return `${columns[k.column].sql} ${k.dir === 'desc' ? 'DESC' : 'ASC'}`;
  });
  const last = keys.some((k) => columns[k.column].sql === tieBreak) ? [] : [tieBreak];
  return `ORDER BY ${[...parts, ...last].join(', ')}`;
}
