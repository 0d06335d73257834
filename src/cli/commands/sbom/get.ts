// harborctl sbom get [HOST/]PROJECT/REPO(:TAG|@DIGEST) [--format spdx|cyclonedx] [--file PATH]
// The stored document, byte for byte, on stdout (or in PATH). An index has one SBOM per platform:
// name the platform's manifest by digest.
import { HarborError } from '../../../core/errors.js';
import { formatRef, parseArtifactRef, referenceOf } from '../../../oci/reference.js';
import { findSbomDigest, getSbomArtifact, getSbomDocument } from '../../../client/sbom.js';
import type { Runtime } from '../../runtime.js';
import { parseFormat } from './scan-local.js';
import { writeDocument } from './write.js';

export interface Options { format?: string; file?: string }

export async function run(rt: Runtime, [name]: string[], o: Options): Promise<void> {
  const ref = parseArtifactRef(name, { reference: 'required' });
  const format = parseFormat(o.format);
  const what = formatRef(ref);
  const doc = await rt.withClient(async (c) => {
    const a = await getSbomArtifact(c, ref.project, ref.repo, referenceOf(ref)!);
    const children = (a.references ?? []).filter((r) => r.platform?.os !== 'unknown');
    if (children.length) {
      const list = children.map((r) => `${[r.platform?.os, r.platform?.architecture, r.platform?.variant].filter(Boolean).join('/')} ${ref.project}/${ref.repo}@${r.child_digest}`);
      throw new HarborError('USAGE', `${what} is an index: each platform has its own SBOM; name one: ${list.join(', ')}`);
    }
    const digest = await findSbomDigest(c, ref.project, ref.repo, a, format);
    if (!digest) {
      const s = a.sbom_overview?.scan_status;
      throw new HarborError('NOT_FOUND', `${what} has no ${format === 'spdx' ? 'SPDX' : 'CycloneDX'} SBOM${s && s !== 'Success' ? ` (generation: ${s})` : ''}: run harborctl sbom generate ${what} --wait`);
    }
    return getSbomDocument(c, ref.project, ref.repo, digest);
  }, { host: ref.host });
  if (await writeDocument(rt.io.stdout, doc, o.file)) rt.info(`wrote the ${format === 'spdx' ? 'SPDX' : 'CycloneDX'} SBOM of ${what} to ${o.file}`);
}
