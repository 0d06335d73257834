// model → hosts.toml text, from templates/containerd/hosts.toml. Deterministic (no dates), so that
// writing the same configuration twice changes nothing.
import { readFileSync } from 'node:fs';
import type { HostsFile, MirrorHost } from './model.js';

let cached: string | undefined;

/** templates/ sits at the package root: ../../templates from src/mirror, ../../../ from dist/src/mirror. */
export function loadTemplate(name: string): string {
  for (const rel of ['../../templates/', '../../../templates/']) {
    try { return readFileSync(new URL(rel + name, import.meta.url), 'utf8'); } catch { /* next */ }
  }
  throw new Error(`template ${name} not found next to the harborctl package`);
}

/** A TOML basic string (JSON's escapes are a subset of TOML's). */
export function tomlString(s: string): string {
  return JSON.stringify(s);
}

function tomlValue(v: string | string[] | string[][]): string {
  if (typeof v === 'string') return tomlString(v);
  return `[${(v as (string | string[])[]).map((x) => (Array.isArray(x) ? tomlValue(x) : tomlString(x))).join(', ')}]`;
}

function settingLines(h: Omit<MirrorHost, 'url'>, indent: string): string[] {
  const out: string[] = [];
  if (h.capabilities) out.push(`capabilities = ${tomlValue(h.capabilities)}`);
  if (h.ca !== undefined) out.push(`ca = ${tomlValue(h.ca)}`);
  if (h.client !== undefined) out.push(`client = ${tomlValue(h.client)}`);
  if (h.skipVerify !== undefined) out.push(`skip_verify = ${h.skipVerify}`);
  if (h.overridePath !== undefined) out.push(`override_path = ${h.overridePath}`);
  if (h.header && Object.keys(h.header).length > 0) {
    out.push(`header = { ${Object.entries(h.header).map(([k, v]) => `${tomlString(k)} = ${tomlValue(v)}`).join(', ')} }`);
  }
  return out.map((l) => indent + l);
}

export function renderHostsToml(file: HostsFile, registry: string): string {
  cached ??= loadTemplate('containerd/hosts.toml');
  const server = file.server === undefined ? '' : [`server = ${tomlString(file.server)}`, ...settingLines(file.serverSettings ?? {}, '')].join('\n') + '\n';
  const blocks = file.hosts.map((h) => ['', `[host.${tomlString(h.url)}]`, ...settingLines(h, '  ')].join('\n') + '\n');
  // containerd 1.6/1.7 reject a file with no host table at all (containerd#10027): keep the stub.
  if (file.hosts.length === 0 && file.server !== undefined) blocks.push('\n[host]\n');
  return cached.replaceAll('{{registry}}', registry).replace('{{server}}', server).replace('{{hosts}}\n', blocks.join(''));
}
