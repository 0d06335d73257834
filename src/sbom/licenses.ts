// License strings as images record them are a mix of SPDX expressions ("MIT", "GPL-2.0-or-later AND
// BSD-3-Clause") and free text ("GPLv2+", "BSD-like"). Writers use an expression only when the
// string has the shape of one; anything else goes out as a named, unparsed license.

const TOKEN = /\s*(\(|\)|[A-Za-z0-9][A-Za-z0-9.+-]*|\S)/y;

/** True when `s` parses as an SPDX license expression (grammar of SPDX 2.3 Annex D; ids not checked against the list). */
export function looksLikeSpdxExpression(s: string): boolean {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  const text = s.trim();
  while (TOKEN.lastIndex < text.length && (m = TOKEN.exec(text))) tokens.push(m[1]!);
  if (tokens.length === 0) return false;
  let i = 0;
  const id = (t: string | undefined) => t !== undefined && /^[A-Za-z0-9][A-Za-z0-9.-]*\+?$/.test(t) && !['AND', 'OR', 'WITH'].includes(t)
    // Lower-case operators are free text, not an expression ("GPL or Artistic").
    && !['and', 'or', 'with'].includes(t.toLowerCase());
  const simple = (): boolean => {
    if (tokens[i] === '(') {
      i++;
      if (!expr() || tokens[i] !== ')') return false;
      i++;
      return true;
    }
    if (!id(tokens[i])) return false;
    i++;
    if (tokens[i] === 'WITH') { i++; if (!id(tokens[i])) return false; i++; }
    return true;
  };
  const expr = (): boolean => {
    if (!simple()) return false;
    while (tokens[i] === 'AND' || tokens[i] === 'OR') { i++; if (!simple()) return false; }
    return true;
  };
  // Free text such as "Python Software Foundation License" parses as ids separated by spaces: reject.
  return expr() && i === tokens.length;
}

/** One SPDX expression for all of a package's license strings, or null when any is free text. */
export function combinedExpression(licenses: readonly string[]): string | null {
  const uniq = [...new Set(licenses.map((l) => l.trim()).filter(Boolean))];
  if (uniq.length === 0 || !uniq.every(looksLikeSpdxExpression)) return null;
  if (uniq.length === 1) return uniq[0]!;
  return uniq.map((l) => (/\s(AND|OR)\s/.test(l) ? `(${l})` : l)).join(' AND ');
}
