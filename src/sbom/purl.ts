// Package URLs, following github.com/package-url/purl-spec PURL-TYPES: deb, apk, rpm take the
// distro as namespace and `arch`/`distro` (rpm also `epoch`) qualifiers; pypi names are normalized.
import type { OsRelease, PackageType } from './types.js';

/** Percent-encodes a purl segment; ':' and '+' are kept out of caution only where the spec allows. */
function enc(s: string): string {
  return encodeURIComponent(s).replace(/%3A/gi, ':');
}

function qualifiers(q: Record<string, string | undefined>): string {
  const keys = Object.keys(q).filter((k) => q[k] !== undefined && q[k] !== '').sort();
  if (keys.length === 0) return '';
  return `?${keys.map((k) => `${k}=${enc(q[k]!)}`).join('&')}`;
}

export function distroQualifier(os: OsRelease | undefined): string | undefined {
  if (!os) return undefined;
  return os.versionId ? `${os.id}-${os.versionId}` : os.id;
}

export interface PurlInput {
  type: PackageType;
  name: string;
  version: string;
  namespace?: string;
  arch?: string;
  epoch?: string;
}

export function makePurl(p: PurlInput, os: OsRelease | undefined): string {
  const v = p.version ? `@${enc(p.version)}` : '';
  switch (p.type) {
    case 'deb':
    case 'apk':
    case 'rpm': {
      const version = p.epoch && p.version.startsWith(`${p.epoch}:`) ? p.version.slice(p.epoch.length + 1) : p.version;
      const v = version ? `@${enc(version)}` : '';
      const ns = os?.id ?? { deb: 'debian', apk: 'alpine', rpm: 'redhat' }[p.type];
      return `pkg:${p.type}/${enc(ns)}/${enc(p.name)}${v}${qualifiers({ arch: p.arch, epoch: p.epoch, distro: distroQualifier(os) })}`;
    }
    case 'npm':
      // Scoped names keep the scope as the namespace: pkg:npm/%40scope/name@1.0.0.
      if (p.name.startsWith('@') && p.name.includes('/')) {
        const [scope, name] = p.name.split('/', 2) as [string, string];
        return `pkg:npm/${enc(scope)}/${enc(name)}${v}`;
      }
      return `pkg:npm/${enc(p.name)}${v}`;
    case 'pypi':
      return `pkg:pypi/${enc(p.name.toLowerCase().replace(/[-_.]+/g, '-'))}${v}`;
    case 'golang':
      // Module paths keep their slashes: pkg:golang/github.com/x/y@v1.2.3.
      return `pkg:golang/${p.name.split('/').map(enc).join('/')}${v}`;
    case 'maven':
      return `pkg:maven/${enc(p.namespace ?? '')}/${enc(p.name)}${v}`;
  }
}
