// The other half of a working mirror: containerd must be told where certs.d is. CRI (the kubelet's
// and MicroK8s' path) reads `config_path` from its registry section; without it hosts.toml files
// are never read. Also Docker's daemon.json, which looks relevant and does nothing for containerd.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isTable, parseTomlText, type TomlTable } from './parse.js';
import type { Problem } from './validate.js';

export interface ConfigPathCheck {
  file: string;
  /** config_path as written, and with ${VARS} expanded. */
  configPath?: string;
  resolved?: string;
  problems: Problem[];
}

function registrySection(raw: TomlTable): { table?: TomlTable; name: string } {
  const plugins = isTable(raw.plugins) ? raw.plugins : {};
  // config version 2 (containerd 1.x), version 3 (2.x), and version 1's short plugin name.
  for (const name of ['io.containerd.grpc.v1.cri', 'io.containerd.cri.v1.images', 'cri']) {
    const p = plugins[name];
    if (isTable(p) && isTable(p.registry)) return { table: p.registry, name: `plugins."${name}".registry` };
  }
  return { name: 'plugins."io.containerd.grpc.v1.cri".registry' };
}

export function expandVars(s: string, vars: Record<string, string>): string {
  return s.replace(/\$\{(\w+)\}|\$(\w+)/g, (m, a: string | undefined, b: string | undefined) => vars[(a ?? b) as string] ?? m);
}

export function checkConfigPath(file: string, certsDir: string, vars: Record<string, string>, restartCommand: string): ConfigPathCheck {
  const problems: Problem[] = [];
  const add = (p: Omit<Problem, 'file'>): void => { problems.push({ file, ...p }); };
  if (!existsSync(file)) {
    add({ code: 'CONTAINERD_CONFIG_NOT_FOUND', severity: 'warning', message: `${file} does not exist, so whether containerd reads ${certsDir} (config_path) cannot be checked`, fix: 'pass --containerd-config FILE with containerd\'s config (MicroK8s: args/containerd-template.toml)' });
    return { file, problems };
  }
  const r = parseTomlText(readFileSync(file, 'utf8'));
  if (!r.ok) {
    add({ code: 'CONTAINERD_CONFIG_UNPARSABLE', severity: 'error', message: `${file} is not valid TOML (${r.error}${r.line ? `, line ${r.line}` : ''}); containerd will not start with it`, fix: 'correct the syntax' });
    return { file, problems };
  }
  const { table, name } = registrySection(r.raw);
  const configPath = table && typeof table.config_path === 'string' ? table.config_path : undefined;
  const snippet = `[${name}]\n  config_path = "${certsDir}"`;
  if (!configPath) {
    add({ code: 'CONFIG_PATH_MISSING', severity: 'error', message: `${file} sets no ${name}.config_path, so containerd's CRI plugin (the kubelet's pulls) never reads ${certsDir}: the hosts.toml files there do nothing`, fix: `add\n${snippet}\nthen restart containerd (${restartCommand})` });
  } else {
    const resolved = resolve(expandVars(configPath, vars));
    const dirs = resolved.split(':');
    if (!dirs.includes(resolve(certsDir))) {
      add({ code: 'CONFIG_PATH_MISMATCH', severity: 'warning', message: `${name}.config_path in ${file} is "${configPath}" (${resolved}), not ${certsDir}: containerd reads its hosts.toml files from there, not from ${certsDir}`, fix: `set config_path = "${certsDir}" and restart (${restartCommand}), or pass --certs-dir ${resolved}` });
    }
    if (table && isTable(table.mirrors) && Object.keys(table.mirrors).length > 0) {
      add({ code: 'MIRRORS_WITH_CONFIG_PATH', severity: 'error', message: `${file} sets both ${name}.mirrors (the old syntax) and config_path: containerd 1.6 refuses that combination ("mirrors cannot be set when config_path is provided") and the CRI plugin does not load`, fix: `remove the ${name}.mirrors section (hosts.toml replaces it) and restart (${restartCommand})` });
    }
    return { file, configPath, resolved, problems };
  }
  return { file, problems };
}

/** Docker's daemon.json settings that people expect to configure containerd. */
export function checkDockerDaemonJson(file: string): Problem[] {
  if (!existsSync(file)) return [];
  let data: Record<string, unknown>;
  try { data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>; } catch { return []; }
  const out: Problem[] = [];
  for (const key of ['insecure-registries', 'registry-mirrors']) {
    if (Array.isArray(data[key]) && data[key].length > 0) {
      out.push({ file, code: 'DOCKER_SETTING_IGNORED', severity: 'info', message: `${key} in Docker's daemon.json (${(data[key] as unknown[]).join(', ')}) configures dockerd only: containerd's CRI plugin, the kubelet and MicroK8s never read it`, fix: 'configure the mirror in hosts.toml (configure-mirror); plain HTTP there is the http:// scheme' });
    }
  }
  return out;
}
