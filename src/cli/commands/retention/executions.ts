// harborctl retention executions PROJECT [--page N] [--page-size N]
import { listRetentionExecutions } from '../../../client/retention.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { moreNote, pageOptions, type PageFlags } from '../common.js';
import { EXECUTION_COLUMNS } from './views.js';

export async function run(rt: Runtime, [project]: string[], o: PageFlags): Promise<void> {
  const page = pageOptions(o);
  const { items, total } = await rt.withClient((c) => listRetentionExecutions(c, project, page));
  renderList(rt.io, rt.listFormat(), items, EXECUTION_COLUMNS, `no retention runs in project ${project}`);
  moreNote(rt, items.length, total, page);
}
