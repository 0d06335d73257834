// JSON from clients, bounded in depth. V8's JSON.parse copes with any nesting, but JSON.stringify
// and every recursive walk over the result do not: a 30 KB document nested 5,000 levels deep
// overflows the stack wherever it is written back out (issue 13.4). No document the registry or
// Harbor's API defines comes near the bound; the check is one pass over the text before parsing.
import { HarborError, type ErrorCode } from './errors.js';

/** Deepest nesting of objects and arrays accepted in anything parsed from a client. */
export const MAX_JSON_DEPTH = 32;

/** True when `text` nests objects/arrays deeper than `max` (strings are skipped, escapes honoured). */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** Throws HarborError(code) when `text` nests deeper than MAX_JSON_DEPTH; `what` names the document. */
export function assertJsonDepth(text: string, code: ErrorCode, what: string): void {
  if (jsonTooDeep(text)) throw new HarborError(code, `${what} nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels`);
}

/** JSON.parse for stored client documents: undefined when unparseable or too deep, so a read path never fails on them. */
export function parseStoredJson(text: string): unknown {
  if (jsonTooDeep(text)) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
