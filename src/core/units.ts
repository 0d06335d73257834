// Human units the CLI accepts: durations ("90s", "30m", "24h", "7d") and listen addresses.
import { HarborError } from './errors.js';

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(s.trim());
  if (!m) throw new HarborError('USAGE', `invalid duration ${JSON.stringify(s)}: use a number and a unit, e.g. 90s, 30m, 24h, 7d`);
  return Math.round(Number(m[1]) * DURATION_UNITS[m[2]]);
}

/** Parses HOST:PORT ([::1]:PORT for IPv6); port 0 asks the kernel for a free one. */
export function parseListen(s: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(s.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new HarborError('USAGE', `invalid listen address ${JSON.stringify(s)}: use HOST:PORT, e.g. 127.0.0.1:5280 or [::1]:5280`);
  return { host: m[1] ?? m[2], port };
}
