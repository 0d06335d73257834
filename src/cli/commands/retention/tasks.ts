// harborctl retention tasks PROJECT EXECUTION [--page N] [--page-size N]
import { listRetentionTasks } from '../../../client/retention.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { moreNote, pageOptions, parseId, type PageFlags } from '../common.js';
import { TASK_COLUMNS } from './views.js';

export async function run(rt: Runtime, [project, execution]: string[], o: PageFlags): Promise<void> {
  const eid = parseId(execution, 'execution');
  const page = pageOptions(o);
  const { items, total } = await rt.withClient((c) => listRetentionTasks(c, project, eid, page));
  renderList(rt.io, rt.listFormat(), items, TASK_COLUMNS, `no tasks in retention run ${eid}`);
  moreNote(rt, items.length, total, page);
}
