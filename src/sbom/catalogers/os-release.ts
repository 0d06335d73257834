// os-release(5): KEY=value lines, values optionally quoted. etc/os-release wins over usr/lib/os-release.
import type { OsRelease } from '../types.js';

export const OS_RELEASE_PATHS = ['etc/os-release', 'usr/lib/os-release'];

export function parseOsRelease(text: string): OsRelease | undefined {
  const kv: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(raw);
    if (!m) continue;
    let v = m[2]!.trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    kv[m[1]!] = v.replace(/\\(["'\\$`])/g, '$1');
  }
  if (!kv.ID) return undefined;
  return {
    id: kv.ID.toLowerCase(),
    ...(kv.VERSION_ID ? { versionId: kv.VERSION_ID } : {}),
    ...(kv.NAME ? { name: kv.NAME } : {}),
    ...(kv.PRETTY_NAME ? { prettyName: kv.PRETTY_NAME } : {}),
    ...(kv.VERSION_CODENAME ? { versionCodename: kv.VERSION_CODENAME } : {}),
  };
}
