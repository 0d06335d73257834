// Java archives (.jar, .war, .ear, and jars nested in them such as Spring Boot's BOOT-INF/lib):
// every META-INF/maven/<group>/<artifact>/pom.properties inside names one Maven artifact.
// A jar larger than the walker keeps in memory arrives as a temp file and is read at offsets; a
// stored nested jar is read in place, a deflated one is inflated up to MAX_INFLATED (issue 13.1).
import { closeSync, openSync } from 'node:fs';
import type { FoundPackage } from '../types.js';
import type { FileCataloger } from './types.js';
import { bufferAccess, fileAccess, zipEntries, zipMember, zipRead, type RandomAccess } from './zip.js';

const ARCHIVE = /\.(jar|war|ear|jpi|hpi|par|sar|nar)$/i;
const POM_PROPERTIES = /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/;
const MAX_INFLATED = 16 * 1024 * 1024;
const MAX_DEPTH = 3;

export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

export function catalogJar(jar: Buffer | RandomAccess, location: string, depth = 0): FoundPackage[] {
  const zip = Buffer.isBuffer(jar) ? bufferAccess(jar) : jar;
  let entries;
  try { entries = zipEntries(zip); } catch { return []; }
  const out: FoundPackage[] = [];
  for (const e of entries) {
    try {
      if (POM_PROPERTIES.test(e.name)) {
        const body = zipRead(zip, e, 1024 * 1024);
        if (!body) continue;
        const p = parseProperties(body.toString('utf8'));
        const [groupId, artifactId, version] = [p.get('groupId'), p.get('artifactId'), p.get('version')];
        if (groupId && artifactId && version) {
          out.push({ type: 'maven', name: artifactId, namespace: groupId, version, licenses: [], location: `${location}!/${e.name}` });
        }
      } else if (depth < MAX_DEPTH && ARCHIVE.test(e.name)) {
        const inner = zipMember(zip, e, MAX_INFLATED);
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
  parseFile: (path, file, size) => {
    const fd = openSync(file, 'r');
    try {
      return catalogJar(fileAccess(fd, size), path);
    } finally {
      closeSync(fd);
    }
  },
};
