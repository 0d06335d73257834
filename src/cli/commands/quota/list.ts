// harborctl quota list [--page N] [--page-size N]: every project's storage quota (system admins)
import { listQuotas } from '../../../client/quotas.js';
import { withSpinner } from '../../output/interactive.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { moreNote, pageOptions, type PageFlags } from '../common.js';
import { QUOTA_COLUMNS } from './views.js';

export async function run(rt: Runtime, _args: string[], o: PageFlags): Promise<void> {
  const page = pageOptions(o);
  const { items, total } = await rt.withClient((c) => withSpinner(rt, 'listing quotas', () => listQuotas(c, page)));
  renderList(rt.io, rt.listFormat(), items, QUOTA_COLUMNS, 'no quotas');
  moreNote(rt, items.length, total, page);
}
