// What the replication verbs share: the policy flags turned into Harbor's ReplicationPolicy body
// (checked before any network call), and the columns of policies, executions and tasks.
import { findRegistry } from '../../../client/registries.js';
import type { HarborClient } from '../../../client/http.js';
import type { ReplicationExecution, ReplicationFilter, ReplicationPolicy, ReplicationTask } from '../../../client/replication.js';
import { HarborError } from '../../../core/errors.js';
import { formatSize } from '../../../core/sizes.js';
import { shortTime, type Column } from '../../output/render.js';

export interface PolicyFlags {
  to?: string; from?: string; destNamespace?: string; flatten?: string; repos?: string; tags?: string; excludeTags?: boolean;
  label?: string[]; excludeLabels?: boolean; resource?: string; trigger?: string; cron?: string; override?: boolean; deletion?: boolean;
  speed?: string; copyByChunk?: boolean; singleActive?: boolean; description?: string;
}

const reg = (r: ReplicationPolicy['src_registry']): string => (!r || !r.id ? 'local' : `${r.name ?? r.id}`);
const filter = (p: ReplicationPolicy, type: string): string | undefined => {
  const f = p.filters?.find((x) => x.type === type);
  if (!f) return undefined;
  const v = Array.isArray(f.value) ? f.value.join(',') : f.value;
  return f.decoration === 'excludes' ? `not ${v}` : v;
};

export const POLICY_COLUMNS: Column<ReplicationPolicy>[] = [
  { header: 'ID', value: (p) => p.id },
  { header: 'NAME', value: (p) => p.name },
  { header: 'ENABLED', value: (p) => (p.enabled ? 'yes' : 'no') },
  { header: 'SOURCE', value: (p) => reg(p.src_registry) },
  { header: 'DESTINATION', value: (p) => `${reg(p.dest_registry)}${p.dest_namespace ? `:${p.dest_namespace}` : ''}` },
  { header: 'TRIGGER', value: (p) => `${p.trigger?.type ?? 'manual'}${p.trigger?.trigger_settings?.cron ? ` (${p.trigger.trigger_settings.cron})` : ''}` },
];

export const POLICY_FIELDS: Column<ReplicationPolicy>[] = [
  ...POLICY_COLUMNS,
  { header: 'FLATTENING', value: (p) => p.dest_namespace_replace_count },
  { header: 'REPOSITORIES', value: (p) => filter(p, 'name') },
  { header: 'TAGS', value: (p) => filter(p, 'tag') },
  { header: 'LABELS', value: (p) => filter(p, 'label') },
  { header: 'RESOURCE', value: (p) => filter(p, 'resource') },
  { header: 'OVERRIDE', value: (p) => (p.override ? 'yes' : 'no') },
  { header: 'DELETION', value: (p) => (p.replicate_deletion ? 'yes' : 'no') },
  { header: 'SPEED', value: (p) => (p.speed && p.speed > 0 ? `${p.speed} KB/s` : 'unlimited') },
  { header: 'COPY BY CHUNK', value: (p) => (p.copy_by_chunk ? 'yes' : 'no') },
  { header: 'DESCRIPTION', value: (p) => p.description },
  { header: 'CREATED', value: (p) => shortTime(p.creation_time) },
  { header: 'UPDATED', value: (p) => shortTime(p.update_time) },
];

export const EXECUTION_COLUMNS: Column<ReplicationExecution>[] = [
  { header: 'ID', value: (e) => e.id },
  { header: 'POLICY', value: (e) => e.policy_id },
  { header: 'STATUS', value: (e) => e.status },
  { header: 'TRIGGER', value: (e) => e.trigger },
  { header: 'TASKS', value: (e) => `${e.succeed ?? 0}/${e.total ?? 0} ok${e.failed ? `, ${e.failed} failed` : ''}${e.stopped ? `, ${e.stopped} stopped` : ''}` },
  { header: 'STARTED', value: (e) => shortTime(e.start_time) },
  { header: 'ENDED', value: (e) => shortTime(e.end_time) },
  { header: 'MESSAGE', value: (e) => e.status_text },
];

export const TASK_COLUMNS: Column<ReplicationTask>[] = [
  { header: 'ID', value: (t) => t.id },
  { header: 'STATUS', value: (t) => t.status },
  { header: 'OPERATION', value: (t) => t.operation },
  { header: 'SOURCE', value: (t) => t.src_resource },
  { header: 'DESTINATION', value: (t) => t.dst_resource },
  { header: 'BYTES', value: (t) => (t.bytes === undefined ? undefined : formatSize(t.bytes)) },
  { header: 'MESSAGE', value: (t) => t.status_message },
];

const TRIGGERS = ['manual', 'scheduled', 'event_based'];

function int(v: string, flag: string, min: number): number {
  if (!/^-?\d{1,9}$/.test(v) || Number(v) < min) throw new HarborError('USAGE', `${flag} takes an integer of at least ${min}`);
  return Number(v);
}

/** The parts of a policy body the flags set (registries resolved later); USAGE on bad flags, before any request. */
export function policyFromFlags(o: PolicyFlags, cur?: ReplicationPolicy): Omit<ReplicationPolicy, 'id' | 'name'> {
  if (o.to !== undefined && o.from !== undefined) throw new HarborError('USAGE', '--to (push-based) and --from (pull-based) exclude each other');
  if (o.trigger !== undefined && !TRIGGERS.includes(o.trigger)) throw new HarborError('USAGE', `--trigger must be one of ${TRIGGERS.join(', ')}`);
  const triggerType = o.trigger ?? (o.cron ? 'scheduled' : cur?.trigger?.type ?? 'manual');
  const cron = o.cron ?? cur?.trigger?.trigger_settings?.cron ?? '';
  if (triggerType === 'scheduled' && !cron) throw new HarborError('USAGE', 'a scheduled policy needs --cron (6 fields, seconds first)');
  if (o.resource !== undefined && o.resource !== 'image' && o.resource !== 'artifact') throw new HarborError('USAGE', '--resource must be image or artifact');
  const filters: ReplicationFilter[] = [...(cur?.filters ?? [])];
  const set = (f: ReplicationFilter): void => {
    const i = filters.findIndex((x) => x.type === f.type);
    if (i >= 0) filters.splice(i, 1);
    if (f.value !== '' && !(Array.isArray(f.value) && f.value.length === 0)) filters.push(f);
  };
  if (o.repos !== undefined) set({ type: 'name', value: o.repos });
  if (o.tags !== undefined) set({ type: 'tag', value: o.tags, decoration: o.excludeTags ? 'excludes' : 'matches' });
  if (o.label !== undefined) set({ type: 'label', value: o.label.flatMap((l) => l.split(',')).filter(Boolean), decoration: o.excludeLabels ? 'excludes' : 'matches' });
  if (o.resource !== undefined) set({ type: 'resource', value: o.resource });
  const body: Omit<ReplicationPolicy, 'id' | 'name'> = {
    description: o.description ?? cur?.description ?? '',
    dest_namespace: o.destNamespace ?? cur?.dest_namespace ?? '',
    dest_namespace_replace_count: o.flatten !== undefined ? int(o.flatten, '--flatten', -1) : cur?.dest_namespace_replace_count ?? -1,
    trigger: { type: triggerType, trigger_settings: { cron: triggerType === 'scheduled' ? cron : '' } },
    filters,
    override: o.override ?? cur?.override ?? true,
    replicate_deletion: o.deletion ?? cur?.replicate_deletion ?? false,
    speed: o.speed !== undefined ? int(o.speed, '--speed', -1) : cur?.speed ?? -1,
    copy_by_chunk: o.copyByChunk ?? cur?.copy_by_chunk ?? false,
    single_active_replication: o.singleActive ?? cur?.single_active_replication ?? false,
  };
  return body;
}

/** --to / --from as Harbor's src_registry and dest_registry ({id: 0} is this registry). */
export async function registriesFromFlags(c: HarborClient, o: PolicyFlags): Promise<Pick<ReplicationPolicy, 'src_registry' | 'dest_registry'> | null> {
  if (o.to !== undefined) return { src_registry: null, dest_registry: { id: (await findRegistry(c, o.to)).id } };
  if (o.from !== undefined) return { src_registry: { id: (await findRegistry(c, o.from)).id }, dest_registry: null };
  return null;
}

/** A text progress bar: `[#####.....] 50% label`. */
export function progressBar(done: number, total: number, label: string, width = 24): string {
  const f = total > 0 ? Math.min(1, done / total) : 0;
  const n = Math.round(f * width);
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}] ${Math.floor(f * 100)}% ${label}`;
}
