// npm: the package.json at the top of each node_modules/<name> or node_modules/@scope/<name>
// (not package.json files deeper inside a package, which are not packages).
import type { FoundPackage } from '../types.js';
import type { FileCataloger } from './types.js';

const PKG_JSON = /(^|\/)node_modules\/(@[^/]+\/)?[^/@][^/]*\/package\.json$/;

function licensesOf(pkg: Record<string, unknown>): string[] {
  const one = (l: unknown): string | undefined =>
    typeof l === 'string' ? l : l && typeof l === 'object' && typeof (l as { type?: unknown }).type === 'string' ? (l as { type: string }).type : undefined;
  if (pkg.license !== undefined) {
    const l = one(pkg.license);
    return l ? [l] : [];
  }
  if (Array.isArray(pkg.licenses)) return pkg.licenses.map(one).filter((x): x is string => !!x);
  return [];
}

export function parsePackageJson(body: Buffer): FoundPackage[] {
  let pkg: unknown;
  try {
    pkg = JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  if (!pkg || typeof pkg !== 'object') return [];
  const { name, version } = pkg as { name?: unknown; version?: unknown };
  if (typeof name !== 'string' || typeof version !== 'string' || !name || !version) return [];
  return [{ type: 'npm', name, version, licenses: licensesOf(pkg as Record<string, unknown>) }];
}

export const npmCataloger: FileCataloger = {
  name: 'npm',
  maxBytes: 4 * 1024 * 1024,
  matches: (path) => PKG_JSON.test(path),
  parse: (_path, body) => parsePackageJson(body),
};
