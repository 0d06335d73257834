// harborctl robot list [--project P | --all] [--page N] [--page-size N]: the system robots (what Harbor's
// GET /robots answers without q), a project's robots, or with --all both: every project's, one list per project.
import { HarborError } from '../../../core/errors.js';
import { listProjects } from '../../../client/projects.js';
import { listProjectRobots, listRobots, type Robot } from '../../../client/robots.js';
import type { HarborClient, ListResult } from '../../../client/http.js';
import { withSpinner } from '../../output/interactive.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { moreNote, pageOptions, type PageFlags } from '../common.js';
import { ROBOT_COLUMNS } from './views.js';

export interface Options extends PageFlags { project?: string; all?: boolean }

/** System robots, then each visible project's, in project order. */
async function everyRobot(c: HarborClient): Promise<ListResult<Robot>> {
  const items = (await listRobots(c, {}, { pageSize: 0 })).items;
  for (const p of (await listProjects(c, {}, { pageSize: 0 })).items) {
    items.push(...(await listRobots(c, { projectId: p.project_id }, { pageSize: 0 })).items);
  }
  return { items, total: items.length };
}

export async function run(rt: Runtime, _args: string[], o: Options): Promise<void> {
  if (o.all && o.project !== undefined) throw new HarborError('USAGE', '--all lists every robot: not with --project');
  const page = o.all ? { pageSize: 0 } : pageOptions(o);
  const { items, total } = await rt.withClient((c) => withSpinner(rt, 'listing robots', () => (
    o.all ? everyRobot(c) : o.project === undefined ? listRobots(c, {}, page) : listProjectRobots(c, o.project, page))));
  const none = o.all ? 'no robots' : o.project === undefined ? 'no system robots (a project\'s robots: robot list --project P; every robot: --all)' : `no robots in project ${o.project}`;
  renderList(rt.io, rt.listFormat(), items, ROBOT_COLUMNS, none);
  moreNote(rt, items.length, total, page);
}
