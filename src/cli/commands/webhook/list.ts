// harborctl webhook list PROJECT [--page N] [--page-size N]
import { listWebhookPolicies } from '../../../client/webhooks.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { moreNote, pageOptions, type PageFlags } from '../common.js';
import { POLICY_COLUMNS } from './views.js';

export type Options = PageFlags;

export async function run(rt: Runtime, [project]: string[], o: Options): Promise<void> {
  const page = pageOptions(o);
  const { items, total } = await rt.withClient((c) => listWebhookPolicies(c, project, page));
  renderList(rt.io, rt.listFormat(), items, POLICY_COLUMNS, 'no webhook policies');
  moreNote(rt, items.length, total, page);
}
