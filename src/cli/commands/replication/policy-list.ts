// harborctl replication policy list [--page N] [--page-size N]
import { listReplicationPolicies } from '../../../client/replication.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { moreNote, pageOptions, type PageFlags } from '../common.js';
import { POLICY_COLUMNS } from './views.js';

export type Options = PageFlags;

export async function run(rt: Runtime, _args: string[], o: Options): Promise<void> {
  const page = pageOptions(o);
  const { items, total } = await rt.withClient((c) => listReplicationPolicies(c, page));
  renderList(rt.io, rt.listFormat(), items, POLICY_COLUMNS, 'no replication policies');
  moreNote(rt, items.length, total, page);
}
