// harborctl sbom generate [HOST/]PROJECT/REPO(:TAG|@DIGEST) [--wait] [--timeout DUR]
// Asks the registry for an SBOM (Harbor's POST …/scan {"scan_type":"sbom"}); with --wait, follows
// sbom_overview until Success (exit 0) or Error (exit 1), or gives up after --timeout (exit 1).
import { setTimeout as sleep } from 'node:timers/promises';
import { HarborError } from '../../../core/errors.js';
import { parseDuration } from '../../../core/units.js';
import { formatRef, parseArtifactRef, referenceOf } from '../../../oci/reference.js';
import { generateSbom, getSbomArtifact } from '../../../client/sbom.js';
import { withSpinner } from '../../output/interactive.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { GENERATE_FIELDS, type GenerateResult } from './views.js';

export interface Options { wait?: boolean; timeout?: string }

const POLL_MS = 500;

export async function run(rt: Runtime, [name]: string[], o: Options): Promise<void> {
  const ref = parseArtifactRef(name, { reference: 'required' });
  const timeoutMs = parseDuration(o.timeout ?? '10m');
  if (o.timeout !== undefined && !o.wait) throw new HarborError('USAGE', '--timeout goes with --wait');
  const what = formatRef(ref);
  const result = await rt.withClient(async (c) => {
    await generateSbom(c, ref.project, ref.repo, referenceOf(ref)!);
    let a = await getSbomArtifact(c, ref.project, ref.repo, referenceOf(ref)!);
    if (o.wait) {
      const deadline = Date.now() + timeoutMs;
      a = await withSpinner(rt, `generating the SBOM of ${what}`, async () => {
        let cur = a;
        // By digest from here on: a tag moved meanwhile must not change what we wait for.
        while (!['Success', 'Error', 'Stopped'].includes(cur.sbom_overview?.scan_status ?? '')) {
          if (Date.now() >= deadline) throw new HarborError('TIMEOUT', `the SBOM of ${what} is not ready after ${o.timeout ?? '10m'} (status ${cur.sbom_overview?.scan_status ?? 'unknown'}); see harborctl sbom list ${ref.project}`);
          await sleep(POLL_MS);
          cur = await getSbomArtifact(c, ref.project, ref.repo, a.digest);
        }
        return cur;
      });
    }
    return a;
  }, { host: ref.host });
  const out: GenerateResult = { artifact: what, digest: result.digest, sbom_overview: result.sbom_overview ?? null };
  renderObject(rt.io, rt.opts.output, out, GENERATE_FIELDS);
  if (o.wait && out.sbom_overview?.scan_status !== 'Success') {
    throw new HarborError('SBOM_FAILED', `SBOM generation for ${what} ended with status ${out.sbom_overview?.scan_status ?? 'unknown'}`);
  }
}
