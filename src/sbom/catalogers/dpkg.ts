// Debian/Ubuntu: var/lib/dpkg/status, and distroless images' var/lib/dpkg/status.d/<pkg> (one
// paragraph per file, no Status field). A package counts unless dpkg marks it not-installed: the
// same set `dpkg-query -W` lists. dpkg does not record licenses.
import type { FoundPackage } from '../types.js';
import { parseParagraphs } from './control.js';
import type { FileCataloger } from './types.js';

const STATUS = /(^|\/)var\/lib\/dpkg\/status$/;
const STATUS_D = /(^|\/)var\/lib\/dpkg\/status\.d\/[^/]+$/;

export function parseDpkgStatus(text: string): FoundPackage[] {
  const out: FoundPackage[] = [];
  for (const p of parseParagraphs(text)) {
    const name = p.get('Package');
    const version = p.get('Version');
    if (!name || !version) continue;
    const status = p.get('Status');
    // "want flag state": skip what dpkg itself considers absent.
    if (status && status.split(/\s+/)[2] === 'not-installed') continue;
    const arch = p.get('Architecture');
    out.push({ type: 'deb', name, version, licenses: [], ...(arch ? { arch } : {}) });
  }
  return out;
}

export const dpkgCataloger: FileCataloger = {
  name: 'dpkg',
  maxBytes: 64 * 1024 * 1024,
  matches: (path) => STATUS.test(path) || (STATUS_D.test(path) && !path.endsWith('.md5sums')),
  parse: (_path, body) => parseDpkgStatus(body.toString('utf8')),
};
