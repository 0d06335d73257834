// doctor: reads every hosts.toml under certs.d (and containerd's config_path), probes each mirror's
// /v2/, and explains every problem with the corrected file. fix: writes those corrected files.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { HarborError } from '../core/errors.js';
import { checkConfigPath, checkDockerDaemonJson, type ConfigPathCheck } from './containerd-config.js';
import { change, type FileChange } from './files.js';
import { CAPABILITIES, hostOf, upstreamHosts, upstreamServer, type HostsFile, type Layout, type MirrorHost } from './model.js';
import { parseHostsToml } from './parse.js';
import { probeProject, probeRegistry, type ProbeResult, type ProjectProbe } from './probe.js';
import { renderHostsToml } from './render.js';
import { expectedHostUrl, failed, validateHostsText, type Problem } from './validate.js';
import { finishPlan, type Plan } from './configure.js';

export interface DoctorOptions {
  layout: Layout;
  /** Only this registry's hosts.toml (else every directory under certs.d). */
  registry?: string;
  /** What the mirror should be, when the caller knows it. */
  mirror?: string;
  project?: string;
  /** Docker's daemon.json, checked for settings that do nothing for containerd. */
  dockerDaemonJson?: string;
  /** GET /v2/ on every mirror (never on an upstream). Default true. */
  probe?: boolean;
}

export interface FileReport {
  registry: string;
  path: string;
  problems: Problem[];
  probes: ProbeResult[];
  /** The file containerd would use instead, when this one has problems and a fix is known. */
  corrected?: string;
  /** Why no corrected file could be made. */
  uncorrectable?: string;
  /** The file is as fix would write it: its problems are elsewhere (a missing project, a mirror that is down). */
  unchanged?: boolean;
}

export interface DoctorReport {
  ok: boolean;
  certsDir: string;
  configPath: ConfigPathCheck;
  files: FileReport[];
  /** Every problem, of the files and of the containerd/Docker configuration. */
  problems: Problem[];
}

function hostsFiles(certsDir: string, only?: string): { registry: string; path: string }[] {
  if (only) return [{ registry: only, path: join(certsDir, only, 'hosts.toml') }];
  if (!existsSync(certsDir)) return [];
  return readdirSync(certsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(certsDir, d.name, 'hosts.toml')))
    .map((d) => ({ registry: d.name, path: join(certsDir, d.name, 'hosts.toml') }))
    .sort((a, b) => a.registry.localeCompare(b.registry));
}

const isUpstreamOf = (registry: string, url: string): boolean => registry !== '_default' && upstreamHosts(registry).includes(hostOf(url));

export async function doctor(o: DoctorOptions): Promise<DoctorReport> {
  const { certsDir } = o.layout;
  const configPath = checkConfigPath(o.layout.containerdConfig, certsDir, o.layout.flavor.vars, o.layout.flavor.restartCommand);
  const problems: Problem[] = [...configPath.problems];
  if (o.dockerDaemonJson) problems.push(...checkDockerDaemonJson(o.dockerDaemonJson));
  const files: FileReport[] = [];
  const list = hostsFiles(certsDir, o.registry);
  if (!existsSync(certsDir)) {
    problems.push({ file: certsDir, code: 'CERTS_DIR_MISSING', severity: 'error', message: `${certsDir} does not exist: no registry has a hosts.toml, so every pull goes straight to its upstream`, fix: 'harborctl <microk8s|containerd> configure-mirror --registry docker.io --mirror URL' });
  } else if (list.length === 0) {
    problems.push({ file: certsDir, code: 'NO_HOSTS_FILES', severity: 'error', message: `no <registry>/hosts.toml under ${certsDir}: no mirror is configured`, fix: 'harborctl <microk8s|containerd> configure-mirror --registry docker.io --mirror URL' });
  }
  for (const { registry, path } of list) {
    const dir = join(certsDir, registry);
    if (!existsSync(path)) {
      const p: Problem = { file: path, code: 'HOSTS_FILE_MISSING', severity: 'error', message: `${path} does not exist: pulls of ${registry} go straight to ${upstreamServer(registry)}`, fix: `harborctl <microk8s|containerd> configure-mirror --registry ${registry} --mirror URL` };
      files.push({ registry, path, problems: [p], probes: [] });
      problems.push(p);
      continue;
    }
    const text = readFileSync(path, 'utf8');
    const ctx = { file: path, registry, dir, mirror: o.mirror, project: o.project };
    const first = validateHostsText(text, ctx);
    const probes: Record<string, ProbeResult> = {};
    const projects: Record<string, ProjectProbe> = {};
    if (o.probe !== false && first.model) {
      const targets: { url: string; h: Omit<MirrorHost, 'url'> }[] = first.model.hosts.map((h) => ({ url: h.url, h }));
      if (first.model.server) targets.push({ url: first.model.server, h: first.model.serverSettings ?? {} });
      for (const { url, h } of targets) {
        if (isUpstreamOf(registry, url)) continue; // never talk to the real upstream
        const ca = h.ca === undefined ? undefined : (Array.isArray(h.ca) ? h.ca : [h.ca]).map((f) => (isAbsolute(f) ? f : join(dir, f)));
        const popts = { ca: ca?.filter((f) => existsSync(f)), skipVerify: h.skipVerify };
        probes[url] = await probeRegistry(url, popts);
        // MIRROR/v2/PROJECT: a Harbor proxy-cache project, which must exist on that Harbor. Asked
        // with or without override_path (fix adds it), so both problems show in one run.
        const project = /^\/v2\/([^/]+)$/.exec(pathOf(url))?.[1];
        if (project && probes[url].kind === 'registry') projects[url] = await probeProject(url, project, popts);
      }
    }
    const v = validateHostsText(text, { ...ctx, probes, projects });
    const report: FileReport = { registry, path, problems: v.problems, probes: Object.values(probes) };
    if (failed(v.problems)) {
      const r = repairHostsFile(text, registry, { mirror: o.mirror, project: o.project, probes });
      if (!('file' in r)) report.uncorrectable = r.error;
      else {
        const corrected = renderHostsToml(r.file, registry);
        if (corrected === text || (first.model && corrected === renderHostsToml(first.model, registry))) report.unchanged = true;
        else report.corrected = corrected;
      }
    }
    files.push(report);
    problems.push(...v.problems);
  }
  return { ok: !failed(problems), certsDir, configPath, files, problems };
}

function pathOf(url: string): string {
  try { const p = new URL(url).pathname; return p === '/' ? '' : p.replace(/\/+$/, ''); } catch { return ''; }
}

/** A mirror entry made right: scheme, path rule, keys containerd knows, capabilities. */
function repairHost(h: MirrorHost, probe: ProbeResult | undefined): MirrorHost {
  let url = h.url;
  if (!/^https?:\/\//i.test(url)) url = `${probe?.kind === 'tls-to-plain' ? 'http' : 'https'}://${url.replace(/^[a-z]+:\/\//i, '')}`;
  if (probe?.kind === 'tls-to-plain') url = url.replace(/^https:/i, 'http:');
  if (probe?.kind === 'plain-to-tls') url = url.replace(/^http:/i, 'https:');
  const path = pathOf(url);
  const out: MirrorHost = { url };
  const caps = (h.capabilities ?? []).map((c) => c.toLowerCase()).filter((c) => (CAPABILITIES as readonly string[]).includes(c));
  out.capabilities = caps.length > 0 ? caps : ['pull', 'resolve'];
  const plain = url.startsWith('http:');
  if (h.ca !== undefined && !plain) out.ca = h.ca;
  if (h.client !== undefined && !plain) out.client = h.client;
  if (h.skipVerify && !plain) out.skipVerify = true;
  // override_path only with a path; a /v2/PROJECT path needs it.
  if (path && (h.overridePath || /^\/v2\/./.test(path))) out.overridePath = true;
  if (h.header) out.header = h.header;
  return out;
}

/** Best effort for a file containerd cannot read: its URLs, found by pattern. */
function scrape(text: string): HostsFile {
  const server = /^\s*server\s*=\s*["']([^"']+)["']/m.exec(text)?.[1];
  const hosts = [...text.matchAll(/^\s*\[\s*host\.["']([^"']+)["']/gm)].map((m) => ({ url: m[1] }));
  return { server, hosts };
}

/**
 * The corrected form of a broken hosts.toml: the real upstream as `server`, every mirror (a
 * [host] or a `server` that is not the upstream) as a [host], each one repaired. With `mirror`
 * given, that mirror replaces whatever the file had.
 */
export function repairHostsFile(text: string, registry: string, o: { mirror?: string; project?: string; probes?: Record<string, ProbeResult> } = {}): { file: HostsFile } | { error: string } {
  const parsed = parseHostsToml(text);
  const model = parsed.ok ? parsed.file : scrape(text);
  const isUp = (url: string): boolean => isUpstreamOf(registry, url);
  const server = registry === '_default' ? undefined : model.server && isUp(model.server) && /^https?:\/\//.test(model.server) ? model.server : upstreamServer(registry);
  let mirrors: MirrorHost[];
  if (o.mirror) {
    const want = expectedHostUrl(o.mirror, o.project);
    const old = model.hosts.find((h) => hostOf(h.url) === hostOf(want));
    mirrors = [repairHost({ ...old, url: want, overridePath: o.project ? true : undefined }, undefined)];
  } else {
    const candidates = model.hosts.filter((h) => !isUp(h.url));
    if (model.server && !isUp(model.server) && !candidates.some((h) => hostOf(h.url) === hostOf(model.server as string))) {
      candidates.push({ url: model.server, ...model.serverSettings });
    }
    mirrors = candidates.map((h) => repairHost(h, o.probes?.[h.url]));
  }
  if (mirrors.length === 0) return { error: `no mirror found in the file to keep: pass --mirror URL (and --project P for a proxy-cache project)` };
  return { file: { server, hosts: mirrors } };
}

export interface FixResult { report: DoctorReport; plan: Plan }

/** The changes `fix` makes: every file doctor found wrong, rewritten to its corrected form. */
export async function planFix(o: DoctorOptions): Promise<FixResult> {
  const report = await doctor(o);
  const changes: FileChange[] = [];
  for (const f of report.files) {
    if (!failed(f.problems) || f.unchanged) continue;
    if (f.corrected === undefined) throw new HarborError('USAGE', `cannot fix ${f.path}: ${f.uncorrectable ?? 'unknown problem'}`);
    changes.push(change(f.path, f.corrected));
  }
  return { report, plan: finishPlan(o.layout, report.files.map((f) => f.registry), changes) };
}
