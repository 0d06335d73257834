// harborctl replication executions [POLICY] [--status S] [--trigger T] [--page N] [--page-size N]
import { findReplicationPolicy, listReplicationExecutions } from '../../../client/replication.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { moreNote, pageOptions, type PageFlags } from '../common.js';
import { EXECUTION_COLUMNS } from './views.js';

export interface Options extends PageFlags { status?: string; trigger?: string }

export async function run(rt: Runtime, [policy]: string[], o: Options): Promise<void> {
  const page = pageOptions(o);
  const { items, total } = await rt.withClient(async (c) => listReplicationExecutions(c, {
    policy_id: policy === undefined ? undefined : (await findReplicationPolicy(c, policy)).id, status: o.status, trigger: o.trigger,
  }, page));
  renderList(rt.io, rt.listFormat(), items, EXECUTION_COLUMNS, 'no replication runs');
  moreNote(rt, items.length, total, page);
}
