// What the gc verbs print: a run's row (status and, once done, what it freed).
import type { GcHistory, GcParameters } from '../../../client/gc.js';
import { HarborError } from '../../../core/errors.js';
import { shortTime, type Column } from '../../output/render.js';

function params(h: GcHistory): Record<string, unknown> {
  try {
    return JSON.parse(h.job_parameters ?? '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
}

export const GC_COLUMNS: Column<GcHistory>[] = [
  { header: 'ID', value: (h) => h.id },
  { header: 'STATUS', value: (h) => h.job_status },
  { header: 'TRIGGER', value: (h) => h.job_kind },
  { header: 'DRY RUN', value: (h) => Boolean(params(h).dry_run) },
  { header: 'FREED BYTES', value: (h) => params(h).freed_space as number | undefined },
  { header: 'BLOBS', value: (h) => params(h).purged_blobs as number | undefined },
  { header: 'ARTIFACTS', value: (h) => params(h).purged_manifests as number | undefined },
  { header: 'UPDATED', value: (h) => shortTime(h.update_time) },
];

export interface GcFlags { dryRun?: boolean; deleteUntagged?: boolean; workers?: string }

export function gcParameters(o: GcFlags): GcParameters {
  const workers = Number(o.workers ?? '1');
  if (!Number.isInteger(workers) || workers < 1 || workers > 10) throw new HarborError('USAGE', `invalid --workers ${JSON.stringify(o.workers)}: 1 to 10`);
  return { delete_untagged: Boolean(o.deleteUntagged), dry_run: Boolean(o.dryRun), workers };
}

/** A positional run id. */
export function runId(v: string): number {
  if (!/^[1-9][0-9]{0,14}$/.test(v)) throw new HarborError('USAGE', `invalid id ${JSON.stringify(v.slice(0, 40))}: a GC run's number (see harborctl gc history)`);
  return Number(v);
}
