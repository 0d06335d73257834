// harborctl robot list [--project P] [--page N] [--page-size N]: a project's robots, or every robot the server shows
import { listProjectRobots, listRobots } from '../../../client/robots.js';
import { withSpinner } from '../../output/interactive.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { moreNote, pageOptions, type PageFlags } from '../common.js';
import { ROBOT_COLUMNS } from './views.js';

export interface Options extends PageFlags { project?: string }

export async function run(rt: Runtime, _args: string[], o: Options): Promise<void> {
  const page = pageOptions(o);
  const { items, total } = await rt.withClient((c) => withSpinner(rt, 'listing robots', () => (o.project === undefined ? listRobots(c, {}, page) : listProjectRobots(c, o.project, page))));
  renderList(rt.io, rt.listFormat(), items, ROBOT_COLUMNS, o.project === undefined ? 'no robots' : `no robots in project ${o.project}`);
  moreNote(rt, items.length, total, page);
}
