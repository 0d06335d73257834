// harborctl gc history [--page N] [--page-size N]
import { listGc } from '../../../client/gc.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { moreNote, pageOptions, type PageFlags } from '../common.js';
import { GC_COLUMNS } from './views.js';

export async function run(rt: Runtime, _args: string[], o: PageFlags): Promise<void> {
  const page = pageOptions(o);
  const { items, total } = await rt.withClient((c) => listGc(c, page));
  renderList(rt.io, rt.listFormat(), items, GC_COLUMNS, 'no garbage collection has run');
  moreNote(rt, items.length, total, page);
}
