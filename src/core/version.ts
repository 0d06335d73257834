// harborctl's own version, from its package.json: two levels up from src/core/ (tests run the
// source), three from dist/src/core/ (the built binary).
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function harborctlVersion(): string {
  if (cached !== undefined) return cached;
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'harborctl' && pkg.version) return (cached = pkg.version);
    } catch { /* try the next */ }
  }
  return (cached = '0.0.0');
}
