// configure-mirror: the hosts.toml that sends pulls of one upstream registry through a mirror, with
// the real upstream as `server` (the fallback, tried last) and the mirror as the first [host].
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HarborError } from '../core/errors.js';
import { checkConfigPath, type ConfigPathCheck } from './containerd-config.js';
import { applyChanges, change, type FileChange } from './files.js';
import { hostOf, upstreamHosts, upstreamServer, type HostsFile, type Layout, type MirrorHost } from './model.js';
import { renderHostsToml } from './render.js';
import { staleConfigReason } from './restart.js';
import { expectedHostUrl } from './validate.js';

export interface MirrorSpec {
  /** The upstream registry name, as images spell it: docker.io, ghcr.io, 10.0.0.5:5000. */
  registry: string;
  /** The mirror's root URL: http://192.168.1.140:5280. */
  mirror: string;
  /** A Harbor proxy-cache project on the mirror: the host becomes MIRROR/v2/PROJECT with override_path. */
  project?: string;
  /** Override the upstream `server` (default: https://registry-1.docker.io for docker.io, else https://REGISTRY). */
  upstream?: string;
  caFile?: string;
  /** The CA certificate itself (PEM), e.g. taken from the mirror's TLS chain (--ca-from-server). */
  caPem?: string;
  skipVerify?: boolean;
}

export interface Plan {
  layout: Layout;
  registries: string[];
  files: FileChange[];
  configPath: ConfigPathCheck;
  /** hosts.toml is re-read on every pull; only a containerd config change needs a restart. */
  restartNeeded: boolean;
  restartCommand: string;
  notes: string[];
}

const REGISTRY = /^(?:_default|[A-Za-z0-9.-]+(?::\d+)?)$/;

/** --mirror as a URL; the error says what is wrong with it (no scheme, a space, a bad port...). */
export function mirrorUrl(mirror: string): URL {
  const bad = (why: string): HarborError => new HarborError('USAGE', `invalid --mirror ${JSON.stringify(mirror)}: ${why}`);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(mirror)) {
    throw bad('write the scheme, http://HOST:PORT for plain HTTP or https://HOST:PORT for TLS (containerd assumes https without one)');
  }
  if (/\s/.test(mirror)) throw bad('it contains a space; the registry root is http(s)://HOST[:PORT]');
  try {
    return new URL(mirror);
  } catch {
    throw bad('not a URL; the registry root is http://HOST:PORT or https://HOST:PORT (a host name, or an IP address, and a port from 1 to 65535)');
  }
}

export function checkSpec(s: MirrorSpec): void {
  if (!REGISTRY.test(s.registry)) throw new HarborError('USAGE', `invalid --registry ${JSON.stringify(s.registry)}: a registry host[:port] such as docker.io, ghcr.io or 10.0.0.5:5000`);
  let u: URL;
  u = mirrorUrl(s.mirror);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new HarborError('USAGE', `invalid --mirror ${s.mirror}: http:// or https:// only`);
  if (u.pathname !== '/' && u.pathname !== '') throw new HarborError('USAGE', `--mirror ${s.mirror} has a path: give the registry root and the proxy-cache project with --project`);
  if (upstreamHosts(s.registry).includes(u.host)) throw new HarborError('USAGE', `--mirror ${s.mirror} is ${s.registry} itself, not a mirror`);
  if (s.project !== undefined && !/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(s.project)) throw new HarborError('USAGE', `invalid --project ${JSON.stringify(s.project)}: a Harbor project name`);
  if ((s.caFile || s.caPem) && s.skipVerify) throw new HarborError('USAGE', '--ca-file and --skip-verify exclude each other: with the CA, verification works');
  if (u.protocol === 'http:' && s.skipVerify) throw new HarborError('USAGE', '--skip-verify does nothing for an http:// mirror: containerd uses plain HTTP because of the scheme alone');
  if (u.protocol === 'http:' && (s.caFile || s.caPem)) throw new HarborError('USAGE', '--ca-file needs an https:// mirror');
  if (s.caFile && !existsSync(s.caFile)) throw new HarborError('USAGE', `--ca-file ${s.caFile} does not exist`);
  if (s.upstream !== undefined && !/^https?:\/\//.test(s.upstream)) throw new HarborError('USAGE', `invalid --upstream ${s.upstream}: write http:// or https://`);
  if (s.registry === '_default' && s.upstream) throw new HarborError('USAGE', '_default has no upstream server');
}

/** Where configure-mirror copies a CA: next to hosts.toml, named after the mirror; absolute, as `ca = ...` wants. */
export function caPath(certsDir: string, registry: string, mirror: string): string {
  return join(resolve(certsDir), registry, `ca-${hostOf(mirror).replace(/:/g, '_')}.crt`);
}

/** The PEM text of --ca-file, with a usage error a person can act on when it is unreadable or not a certificate. */
export function readCaFile(file: string): string {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (e) {
    throw new HarborError('USAGE', `cannot read --ca-file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new HarborError('USAGE', `--ca-file ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----): containerd could not load it`);
  return text;
}

export function desiredHostsFile(s: MirrorSpec, certsDir: string): HostsFile {
  const host: MirrorHost = { url: expectedHostUrl(s.mirror, s.project), capabilities: ['pull', 'resolve'] };
  if (s.caFile || s.caPem) host.ca = caPath(certsDir, s.registry, s.mirror);
  if (s.skipVerify) host.skipVerify = true;
  if (s.project) host.overridePath = true;
  return { server: s.upstream ?? upstreamServer(s.registry), hosts: [host] };
}

export function planConfigure(layout: Layout, specs: MirrorSpec[]): Plan {
  if (specs.length === 0) throw new HarborError('USAGE', 'nothing to configure');
  const seen = new Set<string>();
  for (const s of specs) {
    checkSpec(s);
    if (seen.has(s.registry)) throw new HarborError('USAGE', `registry ${s.registry} is listed twice`);
    seen.add(s.registry);
  }
  const files: FileChange[] = [];
  for (const s of specs) {
    const ca = s.caPem ?? (s.caFile ? readCaFile(s.caFile) : undefined);
    if (ca) files.push(change(caPath(layout.certsDir, s.registry, s.mirror), ca));
    files.push(change(join(layout.certsDir, s.registry, 'hosts.toml'), renderHostsToml(desiredHostsFile(s, layout.certsDir), s.registry)));
  }
  return finishPlan(layout, specs.map((s) => s.registry), files);
}

export function finishPlan(layout: Layout, registries: string[], files: FileChange[]): Plan {
  const configPath = checkConfigPath(layout.containerdConfig, layout.certsDir, layout.flavor.vars, layout.flavor.restartCommand);
  const cfgBroken = configPath.problems.some((p) => p.code === 'CONFIG_PATH_MISSING' || p.code === 'MIRRORS_WITH_CONFIG_PATH' || p.code === 'CONFIG_PATH_MISMATCH');
  const notes: string[] = [];
  if (!files.some((f) => f.changed)) notes.push('already configured: nothing to change');
  const stale = cfgBroken ? undefined : staleConfigReason(layout);
  notes.push(cfgBroken
    ? `containerd does not read ${layout.certsDir} yet: fix ${layout.containerdConfig} as explained, then restart (${layout.flavor.restartCommand})`
    : stale
      ? `restart needed: ${stale} (${layout.flavor.restartCommand}, or configure-mirror --restart)`
      : 'no restart needed: containerd re-reads hosts.toml on every pull (a restart is harmless)');
  return { layout, registries, files, configPath, restartNeeded: cfgBroken || stale !== undefined, restartCommand: layout.flavor.restartCommand, notes };
}

export function applyPlan(plan: Plan, now: Date = new Date()): Plan {
  return { ...plan, files: applyChanges(plan.files, now) };
}

/**
 * --all-from FILE: one upstream per line, `REGISTRY [PROJECT]`, with # comments; every line uses
 * --mirror (and --ca-file/--skip-verify). `REGISTRY MIRROR_URL [PROJECT]` names another mirror.
 */
export function parseAllFrom(text: string, base: Omit<MirrorSpec, 'registry' | 'mirror' | 'project'> & { mirror?: string }, file = 'the --all-from file'): MirrorSpec[] {
  const specs: MirrorSpec[] = [];
  text.split('\n').forEach((line, i) => {
    const words = line.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) return;
    const [registry, second, third, ...rest] = words;
    const mirror = second && /^[a-z]+:\/\//i.test(second) ? second : base.mirror;
    const project = second && /^[a-z]+:\/\//i.test(second) ? third : second;
    if (rest.length > 0 || (!/^[a-z]+:\/\//i.test(second ?? '') && third !== undefined)) {
      throw new HarborError('USAGE', `${file} line ${i + 1}: expected "REGISTRY [MIRROR_URL] [PROJECT]", got ${JSON.stringify(line.trim())}`);
    }
    if (!mirror) throw new HarborError('USAGE', `${file} line ${i + 1}: no mirror for ${registry}: pass --mirror URL or write it on the line`);
    specs.push({ ...base, registry, mirror, project });
  });
  if (specs.length === 0) throw new HarborError('USAGE', `${file} lists no registry`);
  return specs;
}
