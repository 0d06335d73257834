// --permission shorthand → Harbor's permission list (swagger RobotPermission, harbor-notes §3.4).
// Each word grants a set of {resource, action} pairs in the robot's project (or in every project,
// "*", for a system robot without --project); `RESOURCE:ACTION` passes one pair through as is, and
// `system/RESOURCE:ACTION` adds one to the system entry (namespace "/", system robots only).
import { readFile } from 'node:fs/promises';
import { HarborError } from '../../../core/errors.js';
import type { RobotAccess, RobotPermission } from '../../../client/robots.js';

/** The documented shorthand (README "Robot accounts"). */
export const PERMISSION_WORDS: Record<string, RobotAccess[]> = {
  pull: [{ resource: 'repository', action: 'pull' }],
  push: [{ resource: 'repository', action: 'pull' }, { resource: 'repository', action: 'push' }],
  delete: [{ resource: 'repository', action: 'delete' }, { resource: 'artifact', action: 'delete' }],
  read: [
    { resource: 'repository', action: 'list' }, { resource: 'repository', action: 'read' },
    { resource: 'artifact', action: 'list' }, { resource: 'artifact', action: 'read' }, { resource: 'tag', action: 'list' },
  ],
  tag: [{ resource: 'tag', action: 'create' }, { resource: 'tag', action: 'delete' }, { resource: 'tag', action: 'list' }],
  scan: [{ resource: 'scan', action: 'create' }, { resource: 'scan', action: 'read' }, { resource: 'scan', action: 'stop' }],
};

const PAIR = /^([a-z][a-z-]*):([a-z][a-z-]*)$/;

function add(list: RobotAccess[], a: RobotAccess): void {
  if (!list.some((x) => x.resource === a.resource && x.action === a.action)) list.push({ resource: a.resource, action: a.action });
}

/** `pull,push,artifact:read,system/project:list` for a robot of this level and project. */
export function permissionsFromShorthand(spec: string, level: 'system' | 'project', project: string | undefined): RobotPermission[] {
  const projectAccess: RobotAccess[] = [];
  const systemAccess: RobotAccess[] = [];
  for (const raw of spec.split(',')) {
    const w = raw.trim().toLowerCase();
    if (w === '') continue;
    const words = PERMISSION_WORDS[w];
    const pair = PAIR.exec(w.replace(/^system\//, ''));
    if (words) for (const a of words) add(projectAccess, a);
    else if (w.startsWith('system/') && pair) {
      if (level !== 'system') throw new HarborError('USAGE', `--permission ${raw.trim()}: only a system-level robot (--level system) holds system permissions`);
      add(systemAccess, { resource: pair[1], action: pair[2] });
    } else if (pair) add(projectAccess, { resource: pair[1], action: pair[2] });
    else {
      throw new HarborError('USAGE', `invalid --permission ${JSON.stringify(raw.trim())}: use ${Object.keys(PERMISSION_WORDS).join(', ')}, RESOURCE:ACTION or system/RESOURCE:ACTION`);
    }
  }
  if (projectAccess.length === 0 && systemAccess.length === 0) throw new HarborError('USAGE', '--permission is empty');
  const out: RobotPermission[] = [];
  if (systemAccess.length > 0) out.push({ kind: 'system', namespace: '/', access: systemAccess });
  if (projectAccess.length > 0) out.push({ kind: 'project', namespace: project ?? '*', access: projectAccess });
  return out;
}

/** Harbor's JSON permissions array, as the API takes it (checked for shape here, for content by the server). */
export async function permissionsFromFile(path: string): Promise<RobotPermission[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new HarborError('USAGE', `cannot read --permissions-file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new HarborError('USAGE', `--permissions-file ${path} is not JSON: ${(e as Error).message}`);
  }
  const ok = Array.isArray(v) && v.length > 0 && v.every((p) => typeof p === 'object' && p !== null
    && typeof (p as RobotPermission).kind === 'string' && typeof (p as RobotPermission).namespace === 'string' && Array.isArray((p as RobotPermission).access));
  if (!ok) throw new HarborError('USAGE', `--permissions-file ${path} must hold a JSON array of {"kind","namespace","access":[{"resource","action"}]}`);
  return v as RobotPermission[];
}

/** --permission or --permissions-file (exactly one of them, or neither when `optional`). */
export async function permissionsFromFlags(o: { permission?: string; permissionsFile?: string }, level: 'system' | 'project', project: string | undefined, optional = false): Promise<RobotPermission[] | undefined> {
  if (o.permission !== undefined && o.permissionsFile !== undefined) throw new HarborError('USAGE', '--permission and --permissions-file exclude each other');
  if (o.permission !== undefined) return permissionsFromShorthand(o.permission, level, project);
  if (o.permissionsFile !== undefined) return permissionsFromFile(o.permissionsFile);
  if (optional) return undefined;
  throw new HarborError('USAGE', 'say what the robot may do: --permission pull,push,... or --permissions-file FILE');
}

/** --duration: whole days, or -1 for never. */
export function parseDuration(s: string): number {
  const t = s.trim();
  if (t === '-1') return -1;
  if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > 2 ** 31 - 2) throw new HarborError('USAGE', `invalid --duration ${JSON.stringify(s)}: a number of days from 1, or -1 for never`);
  return Number(t);
}
