// Glob matching as Harbor's selectors do it (bmatcuk/doublestar v1, src/lib/selector/selectors/
// doublestar): `*` any run of characters but `/`, `**` as a whole path segment any run of segments
// (none included), `?` one character but `/`, `[a-z]`/`[!a]`/`[^a]` classes, `{a,b}` alternatives
// (nesting allowed), `\x` a literal x. An empty pattern matches everything (Harbor's match()).
// Hostile patterns cannot blow up: matching is a table over (pattern position, text position), never
// backtracking, and a pattern's length and brace alternatives are bounded (compileGlob throws).
import { HarborError } from './errors.js';

export const MAX_GLOB_LENGTH = 256;
const MAX_ALTERNATIVES = 64;

type Token =
  | { t: 'lit'; c: string }
  | { t: 'one' }
  | { t: 'star' }
  /** `**`: `slash` when it was followed by `/` (zero or more whole segments with their slashes). */
  | { t: 'globstar'; slash: boolean }
  | { t: 'class'; neg: boolean; ranges: [string, string][] };

export type Glob = (text: string) => boolean;

/** Compiles a pattern; BAD_REQUEST when it is too long, has unbalanced braces or brackets, or too many alternatives. */
export function compileGlob(pattern: string): Glob {
  const cached = cache.get(pattern);
  if (cached) return cached;
  if (pattern.length > MAX_GLOB_LENGTH) throw bad(`pattern is longer than ${MAX_GLOB_LENGTH} characters`);
  const alternatives = expandBraces(pattern).map(tokenize);
  const glob: Glob = pattern === '' ? () => true : (text) => alternatives.some((tokens) => matchTokens(tokens, text));
  if (cache.size >= 512) cache.clear();
  cache.set(pattern, glob);
  return glob;
}

// Rules are evaluated per artifact: each pattern is compiled once (bounded: cleared when full).
const cache = new Map<string, Glob>();

function bad(msg: string): HarborError {
  return new HarborError('BAD_REQUEST', `invalid doublestar pattern: ${msg}`);
}

/** `a{b,c{d,e}}f` → abf, acdf, acef. Escapes are kept for tokenize. */
function expandBraces(p: string): string[] {
  let start = -1;
  let depth = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') { i++; continue; }
    if (c === '{') { if (depth++ === 0) start = i; }
    else if (c === '}') {
      if (depth === 0) throw bad('unbalanced }');
      if (--depth === 0) {
        const parts = splitTop(p.slice(start + 1, i));
        const rest = expandBraces(p.slice(i + 1));
        const out: string[] = [];
        for (const part of parts) {
          for (const head of expandBraces(p.slice(0, start) + part)) {
            for (const tail of rest) {
              out.push(head + tail);
              if (out.length > MAX_ALTERNATIVES) throw bad(`more than ${MAX_ALTERNATIVES} brace alternatives`);
            }
          }
        }
        return out;
      }
    }
  }
  if (depth !== 0) throw bad('unbalanced {');
  return [p];
}

/** Splits a brace body at its top-level commas. */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) { parts.push(s.slice(from, i)); from = i + 1; }
  }
  parts.push(s.slice(from));
  return parts;
}

function tokenize(p: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      if (i + 1 >= p.length) throw bad('trailing \\');
      out.push({ t: 'lit', c: p[++i] });
    } else if (c === '?') {
      out.push({ t: 'one' });
    } else if (c === '*') {
      let j = i;
      while (p[j + 1] === '*') j++;
      const wholeSegment = j > i && (i === 0 || p[i - 1] === '/') && (j + 1 === p.length || p[j + 1] === '/');
      if (wholeSegment) {
        const slash = p[j + 1] === '/';
        out.push({ t: 'globstar', slash });
        i = slash ? j + 1 : j;
      } else {
        out.push({ t: 'star' });
        i = j;
      }
    } else if (c === '[') {
      const end = p.indexOf(']', i + 2);
      if (end < 0) throw bad('unbalanced [');
      let body = p.slice(i + 1, end);
      const neg = body[0] === '!' || body[0] === '^';
      if (neg) body = body.slice(1);
      const ranges: [string, string][] = [];
      for (let k = 0; k < body.length; k++) {
        let lo = body[k];
        if (lo === '\\' && k + 1 < body.length) lo = body[++k];
        if (body[k + 1] === '-' && k + 2 < body.length) {
          let hi = body[k + 2];
          k += 2;
          if (hi === '\\' && k + 1 < body.length) hi = body[++k];
          ranges.push([lo, hi]);
        } else {
          ranges.push([lo, lo]);
        }
      }
      out.push({ t: 'class', neg, ranges });
      i = end;
    } else {
      out.push({ t: 'lit', c });
    }
  }
  return out;
}

function matchTokens(tokens: Token[], s: string): boolean {
  const n = s.length;
  const w = n + 1;
  // 0 unknown, 1 false, 2 true; `rest` memoizes "some later slash ends a globstar run".
  const memo = new Uint8Array((tokens.length + 1) * w);
  const rest = new Uint8Array((tokens.length + 1) * w);
  const f = (i: number, j: number): boolean => {
    const k = i * w + j;
    if (memo[k]) return memo[k] === 2;
    let r: boolean;
    if (i === tokens.length) {
      r = j === n;
    } else {
      const tk = tokens[i];
      switch (tk.t) {
        case 'lit': r = j < n && s[j] === tk.c && f(i + 1, j + 1); break;
        case 'one': r = j < n && s[j] !== '/' && f(i + 1, j + 1); break;
        case 'class': r = j < n && s[j] !== '/' && inClass(tk, s[j]) && f(i + 1, j + 1); break;
        case 'star': r = f(i + 1, j) || (j < n && s[j] !== '/' && f(i, j + 1)); break;
        case 'globstar': r = f(i + 1, j) || (tk.slash ? g(i, j) : j < n && f(i, j + 1)); break;
      }
    }
    memo[k] = r ? 2 : 1;
    return r;
  };
  // A `**/` that takes one or more segments: some slash at or after j, then the rest of the pattern.
  const g = (i: number, j: number): boolean => {
    const k = i * w + j;
    if (rest[k]) return rest[k] === 2;
    const r = j < n && ((s[j] === '/' && f(i + 1, j + 1)) || g(i, j + 1));
    rest[k] = r ? 2 : 1;
    return r;
  };
  return f(0, 0);
}

function inClass(tk: { neg: boolean; ranges: [string, string][] }, c: string): boolean {
  const hit = tk.ranges.some(([lo, hi]) => c >= lo && c <= hi);
  return hit !== tk.neg;
}
