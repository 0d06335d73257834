// harborctl replication tasks EXECUTION [--status S] [--page N] [--page-size N]
import { listReplicationTasks } from '../../../client/replication.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { moreNote, pageOptions, parseId, type PageFlags } from '../common.js';
import { TASK_COLUMNS } from './views.js';

export interface Options extends PageFlags { status?: string }

export async function run(rt: Runtime, [execution]: string[], o: Options): Promise<void> {
  const page = pageOptions(o);
  const { items, total } = await rt.withClient((c) => listReplicationTasks(c, parseId(execution, 'execution'), { status: o.status }, page));
  renderList(rt.io, rt.listFormat(), items, TASK_COLUMNS, 'no tasks');
  moreNote(rt, items.length, total, page);
}
