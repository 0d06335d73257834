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
/**
 * The work one archive may cause, its nested archives included. Zip entries may overlap (many
 * directory entries naming the same bytes), so a small jar can name one nested jar 65,535 times,
 * each naming another 65,535 times: without a total the nesting multiplies, the size does not.
 * A Spring Boot jar or an EAR has hundreds of nested archives and some 100,000 members.
 */
const MAX_NESTED = 20_000;
const MAX_MEMBERS = 1_000_000;
const MAX_INFLATED_TOTAL = 1024 * 1024 * 1024;

interface Budget { nested: number; members: number; inflated: number }

function overBudget(b: Budget): string | null {
  if (b.nested > MAX_NESTED) return `more than ${MAX_NESTED} nested archives`;
  if (b.members > MAX_MEMBERS) return `more than ${MAX_MEMBERS} members`;
  if (b.inflated > MAX_INFLATED_TOTAL) return `more than ${MAX_INFLATED_TOTAL} bytes to inflate`;
  return null;
}

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

/** Throws (the walker turns it into a warning) when the archive is past the budget above. */
export function catalogJar(jar: Buffer | RandomAccess, location: string, depth = 0, budget: Budget = { nested: 0, members: 0, inflated: 0 }): FoundPackage[] {
  const zip = Buffer.isBuffer(jar) ? bufferAccess(jar) : jar;
  let entries;
  try { entries = zipEntries(zip); } catch { return []; }
  const out: FoundPackage[] = [];
  for (const e of entries) {
    budget.members++;
    const over = overBudget(budget);
    if (over) throw new Error(`${over}, nested ones counted: not read further`);
    try {
      if (POM_PROPERTIES.test(e.name)) {
        const body = zipRead(zip, e, 1024 * 1024);
        if (!body) continue;
        if (e.method !== 0) budget.inflated += body.length;
        const p = parseProperties(body.toString('utf8'));
        const [groupId, artifactId, version] = [p.get('groupId'), p.get('artifactId'), p.get('version')];
        if (groupId && artifactId && version) {
          out.push({ type: 'maven', name: artifactId, namespace: groupId, version, licenses: [], location: `${location}!/${e.name}` });
        }
      } else if (depth < MAX_DEPTH && ARCHIVE.test(e.name)) {
        budget.nested++;
        const inner = zipMember(zip, e, MAX_INFLATED);
        if (!inner) continue;
        if (e.method !== 0) budget.inflated += inner.size;
        out.push(...catalogJar(inner, `${location}!/${e.name}`, depth + 1, budget));
      }
    } catch (err) {
      // A damaged member does not hide the others; a spent budget ends the whole archive.
      if (overBudget(budget)) throw err;
    }
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
