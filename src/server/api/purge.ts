// Harbor tag "purge": /system/purgeaudit (history, log, stop, schedule) with parameters
// audit_retention_hour (required, at most 240000), include_event_types (required, a comma list)
// and dry_run, as Harbor's src/server/v2.0/handler/purge.go checks them.
import { HarborError } from '../../core/errors.js';
import { MAX_AUDIT_RETENTION_HOURS, PURGE_AUDIT_KIND, type PurgeParams } from '../../services/audit.js';
import { optBoolean, optInteger, optString, type ApiRouter } from './router.js';
import { systemJobRoutes } from './system-jobs.js';

export function purgeParameters(raw: Record<string, unknown>): PurgeParams & Record<string, unknown> {
  const hours = optInteger(raw, 'audit_retention_hour');
  if (hours === undefined) throw new HarborError('BAD_REQUEST', 'audit_retention_hour should provide');
  if (hours > MAX_AUDIT_RETENTION_HOURS) throw new HarborError('BAD_REQUEST', `audit_retention_hour should be less than ${MAX_AUDIT_RETENTION_HOURS}`);
  const types = optString(raw, 'include_event_types');
  if (types === undefined) throw new HarborError('BAD_REQUEST', 'include_event_types should provide');
  return { audit_retention_hour: hours, include_event_types: types.slice(0, 1000), dry_run: optBoolean(raw, 'dry_run') ?? false };
}

export function purgeRoutes(r: ApiRouter): void {
  systemJobRoutes(r, { base: '/system/purgeaudit', idName: 'purge_id', kind: PURGE_AUDIT_KIND, resource: 'purge-audit', parameters: purgeParameters });
}
