// Harbor tag "gc": /system/gc (history, log, stop, schedule) with parameters delete_untagged,
// dry_run and workers (1-10, Harbor's handler bounds), as Harbor's src/server/v2.0/handler/gc.go.
import { HarborError } from '../../core/errors.js';
import { GC_KIND, type GcParams } from '../../services/gc.js';
import { optBoolean, optInteger, type ApiRouter } from './router.js';
import { systemJobRoutes } from './system-jobs.js';

export function gcParameters(raw: Record<string, unknown>): GcParams & Record<string, unknown> {
  const workers = optInteger(raw, 'workers') ?? 1;
  if (workers < 1 || workers > 10) throw new HarborError('BAD_REQUEST', 'workers must be between 1 and 10');
  return { delete_untagged: optBoolean(raw, 'delete_untagged') ?? false, dry_run: optBoolean(raw, 'dry_run') ?? false, workers };
}

export function gcRoutes(r: ApiRouter): void {
  systemJobRoutes(r, { base: '/system/gc', idName: 'gc_id', kind: GC_KIND, resource: 'garbage-collection', parameters: gcParameters });
}
