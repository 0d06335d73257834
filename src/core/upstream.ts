// What makes a registry endpoint acceptable, shared by the server (services/registries.ts) and the
// CLI (which checks flags before any network call): Harbor's adapter types and the URL rule.
import { HarborError } from './errors.js';

/**
 * Harbor's adapter types (src/pkg/reg/model/registry.go) that speak the OCI distribution API and so
 * can be upstreams; helm-hub and artifact-hub are not registries and are refused.
 */
export const REGISTRY_TYPES = [
  'docker-registry', 'docker-hub', 'harbor', 'huawei-SWR', 'google-gcr', 'aws-ecr', 'azure-acr', 'ali-acr', 'jfrog-artifactory',
  'quay', 'gitlab', 'dtr', 'tencent-tcr', 'github-ghcr', 'volcengine-cr',
] as const;

export function checkRegistryType(t: string): string {
  if (!(REGISTRY_TYPES as readonly string[]).includes(t)) {
    throw new HarborError('BAD_REQUEST', `unsupported registry type ${JSON.stringify(t.slice(0, 64))}; one of: ${REGISTRY_TYPES.join(', ')}`);
  }
  return t;
}

/**
 * An upstream URL: http or https, a host, an optional port, nothing else. A path, query, fragment or
 * user info would change which registry /v2/ reaches (or leak a password into listings), so they are
 * refused rather than silently dropped. Returned as `scheme://host[:port]`.
 */
export function normalizeRegistryUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new HarborError('BAD_REQUEST', 'url must be an absolute http or https URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new HarborError('BAD_REQUEST', 'url must use http or https');
  if (u.username || u.password) throw new HarborError('BAD_REQUEST', 'url must not carry a user name or password; use the credential');
  // Checked on the text as typed too: the URL parser folds `/..` and `/./` away.
  const rest = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\\]*(.*)$/i.exec(raw.trim())?.[1];
  if (rest === undefined || (rest !== '' && rest !== '/' && !rest.startsWith('?') && !rest.startsWith('#'))) {
    throw new HarborError('BAD_REQUEST', 'url must not have a path: give the registry\'s base URL');
  }
  if (u.pathname !== '/' && u.pathname !== '') throw new HarborError('BAD_REQUEST', 'url must not have a path: give the registry\'s base URL');
  if (u.search || u.hash || raw.includes('?') || raw.includes('#')) throw new HarborError('BAD_REQUEST', 'url must not have a query or fragment');
  if (!u.hostname) throw new HarborError('BAD_REQUEST', 'url must name a host');
  return `${u.protocol}//${u.host}`;
}

/** Parses one WWW-Authenticate challenge: `Bearer realm="…",service="…",scope="…"`. */
export function parseChallenge(header: string | undefined): { scheme: string; params: Record<string, string> } | null {
  if (!header) return null;
  const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header);
  if (!m) return null;
  const params: Record<string, string> = {};
  for (const p of m[2].matchAll(/([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) params[p[1].toLowerCase()] = p[2] ?? p[3] ?? '';
  return { scheme: m[1].toLowerCase(), params };
}
