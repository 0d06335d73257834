// Python: installed distributions' metadata (core metadata spec): *.dist-info/METADATA (wheels) and
// *.egg-info/PKG-INFO (setuptools). Only the header block; the body is the long description.
import type { FoundPackage } from '../types.js';
import { parseParagraphs } from './control.js';
import type { FileCataloger } from './types.js';

export function parsePythonMetadata(text: string): FoundPackage[] {
  const [h] = parseParagraphs(text, { stopAtBlank: true });
  const name = h?.get('Name');
  const version = h?.get('Version');
  if (!h || !name || !version) return [];
  let licenses: string[] = [];
  const expr = h.get('License-Expression');
  const lic = h.get('License');
  if (expr) licenses = [expr];
  else if (lic && lic !== 'UNKNOWN' && !lic.includes('\n') && lic.length <= 100) licenses = [lic];
  else {
    licenses = (h.get('Classifier') ?? '').split('\n')
      .filter((c) => c.startsWith('License ::'))
      .map((c) => c.split('::').pop()!.trim())
      .filter((c) => c && c !== 'OSI Approved');
  }
  return [{ type: 'pypi', name, version, licenses }];
}

export const pythonCataloger: FileCataloger = {
  name: 'python',
  maxBytes: 4 * 1024 * 1024,
  matches: (path) => /[^/]\.dist-info\/METADATA$/.test(path) || /[^/]\.egg-info\/PKG-INFO$/.test(path),
  parse: (_path, body) => parsePythonMetadata(body.toString('utf8')),
};
