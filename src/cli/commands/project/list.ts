// harborctl project list [--name TEXT] [--public|--private] [--page N] [--page-size N]
import { HarborError } from '../../../core/errors.js';
import { listProjects } from '../../../client/projects.js';
import { withSpinner } from '../../output/interactive.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { moreNote, pageOptions, type PageFlags } from '../common.js';
import { PROJECT_COLUMNS } from './views.js';

export interface Options extends PageFlags { name?: string; public?: boolean; private?: boolean }

export async function run(rt: Runtime, _args: string[], o: Options): Promise<void> {
  const page = pageOptions(o);
  if (o.public && o.private) throw new HarborError('USAGE', '--public and --private exclude each other');
  const filter = { name: o.name, public: o.public ? true : o.private ? false : undefined };
  const { items, total } = await rt.withClient((c) => withSpinner(rt, 'listing projects', () => listProjects(c, filter, page)));
  renderList(rt.io, rt.listFormat(), items, PROJECT_COLUMNS, 'no projects');
  moreNote(rt, items.length, total, page);
}
