import type { Robot, RobotPermission } from '../../../client/robots.js';
import { plural, shortTime, type Column } from '../../output/render.js';

/** expires_at is Unix seconds; -1 never. */
export function expiry(t: number | undefined): string | undefined {
  if (t === undefined) return undefined;
  if (t < 0) return 'never';
  return shortTime(new Date(t * 1000).toISOString());
}

/** `repository:pull,repository:push in p` per entry, for the table. */
export function describePermissions(ps: RobotPermission[]): string {
  return ps.map((p) => `${p.kind === 'system' ? 'system' : p.namespace}: ${p.access.map((a) => `${a.resource}:${a.action}`).join(',')}`).join('; ');
}

export const ROBOT_COLUMNS: Column<Robot>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'NAME', value: (r) => r.name },
  { header: 'LEVEL', value: (r) => r.level },
  { header: 'STATUS', value: (r) => (r.disable ? 'disabled' : r.expires_at >= 0 && r.expires_at * 1000 < Date.now() ? 'expired' : 'enabled') },
  { header: 'EXPIRES', value: (r) => expiry(r.expires_at) },
  { header: 'DESCRIPTION', value: (r) => r.description },
];

export const ROBOT_FIELDS: Column<Robot>[] = [
  ...ROBOT_COLUMNS,
  { header: 'DURATION', value: (r) => (r.duration === -1 ? 'never expires' : plural(r.duration, 'day')) },
  { header: 'PERMISSIONS', value: (r) => describePermissions(r.permissions ?? []) },
  { header: 'CREATED', value: (r) => shortTime(r.creation_time) },
];
