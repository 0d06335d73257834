// harborctl scan [HOST/]PROJECT/REPO(:TAG|@DIGEST) [--wait] [--timeout DUR]
// Asks for a vulnerability scan; with --wait, follows scan_overview until Success (exit 0) or
// Error/Stopped (exit 1), or gives up after --timeout (exit 1).
import { setTimeout as sleep } from 'node:timers/promises';
import { getScannedArtifact, scanArtifact } from '../../../client/scanners.js';
import type { Artifact, ScanSummary } from '../../../client/types.js';
import { HarborError } from '../../../core/errors.js';
import { parseDuration } from '../../../core/units.js';
import { formatRef, parseArtifactRef, referenceOf } from '../../../oci/reference.js';
import { withSpinner } from '../../output/interactive.js';
import { renderObject, type Column } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

export interface Options { wait?: boolean; timeout?: string }

interface ScanResult { artifact: string; digest: string; scan_overview: ScanSummary | null }

const POLL_MS = 500;

const FIELDS: Column<ScanResult>[] = [
  { header: 'ARTIFACT', value: (r) => r.artifact },
  { header: 'DIGEST', value: (r) => r.digest },
  { header: 'STATUS', value: (r) => r.scan_overview?.scan_status ?? 'none' },
  { header: 'SEVERITY', value: (r) => r.scan_overview?.severity },
  { header: 'VULNERABILITIES', value: (r) => r.scan_overview?.summary?.total },
  { header: 'FIXABLE', value: (r) => r.scan_overview?.summary?.fixable },
  { header: 'BY SEVERITY', value: (r) => Object.entries(r.scan_overview?.summary?.summary ?? {}).map(([k, v]) => `${k}:${v}`).join(' ') },
  { header: 'SCANNER', value: (r) => [r.scan_overview?.scanner?.name, r.scan_overview?.scanner?.version].filter(Boolean).join(' ') },
  { header: 'REPORT', value: (r) => r.scan_overview?.report_id },
];

/** The first report of the overview (Harbor keys it by the report's MIME type). */
const summaryOf = (a: Artifact): ScanSummary | null => Object.values(a.scan_overview ?? {})[0] ?? null;

export async function run(rt: Runtime, [name]: string[], o: Options): Promise<void> {
  const ref = parseArtifactRef(name, { reference: 'required' });
  if (o.timeout !== undefined && !o.wait) throw new HarborError('USAGE', '--timeout goes with --wait');
  const timeoutMs = parseDuration(o.timeout ?? '10m');
  const what = formatRef(ref);
  const a = await rt.withClient(async (c) => {
    await scanArtifact(c, ref.project, ref.repo, referenceOf(ref)!);
    let cur = await getScannedArtifact(c, ref.project, ref.repo, referenceOf(ref)!);
    if (!o.wait) return cur;
    const deadline = Date.now() + timeoutMs;
    return withSpinner(rt, `scanning ${what}`, async () => {
      // By digest from here on: a tag moved meanwhile must not change what we wait for.
      while (!['Success', 'Error', 'Stopped'].includes(summaryOf(cur)?.scan_status ?? '')) {
        if (Date.now() >= deadline) throw new HarborError('TIMEOUT', `the scan of ${what} has no report after ${o.timeout ?? '10m'} (status ${summaryOf(cur)?.scan_status ?? 'unknown'})`);
        await sleep(POLL_MS);
        cur = await getScannedArtifact(c, ref.project, ref.repo, cur.digest);
      }
      return cur;
    });
  }, { host: ref.host });
  const out: ScanResult = { artifact: what, digest: a.digest, scan_overview: summaryOf(a) };
  renderObject(rt.io, rt.opts.output, out, FIELDS);
  if (o.wait && out.scan_overview?.scan_status !== 'Success') {
    throw new HarborError('SCAN_FAILED', `the scan of ${what} ended with status ${out.scan_overview?.scan_status ?? 'unknown'}`);
  }
}
