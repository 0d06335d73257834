// Explains, in words, everything about a hosts.toml that makes containerd 1.6/1.7 not do what its
// author meant. Every rule here was observed on containerd 1.6.20 (shared/interop/NOTES.md, the 17
// cases of containerd-mirror-demo.sh) or read from its remotes/docker/config/hosts.go. The worst
// part of these mistakes is that they are silent: containerd falls back to the upstream and the
// pull still succeeds, so each message says what containerd really does.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { CAPABILITIES, HOST_KEYS, TOP_KEYS, apiRoot, hostOf, upstreamHosts, upstreamServer, type HostsFile, type MirrorHost } from './model.js';
import { isTable, parseHostsToml, type TomlTable } from './parse.js';
import type { ProbeResult, ProjectProbe } from './probe.js';

export type Severity = 'error' | 'warning' | 'info';

export interface Problem {
  code: string;
  /** error: the mirror is not used (or the file is ignored); warning: it works but something in it does not do what it says; info: worth knowing. */
  severity: Severity;
  file: string;
  /** The [host] URL or `server` the problem is about, when it is about one. */
  host?: string;
  message: string;
  fix: string;
}

export interface ValidateContext {
  /** Path of the file, for messages. */
  file: string;
  /** The registry the file is for: its directory name under certs.d (docker.io, 10.0.0.5:5000, _default). */
  registry: string;
  /** Directory relative `ca`/`client` paths are resolved against (containerd: the file's directory). */
  dir?: string;
  /** The mirror the file should send pulls to (the registry root URL), when known. */
  mirror?: string;
  /** The proxy-cache project on that mirror, when known. */
  project?: string;
  /** What the /v2/ probe found for each URL, keyed by the URL as written in the file. */
  probes?: Record<string, ProbeResult>;
  /** Whether the Harbor behind a MIRROR/v2/PROJECT host has that project, keyed like probes. */
  projects?: Record<string, ProjectProbe>;
  exists?: (path: string) => boolean;
}

export interface Validation {
  problems: Problem[];
  /** The model, when the file parsed; undefined when containerd would ignore the file. */
  model?: HostsFile;
  /** True when containerd cannot use the file at all and ignores it whole. */
  ignored: boolean;
}

const MISLEADING_KEYS: Record<string, string> = {
  insecure: '`insecure` is not a hosts.toml key: containerd ignores it without a word. Plain HTTP comes only from the http:// scheme of the URL; skip_verify only relaxes certificate checks on https',
  insecure_skip_verify: '`insecure_skip_verify` is not a hosts.toml key (it is Go\'s TLS field name): containerd ignores it; the key is `skip_verify`',
  plain_http: '`plain_http` is not a hosts.toml key: containerd ignores it; plain HTTP comes only from the http:// scheme of the URL',
  'plain-http': '`plain-http` is not a hosts.toml key (it is a `ctr` flag, and that flag only changes the implicit default server): containerd ignores it; write the URL with http://',
  endpoint: '`endpoint` belongs to the old CRI `registry.mirrors` section of containerd\'s config.toml, not to hosts.toml: containerd ignores it here',
  mirrors: '`mirrors` belongs to the old CRI `registry.mirrors` section of containerd\'s config.toml, not to hosts.toml: containerd ignores it here',
  dial_timeout: '`dial_timeout` exists only in newer containerd releases: containerd 1.6 ignores it',
};

const V2_PREFIX = /^\/v2(\/|$)/;

function readText(path: string): string {
  try { return readFileSync(path, 'utf8'); } catch { return ''; }
}

function pathOf(url: string): string {
  try {
    const u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `https://${url}`);
    return u.pathname === '/' ? '' : u.pathname.replace(/\/+$/, '');
  } catch { return ''; }
}
/** The URL with this scheme, whether it had another or none (containerd's default is https). */
function withScheme(url: string, scheme: 'http' | 'https'): string {
  return `${scheme}://${url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')}`;
}
function schemeOf(url: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
}

export function validateHostsText(text: string, ctx: ValidateContext): Validation {
  const problems: Problem[] = [];
  const add = (p: Omit<Problem, 'file'>): void => { problems.push({ file: ctx.file, ...p }); };
  const upstream = upstreamServer(ctx.registry);
  const ignoredTail = `containerd logs "failed to decode hosts.toml" and ignores the WHOLE file: pulls of ${ctx.registry} go straight to ${upstream ?? 'the registry itself'}, and still succeed when it is reachable, so nobody notices`;

  const parsed = parseHostsToml(text);
  if (!parsed.ok) {
    add({ code: 'UNPARSABLE', severity: 'error', message: `not valid TOML${parsed.line ? ` (line ${parsed.line}, column ${parsed.column})` : ''}: ${parsed.error}. ${ignoredTail}`, fix: 'correct the syntax, or run `harborctl <microk8s|containerd> fix` to rewrite the file' });
    return { problems, ignored: true };
  }
  const raw = parsed.raw;
  let fatal = false;

  // Keys: unknown ones are ignored silently; wrong types and unknown capabilities make the whole file invalid.
  const checkKeys = (t: TomlTable, known: readonly string[], where: string, host?: string): void => {
    for (const key of Object.keys(t)) {
      if (known.includes(key)) continue;
      const why = (Object.hasOwn(MISLEADING_KEYS, key) ? MISLEADING_KEYS[key] : undefined) ?? `\`${key}\` is not a hosts.toml key: containerd 1.6 knows only server, capabilities, ca, client, skip_verify, header, override_path and [host."URL"] tables, and ignores \`${key}\` without a word`;
      add({ code: 'UNKNOWN_KEY', severity: 'warning', host, message: `${where}: ${why}`, fix: `remove \`${key}\`${key === 'insecure' || key === 'plain_http' ? ' and make sure the URL says http:// for a plain-HTTP mirror' : ''}` });
    }
  };
  const checkTypes = (t: TomlTable, where: string, host?: string): void => {
    const bad = (key: string, want: string): void => {
      fatal = true;
      add({ code: 'INVALID_VALUE', severity: 'error', host, message: `${where}: \`${key}\` must be ${want}, not ${JSON.stringify(t[key])}. ${ignoredTail}`, fix: `write \`${key}\` as ${want}` });
    };
    if ('capabilities' in t) {
      if (!Array.isArray(t.capabilities) || t.capabilities.some((c) => typeof c !== 'string')) bad('capabilities', 'a list of strings such as ["pull", "resolve"]');
      else for (const c of t.capabilities as string[]) {
        if (!(CAPABILITIES as readonly string[]).includes(c.toLowerCase())) { // containerd lower-cases them
          fatal = true;
          add({ code: 'UNKNOWN_CAPABILITY', severity: 'error', host, message: `${where}: unknown capability "${c}" (containerd knows only pull, resolve and push): containerd fails with "unknown capability ${c}", and ${ignoredTail.replace(/^containerd /, '')}`, fix: 'use capabilities = ["pull", "resolve"] for a mirror' });
        }
      }
    }
    for (const key of ['skip_verify', 'override_path']) if (key in t && typeof t[key] !== 'boolean') bad(key, 'true or false (no quotes)');
    if ('ca' in t && !(typeof t.ca === 'string' || (Array.isArray(t.ca) && t.ca.every((x) => typeof x === 'string')))) bad('ca', 'a path or a list of paths');
    if ('header' in t && !isTable(t.header)) bad('header', 'a table of header names to values');
  };

  checkKeys(raw, TOP_KEYS, 'top level');
  checkTypes(raw, 'top level', raw.server === undefined ? undefined : String(raw.server));
  if ('server' in raw && typeof raw.server !== 'string') {
    fatal = true;
    add({ code: 'INVALID_VALUE', severity: 'error', message: `\`server\` must be a quoted URL, not ${JSON.stringify(raw.server)}. ${ignoredTail}`, fix: `server = "${upstream ?? 'https://REGISTRY'}"` });
  }
  if (!('host' in raw)) {
    fatal = true;
    add({
      code: 'SERVER_ONLY_FILE', severity: 'error',
      message: `the file has no [host] table. containerd 1.6 and 1.7 reject such a file with "invalid \`host\` tree" (containerd#10027) and ${ignoredTail.replace(/^containerd /, '')}${raw.server !== undefined ? `; the \`server = "${String(raw.server)}"\` line is never used` : ''}`,
      fix: 'put the mirror in a [host."URL"] table (with server = the real upstream), or, for a mirror-only setup, add an empty `[host]` line',
    });
  } else if (!isTable(raw.host)) {
    fatal = true;
    add({ code: 'INVALID_VALUE', severity: 'error', message: `\`host\` must be tables written [host."URL"], not a value. ${ignoredTail}`, fix: 'write each mirror as [host."http://MIRROR:PORT"]' });
  } else {
    for (const [url, t] of Object.entries(raw.host)) {
      if (!isTable(t)) {
        fatal = true;
        add({ code: 'INVALID_VALUE', severity: 'error', host: url, message: `[host] contains \`${url} = ${JSON.stringify(t)}\`, but every entry under [host] must be a table [host."URL"]: ${ignoredTail}`, fix: `settings go inside [host."URL"], e.g. [host."http://MIRROR:PORT"] then ${url} = ...` });
        continue;
      }
      checkKeys(t, HOST_KEYS, `[host."${url}"]`, url);
      checkTypes(t, `[host."${url}"]`, url);
    }
  }

  // URLs: a bad scheme makes containerd fail the whole configuration.
  const model = parsed.file;
  const entries: { url: string; h: Omit<MirrorHost, 'url'>; isServer: boolean }[] = [];
  if (model.server !== undefined) entries.push({ url: model.server, h: model.serverSettings ?? {}, isServer: true });
  for (const h of model.hosts) entries.push({ url: h.url, h, isServer: false });
  for (const { url, isServer } of entries) {
    const label = isServer ? `server "${url}"` : `[host."${url}"]`;
    const scheme = schemeOf(url);
    if (scheme && scheme !== 'http' && scheme !== 'https') {
      fatal = true;
      add({ code: 'INVALID_SCHEME', severity: 'error', host: url, message: `${label}: scheme ${scheme}:// is not http or https; containerd fails to configure the registry and the pull fails`, fix: 'use http:// (plain HTTP) or https://' });
    } else if (!/^http/.test(url)) {
      add({ code: 'MISSING_SCHEME', severity: 'error', host: url, message: `${label} has no scheme: containerd assumes https:// (ctr --plain-http does not change that). A plain-HTTP ${isServer ? 'registry' : 'mirror'} then answers an HTTPS request and the ${isServer ? 'pull fails' : 'mirror is skipped silently'}`, fix: `write the scheme: "http://${url}" for plain HTTP, "https://${url}" for TLS` });
    }
  }
  if (fatal) return { problems, ignored: true, model };

  const upHosts = upstreamHosts(ctx.registry);
  const isUpstream = (url: string): boolean => ctx.registry !== '_default' && upHosts.includes(hostOf(url));
  const mirrorsInFile = model.hosts.filter((h) => !isUpstream(h.url));
  const exists = ctx.exists ?? existsSync;

  for (const { url, h, isServer } of entries) {
    const label = isServer ? `server "${url}"` : `[host."${url}"]`;
    const scheme = schemeOf(url) ?? 'https';
    const path = pathOf(url);
    const example = `${apiRoot(url, Boolean(h.overridePath))}/library/alpine/manifests/latest`;
    if (h.overridePath && !path) {
      add({ code: 'OVERRIDE_PATH_WITHOUT_PATH', severity: 'error', host: url, message: `${label}: override_path = true on a URL with no path removes the /v2 API prefix: containerd requests ${example}, which no registry answers, so this host fails on every pull and containerd moves on to the next one`, fix: 'remove override_path (it is only for a URL that carries the full API path, such as http://MIRROR/v2/PROJECT)' });
    } else if (h.overridePath && path && !V2_PREFIX.test(path)) {
      add({ code: 'OVERRIDE_PATH_WITHOUT_V2', severity: 'warning', host: url, message: `${label}: with override_path = true containerd uses the path as the API root as is (${example}), and registries serve their API under /v2`, fix: `write the path with /v2, e.g. ${url.replace(path, `/v2${path}`)}` });
    } else if (!h.overridePath && path && !path.endsWith('/v2')) {
      if (V2_PREFIX.test(path)) {
        add({ code: 'V2_PATH_WITHOUT_OVERRIDE', severity: 'error', host: url, message: `${label}: the URL already contains /v2 but override_path is not set, so containerd appends /v2 again and requests ${example}; the mirror answers 404 and containerd silently falls back to the next host (the pull still succeeds, from the upstream)`, fix: 'add override_path = true to this [host] table (the Harbor proxy-cache project form: URL/v2/PROJECT)' });
      } else {
        add({ code: 'PATH_WITHOUT_OVERRIDE', severity: 'warning', host: url, message: `${label}: containerd appends /v2 after the path and requests ${example}. That is right only for a registry served under a path prefix; a Harbor proxy-cache project is addressed as URL/v2/PROJECT with override_path = true`, fix: `for a proxy-cache project write [host."${url.replace(path, `/v2${path}`)}"] with override_path = true` });
      }
    }
    if (h.skipVerify && scheme === 'http') {
      add({ code: 'SKIP_VERIFY_ON_HTTP', severity: 'warning', host: url, message: `${label}: skip_verify does nothing on an http:// URL; it only relaxes certificate checks on https and never makes containerd speak plain HTTP`, fix: 'remove skip_verify' });
    }
    if (h.ca !== undefined && scheme === 'http') {
      add({ code: 'CA_ON_HTTP', severity: 'warning', host: url, message: `${label}: ca does nothing on an http:// URL (no TLS)`, fix: 'remove ca, or use https:// if the registry serves TLS' });
    }
    for (const [key, v] of [['ca', h.ca], ['client', h.client]] as const) {
      if (v === undefined) continue;
      const files = (Array.isArray(v) ? v.flat() : [v]) as string[];
      for (const f of files) {
        const abs = isAbsolute(f) || !ctx.dir ? f : join(ctx.dir, f);
        if (!exists(abs)) {
          add({ code: key === 'ca' ? 'CA_MISSING' : 'CLIENT_CERT_MISSING', severity: 'error', host: url, message: `${label}: ${key} file ${abs} does not exist; containerd fails with "unable to read ${key === 'ca' ? 'CA cert' : 'CERT file'}" before trying any host, so every pull of ${ctx.registry} fails`, fix: key === 'ca' ? 'copy the mirror\'s CA certificate there, or rerun configure-mirror with --ca-file FILE' : 'copy the client certificate and key there, or remove client' });
        } else if (key === 'ca' && !ctx.exists && !readText(abs).includes('-----BEGIN CERTIFICATE-----')) {
          add({ code: 'CA_NOT_PEM', severity: 'error', host: url, message: `${label}: ca file ${abs} holds no PEM certificate; containerd fails with "unable to load CA cert" and every pull of ${ctx.registry} fails`, fix: 'point ca at the PEM (BEGIN CERTIFICATE) file of the mirror\'s CA' });
        }
      }
    }
    if (!isServer && h.capabilities && !h.capabilities.some((c) => c.toLowerCase() === 'resolve') && !isUpstream(url)) {
      add({ code: 'MIRROR_WITHOUT_RESOLVE', severity: 'info', host: url, message: `${label}: without "resolve" containerd asks this host only for content by digest; tags are resolved by the next host or the upstream`, fix: 'capabilities = ["pull", "resolve"] to resolve tags through the mirror too' });
    }
    if (!isServer && !h.capabilities) {
      add({ code: 'CAPABILITIES_DEFAULT', severity: 'info', host: url, message: `${label} has no capabilities: containerd gives it pull, resolve and push, so pushes to ${ctx.registry} would go to it too`, fix: 'capabilities = ["pull", "resolve"] for a pull-through mirror' });
    }
  }

  // Who is tried when: [host] entries first, in file order, then `server` as the last resort.
  if (model.server !== undefined && ctx.registry !== '_default' && !isUpstream(model.server)) {
    if (model.hosts.length === 0) {
      add({ code: 'MIRROR_ONLY', severity: 'info', host: model.server, message: `server "${model.server}" is not ${ctx.registry}'s upstream (${upstream}): with the empty [host] line this is the mirror-only form, so ${ctx.registry} is never contacted and pulls fail whenever that registry is down`, fix: `for a fallback to the upstream: server = "${upstream}" and the mirror as [host."${model.server}"]` });
    } else {
      add({ code: 'SERVER_IS_MIRROR', severity: 'error', host: model.server, message: `server = "${model.server}" is not ${ctx.registry}'s upstream (${upstream}). containerd tries every [host] entry FIRST, in file order, and \`server\` LAST, so ${model.server} is only the last resort: every pull first goes to ${model.hosts.map((h) => h.url).join(', ')}`, fix: `server = "${upstream}", and the mirror as [host."${model.server}"] with capabilities = ["pull", "resolve"]` });
    }
  }
  for (const h of model.hosts) {
    if (!isUpstream(h.url)) continue;
    const someMirror = mirrorsInFile.length > 0 || (model.server !== undefined && !isUpstream(model.server));
    const notApi = ctx.registry === 'docker.io' && hostOf(h.url) === 'docker.io'
      ? ' Besides, docker.io is not Docker Hub\'s registry API host (registry-1.docker.io is).' : '';
    if (someMirror) {
      add({ code: 'HOST_IS_UPSTREAM', severity: 'error', host: h.url, message: `[host."${h.url}"] is ${ctx.registry} itself, not a mirror, and [host] entries are tried before \`server\`: every pull goes to the upstream first and reaches the mirror only after that fails.${notApi}`, fix: `remove this [host] table; the upstream belongs in server = "${upstream}"` });
    } else {
      add({ code: 'NO_MIRROR', severity: 'info', host: h.url, message: `[host."${h.url}"] is ${ctx.registry}'s own registry: this file configures no mirror${notApi}`, fix: 'harborctl <microk8s|containerd> configure-mirror --registry REGISTRY --mirror URL' });
    }
  }

  // What the mirror should be, when the caller knows it.
  if (ctx.mirror) {
    const want = expectedHostUrl(ctx.mirror, ctx.project);
    const candidates = [...model.hosts.map((h) => h.url), ...(model.server ? [model.server] : [])];
    const sameHost = candidates.filter((u) => hostOf(u) === hostOf(want));
    if (sameHost.length === 0) {
      add({ code: 'MIRROR_NOT_CONFIGURED', severity: 'error', message: `no [host] entry for the mirror ${want}: pulls of ${ctx.registry} do not go through it`, fix: `add [host."${want}"] with capabilities = ["pull", "resolve"]${ctx.project ? ' and override_path = true' : ''}` });
    } else {
      for (const u of sameHost) {
        if ((schemeOf(u) ?? 'https') !== schemeOf(want)) {
          const plain = schemeOf(want) === 'http';
          add({ code: plain ? 'HTTPS_FOR_PLAIN_HTTP' : 'HTTP_FOR_TLS', severity: 'error', host: u, message: plain
            ? `"${u}" uses https:// but the mirror ${ctx.mirror} speaks plain HTTP: containerd gets "http: server gave HTTP response to HTTPS client" and silently falls back (skip_verify does not help)`
            : `"${u}" uses http:// but the mirror ${ctx.mirror} serves TLS only: it answers 400 and containerd silently falls back`, fix: `write "${want}"` });
        } else if (pathOf(u) !== pathOf(want)) {
          add({ code: 'MIRROR_PATH_MISMATCH', severity: 'error', host: u, message: `"${u}" points at path ${pathOf(u) || '/'} on the mirror, but the ${ctx.project ? `proxy-cache project ${ctx.project} is at` : 'registry API is at'} ${pathOf(want) || '/'}: the mirror answers 404 and containerd falls back to the next host (when that is unreachable, the error names only the LAST host tried)`, fix: `write "${want}"${ctx.project ? ' with override_path = true' : ''}` });
        }
      }
    }
  }

  // What the network probe found (doctor).
  for (const { url, h } of entries) {
    const p = ctx.probes?.[url];
    if (!p) continue;
    const label = url === model.server ? `server "${url}"` : `[host."${url}"]`;
    if (ctx.projects?.[url] === 'missing') {
      const project = pathOf(url).replace(/^\/v2\//, '');
      add({ code: 'PROJECT_MISSING', severity: 'error', host: url, message: `${label}: the Harbor at ${hostOf(url)} has no project "${project}": every request under /v2/${project}/ answers 404 and containerd falls back to the next host (when that is unreachable, the error names only the LAST host tried)`, fix: `create the proxy-cache project ${project} on the mirror, or correct the project in the URL` });
    }
    switch (p.kind) {
      case 'registry': break;
      case 'tls-to-plain':
        add({ code: 'HTTPS_FOR_PLAIN_HTTP', severity: 'error', host: url, message: `${label}: the registry at ${hostOf(url)} speaks plain HTTP, but the URL says https://: containerd gets "http: server gave HTTP response to HTTPS client" and silently falls back${h.skipVerify ? '; skip_verify does not make containerd speak http' : ''}`, fix: `write "${withScheme(url, 'http')}"${h.skipVerify ? ' and remove skip_verify' : ''}` });
        break;
      case 'plain-to-tls':
        add({ code: 'HTTP_FOR_TLS', severity: 'error', host: url, message: `${label}: the registry at ${hostOf(url)} serves TLS only, but the URL says http://: it answers 400 and containerd silently falls back`, fix: `write "${withScheme(url, 'https')}" with ca = the registry's CA (configure-mirror --ca-file)` });
        break;
      case 'tls-untrusted':
        if (!h.skipVerify) add({ code: 'TLS_UNTRUSTED', severity: 'error', host: url, message: `${label}: its TLS certificate is not trusted (${p.detail}); containerd fails with "x509: certificate signed by unknown authority" and silently falls back`, fix: 'ca = "/path/to/ca.crt" (configure-mirror --ca-file FILE copies it next to hosts.toml); skip_verify = true works but trusts anyone' });
        break;
      case 'unreachable':
        add({ code: 'MIRROR_UNREACHABLE', severity: 'error', host: url, message: `${label}: nothing answers ${p.url} (${p.detail}); containerd skips it on every pull`, fix: 'start the registry (harborctl serve) or correct the address' });
        break;
      case 'not-registry':
        add({ code: 'NOT_A_REGISTRY', severity: 'error', host: url, message: `${label}: ${p.url} answered HTTP ${p.status}, not 200 or 401: no registry API there`, fix: 'correct the host and port' });
        break;
    }
  }
  const rank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  return { problems: problems.sort((a, b) => rank[a.severity] - rank[b.severity]), ignored: false, model };
}

/** The [host] URL of a mirror: its root, or URL/v2/PROJECT for a Harbor proxy-cache project. */
export function expectedHostUrl(mirror: string, project?: string): string {
  const root = mirror.replace(/\/+$/, '');
  return project ? `${root}/v2/${project}` : root;
}

export function failed(problems: Problem[]): boolean {
  return problems.some((p) => p.severity !== 'info');
}
