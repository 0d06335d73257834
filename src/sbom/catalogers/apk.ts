// Alpine: lib/apk/db/installed, blocks of "X:value" lines separated by blank lines
// (P name, V version, A arch, L license).
import type { FoundPackage } from '../types.js';
import type { FileCataloger } from './types.js';

export function parseApkInstalled(text: string): FoundPackage[] {
  const out: FoundPackage[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const f: Record<string, string> = {};
    for (const line of block.split(/\r?\n/)) {
      if (line.length >= 2 && line[1] === ':' && !(line[0]! in f)) f[line[0]!] = line.slice(2);
    }
    if (!f.P || !f.V) continue;
    out.push({ type: 'apk', name: f.P, version: f.V, licenses: f.L ? [f.L] : [], ...(f.A ? { arch: f.A } : {}) });
  }
  return out;
}

export const apkCataloger: FileCataloger = {
  name: 'apk',
  maxBytes: 64 * 1024 * 1024,
  matches: (path) => /(^|\/)lib\/apk\/db\/installed$/.test(path),
  parse: (_path, body) => parseApkInstalled(body.toString('utf8')),
};
