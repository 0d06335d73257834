// harborctl registry list [--page N] [--page-size N]
import { listRegistries } from '../../../client/registries.js';
import { withSpinner } from '../../output/interactive.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { moreNote, pageOptions, type PageFlags } from '../common.js';
import { REGISTRY_COLUMNS } from './views.js';

export type Options = PageFlags;

export async function run(rt: Runtime, _args: string[], o: Options): Promise<void> {
  const page = pageOptions(o);
  const { items, total } = await rt.withClient((c) => withSpinner(rt, 'listing registries', () => listRegistries(c, page)));
  renderList(rt.io, rt.listFormat(), items, REGISTRY_COLUMNS, 'no registry endpoints');
  moreNote(rt, items.length, total, page);
}
