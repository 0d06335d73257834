// Java archives (.jar, .war, .ear, and jars nested in them such as Spring Boot's BOOT-INF/lib):
// every META-INF/maven/<group>/<artifact>/pom.properties inside names one Maven artifact.
import type { FoundPackage } from '../types.js';
import type { FileCataloger } from './types.js';
import { zipEntries, zipRead } from './zip.js';

const ARCHIVE = /\.(jar|war|ear|jpi|hpi|par|sar|nar)$/i;
const POM_PROPERTIES = /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/;
const MAX_NESTED = 64 * 1024 * 1024;
const MAX_DEPTH = 3;

export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export function catalogJar(jar: Buffer, location: string, depth = 0): FoundPackage[] {
  let entries;
  try { entries = zipEntries(jar); } catch { return []; }
  const out: FoundPackage[] = [];
  for (const e of entries) {
    try {
      if (POM_PROPERTIES.test(e.name)) {
        const body = zipRead(jar, e, 1024 * 1024);
        if (!body) continue;
        const p = parseProperties(body.toString('utf8'));
        if (p.groupId && p.artifactId && p.version) {
          out.push({ type: 'maven', name: p.artifactId, namespace: p.groupId, version: p.version, licenses: [], location: `${location}!/${e.name}` });
        }
      } else if (depth < MAX_DEPTH && ARCHIVE.test(e.name)) {
        const inner = zipRead(jar, e, MAX_NESTED);
        if (inner) out.push(...catalogJar(inner, `${location}!/${e.name}`, depth + 1));
      }
    } catch { /* a damaged member does not hide the others */ }
  }
  return out;
}

export const javaCataloger: FileCataloger = {
  name: 'java',
  maxBytes: 256 * 1024 * 1024,
  matches: (path) => ARCHIVE.test(path),
  parse: (path, body) => catalogJar(body, path),
};
