// The extended audit log's event types and the checks of its three settings, shared by the
// configuration API (services/config.ts) and `serve`'s flags, which seed those items: a leaf, so the
// CLI checks its flags before it opens anything.
import { HarborError } from './errors.js';
import { parseListen } from './units.js';

/** The event types we record, Harbor's `operation_resourcetype` names (GET /auditlog-exts/events). */
export const AUDIT_EVENT_TYPES = [
  'create_artifact', 'delete_artifact', 'pull_artifact',
  'create_project', 'update_project', 'delete_project',
  'create_project_member', 'update_project_member', 'delete_project_member',
  'create_robot', 'update_robot', 'delete_robot',
  'create_user', 'update_user', 'delete_user', 'login_user', 'logout_user',
  'create_registry', 'update_registry', 'delete_registry',
  'update_configuration',
  'create_webhook_policy', 'update_webhook_policy', 'delete_webhook_policy',
  'update_quota',
  'create_retention_policy', 'update_retention_policy', 'delete_retention_policy',
  'create_immutable_rule', 'update_immutable_rule', 'delete_immutable_rule',
  'create_gc_schedule', 'update_gc_schedule', 'create_purge_audit_schedule', 'update_purge_audit_schedule',
  'create_replication_policy', 'update_replication_policy', 'delete_replication_policy',
] as const;

const KNOWN: ReadonlySet<string> = new Set(AUDIT_EVENT_TYPES);

/** `a, b` → ['a', 'b'] (Harbor's disabled_audit_log_event_types is one comma-separated string). */
export function eventTypeList(v: string): string[] {
  return v.split(',').map((t) => t.trim()).filter(Boolean);
}

/** Every entry is an event type of GET /auditlog-exts/events; BAD_REQUEST naming `field` otherwise. */
export function checkAuditEventTypes(v: string, field = 'disabled_audit_log_event_types'): void {
  for (const t of eventTypeList(v)) {
    if (!KNOWN.has(t)) {
      throw new HarborError('BAD_REQUEST', `${field}: unknown event type ${JSON.stringify(t.slice(0, 60))}; the types are those of GET /api/v2.0/auditlog-exts/events`);
    }
  }
}

/** '' or host:port of a syslog server (IPv6 as [::1]:514); BAD_REQUEST naming `field` otherwise. */
export function checkForwardEndpoint(v: string, field = 'audit_log_forward_endpoint'): void {
  if (v === '') return;
  try {
    parseListen(v);
  } catch {
    throw new HarborError('BAD_REQUEST', `${field} must be HOST:PORT, not ${JSON.stringify(v.slice(0, 100))}`);
  }
}
