// harborctl member list PROJECT [--name TEXT] [--page N] [--page-size N]
import { listMembers } from '../../../client/members.js';
import { withSpinner } from '../../output/interactive.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { moreNote, pageOptions, type PageFlags } from '../common.js';
import { MEMBER_COLUMNS } from './views.js';

export interface Options extends PageFlags { name?: string }

export async function run(rt: Runtime, [project]: string[], o: Options): Promise<void> {
  const page = pageOptions(o);
  const { items, total } = await rt.withClient((c) => withSpinner(rt, `listing members of ${project}`, () => listMembers(c, project, { entityname: o.name }, page)));
  renderList(rt.io, rt.listFormat(), items, MEMBER_COLUMNS, `no members in project ${project}`);
  moreNote(rt, items.length, total, page);
}
