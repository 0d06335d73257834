// harborctl sbom scan-local OCI_LAYOUT_OR_TAR [--ref NAME] [--format spdx|cyclonedx] [--file PATH]
// Generates an SBOM from an image on disk, no registry needed (CI before a push). The document goes
// to stdout unless --file; warnings (files over a cataloger's limit) go to stderr.
import { HarborError } from '../../../core/errors.js';
import { harborctlVersion } from '../../../core/version.js';
import { scanLocalImage, toCycloneDx, toSpdx } from '../../../sbom/index.js';
import { plural } from '../../output/render.js';
import type { OutStream } from '../../runtime.js';
import { writeDocument } from './write.js';

export const SBOM_FORMATS = ['spdx', 'cyclonedx'] as const;
export type SbomFormat = (typeof SBOM_FORMATS)[number];

export interface Options { ref?: string; format?: string; file?: string }

export function parseFormat(s: string | undefined): SbomFormat {
  const f = (s ?? 'spdx').toLowerCase();
  if (f === 'spdx' || f === 'spdx-json') return 'spdx';
  if (f === 'cyclonedx' || f === 'cdx' || f === 'cyclonedx-json') return 'cyclonedx';
  throw new HarborError('USAGE', `invalid --format ${JSON.stringify(s)}: spdx or cyclonedx`);
}

export async function scanLocal(io: { stdout: OutStream; stderr: OutStream }, path: string, o: Options): Promise<void> {
  const format = parseFormat(o.format);
  const inv = await scanLocalImage(path, o.ref);
  for (const w of inv.warnings) io.stderr.write(`harborctl: warning: ${w}\n`);
  const opts = { toolName: 'harborctl', toolVersion: harborctlVersion() };
  const doc = format === 'spdx' ? toSpdx(inv, opts) : toCycloneDx(inv, opts);
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  if (!(await writeDocument(io.stdout, text, o.file))) return;
  io.stderr.write(`wrote ${format === 'spdx' ? 'SPDX 2.3' : 'CycloneDX 1.6'} SBOM of ${inv.subject.name} (${plural(inv.packages.length, 'package')}) to ${o.file}\n`);
}
