// doctor --pull: which mirror a pull of IMAGE should reach (from the hosts.toml containerd will use),
// under which repository name there, and whether the mirror's own audit log shows that pull. A pull
// that succeeds proves nothing, since containerd falls back to the upstream without a word; the
// mirror's record of a `pull` of that repository after the pull started is the proof.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HarborError } from '../core/errors.js';
import { apiRoot, hostOf, upstreamHosts, type MirrorHost } from './model.js';
import { parseHostsToml } from './parse.js';

export interface ImageRef {
  /** As containerd names the registry: docker.io, ghcr.io, 10.0.0.5:5000. */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
  /** The fully qualified reference ctr needs: docker.io/library/nginx:latest. */
  full: string;
}

/** Docker's normalization: `nginx` is docker.io/library/nginx:latest; a first part with . or : or localhost is a registry. */
export function parseImageRef(image: string): ImageRef {
  const m = /^(?<name>[^@\s]+?)(?::(?<tag>[\w][\w.-]{0,127}))?(?:@(?<digest>[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-fA-F0-9]{32,}))?$/.exec(image.trim());
  if (!m?.groups || !/^[a-z0-9]/.test(m.groups.name) || /\/\//.test(m.groups.name)) {
    throw new HarborError('USAGE', `invalid --pull ${JSON.stringify(image)}: an image reference such as docker.io/library/alpine:3.20 or 10.0.0.5:5000/team/app:1`);
  }
  const parts = m.groups.name.split('/');
  let registry = 'docker.io';
  if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost')) registry = parts.shift() as string;
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = 'docker.io';
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(repository)) {
    throw new HarborError('USAGE', `invalid --pull ${JSON.stringify(image)}: repository names are lower case`);
  }
  const tag = m.groups.tag ?? (m.groups.digest ? undefined : 'latest');
  const digest = m.groups.digest;
  return { registry, repository, tag, digest, full: `${registry}/${repository}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}` };
}

export interface PullRoute {
  /** The hosts.toml containerd uses for this image (its registry's, else _default). */
  hostsFile: string;
  /** The [host] entry that is the mirror (the first pull-capable one that is not the upstream). */
  host: MirrorHost;
  /** The mirror's origin: https://harbor.example:443 → the server the audit log is read from. */
  server: string;
  /** The repository name the mirror sees: PROJECT/library/nginx for MIRROR/v2/PROJECT + override_path. */
  repository: string;
  /** The Harbor project that repository is in (its first path segment). */
  project: string;
}

/** Where a pull of `ref` should go according to certs.d; a usage error when no mirror is configured for it. */
export function pullRoute(certsDir: string, ref: ImageRef): PullRoute {
  const candidates = [join(certsDir, ref.registry, 'hosts.toml'), join(certsDir, '_default', 'hosts.toml')];
  const hostsFile = candidates.find((f) => existsSync(f));
  if (!hostsFile) throw new HarborError('USAGE', `no hosts.toml for ${ref.registry} under ${certsDir} (nor _default): a pull of ${ref.full} would go straight to the upstream; run configure-mirror first`);
  const parsed = parseHostsToml(readFileSync(hostsFile, 'utf8'));
  if (!parsed.ok) throw new HarborError('MIRROR_CHECK_FAILED', `${hostsFile} does not parse (${parsed.error}), so containerd ignores it: run doctor without --pull, then fix`);
  const upstream = ref.registry === '_default' ? [] : upstreamHosts(ref.registry);
  const host = parsed.file.hosts.find((h) => !upstream.includes(hostOf(h.url)) && (h.capabilities ?? ['pull', 'resolve', 'push']).includes('pull'));
  if (!host) throw new HarborError('MIRROR_CHECK_FAILED', `${hostsFile} has no [host] mirror for ${ref.registry}: pulls go to the upstream; run configure-mirror or fix`);
  const root = apiRoot(host.url, Boolean(host.overridePath));
  const u = new URL(root);
  const path = u.pathname.replace(/\/+$/, '');
  // MIRROR/v2/PREFIX is a Harbor project (proxy cache); a bare MIRROR/v2 keeps the repository name.
  const prefix = path === '/v2' ? '' : /^\/v2\/(.+)$/.exec(path)?.[1];
  if (prefix === undefined) throw new HarborError('MIRROR_CHECK_FAILED', `[host."${host.url}"] in ${hostsFile} does not end in a /v2 API path containerd can use (${root}): run doctor without --pull`);
  const repository = prefix ? `${prefix}/${ref.repository}` : ref.repository;
  return { hostsFile, host, server: `${u.protocol}//${u.host}`, repository, project: repository.split('/')[0] };
}

export interface AuditRecord { id: number; username: string; resource: string; resource_type?: string; operation: string; op_time: string }

/** Pull records of `repository` (any tag or digest) newer than `afterId`. */
export function pullRecords(logs: readonly AuditRecord[], repository: string, afterId: number): AuditRecord[] {
  return logs.filter((l) => l.id > afterId && l.operation === 'pull' && (l.resource === repository || l.resource.startsWith(`${repository}:`) || l.resource.startsWith(`${repository}@`)));
}
