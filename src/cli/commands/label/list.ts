// harborctl label list [--project P]: the global labels, or a project's
import { listLabels } from '../../../client/labels.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { LABEL_COLUMNS } from './views.js';

export interface Options { project?: string }

export async function run(rt: Runtime, _args: string[], o: Options): Promise<void> {
  const items = await rt.withClient((c) => listLabels(c, o.project));
  renderList(rt.io, rt.listFormat(), items, LABEL_COLUMNS, o.project ? `no labels in project ${o.project}` : 'no global labels');
}
