// harborctl scanner list [--page N] [--page-size N]
import { listScanners } from '../../../client/scanners.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { moreNote, pageOptions, type PageFlags } from '../common.js';
import { SCANNER_COLUMNS } from './views.js';

export type Options = PageFlags;

export async function run(rt: Runtime, _args: string[], o: Options): Promise<void> {
  const page = pageOptions(o);
  const { items, total } = await rt.withClient((c) => listScanners(c, page));
  renderList(rt.io, rt.listFormat(), items, SCANNER_COLUMNS, 'no scanner registrations');
  moreNote(rt, items.length, total, page);
}
