import type { WebhookExecution, WebhookPolicy, WebhookTarget } from '../../../client/webhooks.js';
import { HarborError } from '../../../core/errors.js';
import { readStdin } from '../../output/interactive.js';
import { shortTime, type Column } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

export const POLICY_COLUMNS: Column<WebhookPolicy>[] = [
  { header: 'ID', value: (p) => p.id },
  { header: 'NAME', value: (p) => p.name },
  { header: 'ENABLED', value: (p) => (p.enabled ? 'yes' : 'no') },
  { header: 'EVENTS', value: (p) => p.event_types.join(',') },
  { header: 'TARGET', value: (p) => p.targets.map((t) => `${t.address} (${t.type ?? 'http'}, ${t.payload_format ?? 'Default'})`).join(' ') },
];

export const POLICY_FIELDS: Column<WebhookPolicy>[] = [
  ...POLICY_COLUMNS,
  { header: 'AUTH HEADER', value: (p) => (p.targets.some((t) => t.auth_header) ? 'set' : 'none') },
  { header: 'SKIP CERT VERIFY', value: (p) => (p.targets.some((t) => t.skip_cert_verify) ? 'yes' : 'no') },
  { header: 'DESCRIPTION', value: (p) => p.description },
  { header: 'CREATOR', value: (p) => p.creator },
  { header: 'CREATED', value: (p) => shortTime(p.creation_time) },
  { header: 'UPDATED', value: (p) => shortTime(p.update_time) },
];

const attr = (e: WebhookExecution, k: string): unknown => (e.extra_attrs?.webhook as Record<string, unknown> | undefined)?.[k] ?? e.extra_attrs?.[k];

export const EXECUTION_COLUMNS: Column<WebhookExecution>[] = [
  { header: 'ID', value: (e) => e.id },
  { header: 'EVENT', value: (e) => String(attr(e, 'event_type') ?? '') },
  { header: 'STATUS', value: (e) => e.status },
  { header: 'MESSAGE', value: (e) => e.status_message },
  { header: 'STARTED', value: (e) => shortTime(e.start_time) },
];

export const EVENT_TYPES = ['PUSH_ARTIFACT', 'PULL_ARTIFACT', 'DELETE_ARTIFACT', 'QUOTA_EXCEED', 'QUOTA_WARNING', 'SCANNING_COMPLETED',
  'SCANNING_FAILED', 'REPLICATION', 'TAG_RETENTION'];

export interface TargetFlags {
  event?: string[]; address?: string; type?: string; format?: string; authHeaderStdin?: boolean; skipCertVerify?: boolean; description?: string;
}

/** --event checked before any network call (the server checks the same); USAGE on an unknown type. */
export function eventTypes(o: TargetFlags): string[] | undefined {
  if (o.event === undefined) return undefined;
  const types = o.event.flatMap((e) => e.split(',')).map((e) => e.trim().toUpperCase()).filter(Boolean);
  const bad = types.find((t) => !EVENT_TYPES.includes(t));
  if (bad !== undefined) throw new HarborError('USAGE', `unknown event type ${bad}; use ${EVENT_TYPES.join(', ')}`);
  return types;
}

/** The target the flags describe (on update, starting from the current one). */
export async function target(rt: Runtime, o: TargetFlags, cur?: WebhookTarget): Promise<WebhookTarget> {
  const address = o.address ?? cur?.address;
  if (!address) throw new HarborError('USAGE', 'a webhook needs --address');
  if (!/^https?:\/\//i.test(address)) throw new HarborError('USAGE', '--address must be an http or https URL');
  const type = o.type ?? cur?.type ?? 'http';
  if (type !== 'http' && type !== 'slack') throw new HarborError('USAGE', '--type must be http or slack');
  const format = o.format ?? cur?.payload_format ?? 'Default';
  if (format !== 'Default' && format !== 'CloudEvents') throw new HarborError('USAGE', '--format must be Default or CloudEvents');
  const authHeader = o.authHeaderStdin ? (await readStdin(rt)).trim() : cur?.auth_header ?? '';
  return { type, address, payload_format: format, auth_header: authHeader, skip_cert_verify: o.skipCertVerify ?? cur?.skip_cert_verify ?? false };
}
