// Human sizes the CLI accepts for quotas: "10GiB", "500MB", "1.5TiB", "1024" (bytes), "-1" (unlimited,
// Harbor's UNLIMITED in src/pkg/quota/types/resources.go). Binary (KiB) and decimal (KB) units both work.
import { HarborError } from './errors.js';

// A Map: the unit is the user's word, and `constructor` must not find Object's.
const UNITS = new Map<string, number>(Object.entries({
  b: 1,
  k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, p: 1e15, pb: 1e15,
  ki: 2 ** 10, kib: 2 ** 10, mi: 2 ** 20, mib: 2 ** 20, gi: 2 ** 30, gib: 2 ** 30, ti: 2 ** 40, tib: 2 ** 40, pi: 2 ** 50, pib: 2 ** 50,
}));

/** Bytes for a human size; -1 means unlimited. */
export function parseSize(s: string): number {
  const t = s.trim();
  if (t === '-1' || t.toLowerCase() === 'unlimited') return -1;
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(t);
  const unit = m ? UNITS.get(m[2].toLowerCase() || 'b') : undefined;
  if (!m || unit === undefined) {
    throw new HarborError('USAGE', `invalid size ${JSON.stringify(s)}: use a number and a unit, e.g. 500MiB, 10GiB, 1TB, or -1 for unlimited`);
  }
  const bytes = Math.round(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes)) throw new HarborError('USAGE', `size ${JSON.stringify(s)} is too large`);
  return bytes;
}

/** "1.5 GiB" for humans (tables); exact bytes stay in -o json. */
export function formatSize(bytes: number): string {
  if (bytes < 0) return 'unlimited';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return i === 0 ? `${v} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}
