// /robots and /robots/{robot_id} (swagger tag "robot"). A robot is named by its id or by its name:
// `robot$proj+ci`, `proj+ci`, or `ci` with a project; names are looked up in the right list
// (q=Level=project,ProjectID=N for a project's robots, q=Level=system otherwise).
import { HarborError } from '../core/errors.js';
import { seg, type HarborClient, type ListResult, type PageOptions } from './http.js';
import { getConfigurations } from './config.js';
import { getProject, notFound } from './projects.js';
import { systemInfo } from './system.js';

/** Harbor's login prefix for robots (robot_name_prefix, harbor-notes §3.3). */
export const ROBOT_PREFIX = 'robot$';

/**
 * The server's robot_name_prefix: its configuration (system admins may read it), else /systeminfo
 * (harborctl serve tells any signed-in caller), else Harbor's default.
 */
export async function robotNamePrefix(c: HarborClient): Promise<string> {
  try {
    const v = (await getConfigurations(c)).robot_name_prefix?.value;
    if (typeof v === 'string' && v) return v;
  } catch (e) {
    if (!(e instanceof HarborError && (e.code === 'UNAUTHORIZED' || e.code === 'FORBIDDEN'))) throw e;
  }
  const v = (await systemInfo(c)).robot_name_prefix;
  return typeof v === 'string' && v ? v : ROBOT_PREFIX;
}

export interface RobotAccess { resource: string; action: string; effect?: string }
export interface RobotPermission { kind: 'system' | 'project'; namespace: string; access: RobotAccess[] }

/** swagger definitions.Robot (never carries the secret). */
export interface Robot {
  id: number;
  name: string;
  description?: string;
  level: 'system' | 'project';
  duration: number;
  editable?: boolean;
  disable: boolean;
  /** Unix seconds; -1 never expires. */
  expires_at: number;
  permissions: RobotPermission[];
  creator_type?: string;
  creator_ref?: number;
  creation_time?: string;
  update_time?: string;
}

/** swagger definitions.RobotCreate. */
export interface RobotCreate {
  name: string;
  description?: string;
  level: 'system' | 'project';
  duration: number;
  disable?: boolean;
  secret?: string;
  permissions: RobotPermission[];
}

/** swagger definitions.RobotCreated: the only answer, with refresh, that carries the secret. */
export interface RobotCreated { id: number; name: string; secret: string; creation_time?: string; expires_at?: number }

/** What a user may type for a robot, split into its project (if any) and its short name. */
export interface RobotRef { id?: number; project?: string; short?: string }

/** `12` → id; `robot$p+ci` and `p+ci` → project p, name ci; `ci` → the given project's ci, or system robot ci. */
export function parseRobotRef(s: string, project?: string): RobotRef {
  if (/^\d+$/.test(s)) return { id: Number(s) };
  const name = s.startsWith(ROBOT_PREFIX) ? s.slice(ROBOT_PREFIX.length) : s;
  const plus = name.indexOf('+');
  if (plus > 0) {
    const p = name.slice(0, plus);
    if (project !== undefined && project !== p) throw new HarborError('USAGE', `robot ${s} belongs to project ${p}, not ${project}`);
    return { project: p, short: name.slice(plus + 1) };
  }
  if (name === '') throw new HarborError('USAGE', `invalid robot name ${JSON.stringify(s)}`);
  return { project, short: name };
}

/** The full login name: robot$p+ci or robot$ci. */
export function robotLoginName(ref: { project?: string; short?: string }): string {
  return `${ROBOT_PREFIX}${ref.project ? `${ref.project}+` : ''}${ref.short ?? ''}`;
}

/** Without a project: no q, so a system admin sees every robot, system and project ones, as Harbor answers. */
export async function listRobots(c: HarborClient, filter: { projectId?: number } = {}, page?: PageOptions): Promise<ListResult<Robot>> {
  const q = filter.projectId === undefined ? undefined : `Level=project,ProjectID=${filter.projectId}`;
  return c.list<Robot>('/robots', { q }, page);
}

export async function listProjectRobots(c: HarborClient, project: string, page?: PageOptions): Promise<ListResult<Robot>> {
  const p = await getProject(c, project);
  return listRobots(c, { projectId: p.project_id }, page);
}

export async function getRobotById(c: HarborClient, id: number): Promise<Robot> {
  try {
    return (await c.request<Robot>('GET', `/robots/${seg(id)}`)).data;
  } catch (e) {
    throw notFound(e, `robot ${id} not found`);
  }
}

/** A robot by id or name (see parseRobotRef); NOT_FOUND names what was asked for. */
export async function findRobot(c: HarborClient, robot: string, project?: string): Promise<Robot> {
  const ref = parseRobotRef(robot, project);
  if (ref.id !== undefined) return getRobotById(c, ref.id);
  const wanted = robotLoginName(ref);
  const { items } = ref.project === undefined
    ? await listRobots(c, {}, { pageSize: 0 })
    : await listProjectRobots(c, ref.project, { pageSize: 0 });
  const found = items.find((r) => r.name === wanted);
  if (!found) throw new HarborError('NOT_FOUND', `robot ${wanted} not found`);
  return found;
}

export async function createRobot(c: HarborClient, req: RobotCreate): Promise<RobotCreated> {
  return (await c.request<RobotCreated>('POST', '/robots', { body: req })).data;
}

/** PUT sends the whole Robot, as Harbor requires; name, level and project cannot change. */
export async function updateRobot(c: HarborClient, robot: Robot): Promise<void> {
  try {
    await c.request('PUT', `/robots/${seg(robot.id)}`, { body: robot });
  } catch (e) {
    throw notFound(e, `robot ${robot.name} not found`);
  }
}

/** PATCH {"secret":""}: the server generates a new secret and returns it once; the old one stops working. */
export async function refreshRobotSecret(c: HarborClient, id: number): Promise<string> {
  try {
    return (await c.request<{ secret: string }>('PATCH', `/robots/${seg(id)}`, { body: { secret: '' } })).data.secret;
  } catch (e) {
    throw notFound(e, `robot ${id} not found`);
  }
}

export async function deleteRobot(c: HarborClient, id: number): Promise<void> {
  try {
    await c.request('DELETE', `/robots/${seg(id)}`);
  } catch (e) {
    throw notFound(e, `robot ${id} not found`);
  }
}
