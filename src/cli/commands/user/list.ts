// harborctl user list [--name TEXT] [--page N] [--page-size N]
import { listUsers } from '../../../client/users.js';
import { withSpinner } from '../../output/interactive.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { moreNote, pageOptions, type PageFlags } from '../common.js';
import { USER_COLUMNS } from './views.js';

export interface Options extends PageFlags { name?: string }

export async function run(rt: Runtime, _args: string[], o: Options): Promise<void> {
  const page = pageOptions(o);
  const { items, total } = await rt.withClient((c) => withSpinner(rt, 'listing users', () => listUsers(c, { username: o.name }, page)));
  renderList(rt.io, rt.listFormat(), items, USER_COLUMNS, 'no users');
  moreNote(rt, items.length, total, page);
}
