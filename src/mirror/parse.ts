// hosts.toml text → model. TOML itself is parsed by smol-toml (a small, spec-complete TOML 1.0
// parser); this file only maps the tree onto containerd's fields, keeping whatever does not fit so
// the validator can explain it.
import { parse as parseToml, TomlError } from 'smol-toml';
import type { HostsFile, MirrorHost } from './model.js';

export type TomlTable = Record<string, unknown>;

export type ParseResult =
  | { ok: true; file: HostsFile; raw: TomlTable }
  | { ok: false; error: string; line?: number; column?: number };

export function parseTomlText(text: string): { ok: true; raw: TomlTable } | { ok: false; error: string; line?: number; column?: number } {
  try {
    return { ok: true, raw: parseToml(text) as TomlTable };
  } catch (e) {
    if (e instanceof TomlError) return { ok: false, error: e.message.split('\n')[0], line: e.line, column: e.column };
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

export function parseHostsToml(text: string): ParseResult {
  const r = parseTomlText(text);
  if (!r.ok) return r;
  return { ok: true, file: toModel(r.raw), raw: r.raw };
}

export function isTable(v: unknown): v is TomlTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function settingsOf(t: TomlTable): Omit<MirrorHost, 'url'> {
  const s: Omit<MirrorHost, 'url'> = {};
  if (Array.isArray(t.capabilities)) s.capabilities = t.capabilities.map(String);
  if (typeof t.ca === 'string' || Array.isArray(t.ca)) s.ca = t.ca as string | string[];
  if (typeof t.client === 'string' || Array.isArray(t.client)) s.client = t.client as string | string[] | string[][];
  if (typeof t.skip_verify === 'boolean') s.skipVerify = t.skip_verify;
  if (typeof t.override_path === 'boolean') s.overridePath = t.override_path;
  if (isTable(t.header)) {
    s.header = Object.fromEntries(Object.entries(t.header).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]));
  }
  return s;
}

/** The model of a parsed tree; keys it does not know are left for the validator. */
export function toModel(raw: TomlTable): HostsFile {
  const file: HostsFile = { hosts: [] };
  if (typeof raw.server === 'string') file.server = raw.server;
  const top = settingsOf(raw);
  if (Object.keys(top).length > 0) file.serverSettings = top;
  if (isTable(raw.host)) {
    const entries = Object.entries(raw.host);
    if (entries.length === 0) file.emptyHostTable = true;
    // smol-toml keeps the file's order, which is containerd's order of trying the hosts.
    for (const [url, t] of entries) if (isTable(t)) file.hosts.push({ url, ...settingsOf(t) });
  }
  return file;
}
