// RFC 822-style paragraphs as dpkg's status file and Python's METADATA/PKG-INFO use them: "Key: value",
// continuation lines start with a space or tab, paragraphs are separated by blank lines.

export type Paragraph = Map<string, string>;

export function parseParagraphs(text: string, opts: { stopAtBlank?: boolean } = {}): Paragraph[] {
  const out: Paragraph[] = [];
  let cur: Paragraph = new Map();
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      if (cur.size) out.push(cur);
      if (opts.stopAtBlank && cur.size) return out;
      cur = new Map();
      last = undefined;
      continue;
    }
    if ((line[0] === ' ' || line[0] === '\t') && last !== undefined) {
      cur.set(last, `${cur.get(last)}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    // Repeated keys (Classifier:) are kept, newline-separated.
    cur.set(last, cur.has(last) ? `${cur.get(last)}\n${value}` : value);
  }
  if (cur.size) out.push(cur);
  return out;
}
