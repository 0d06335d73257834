// harborctl repo list [PROJECT] [--page N] [--page-size N]: without PROJECT, every repository the caller may see
import { listAllRepositories, listRepositories } from '../../../client/repositories.js';
import type { Repository } from '../../../client/types.js';
import { withSpinner } from '../../output/interactive.js';
import { renderList, shortTime, type Column } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { moreNote, pageOptions, type PageFlags } from '../common.js';

const COLUMNS: Column<Repository>[] = [
  { header: 'NAME', value: (r) => r.name },
  { header: 'ARTIFACTS', value: (r) => r.artifact_count ?? 0 },
  { header: 'PULLS', value: (r) => r.pull_count || undefined },
  { header: 'UPDATED', value: (r) => shortTime(r.update_time ?? r.creation_time) },
];

export async function run(rt: Runtime, [project]: string[], o: PageFlags): Promise<void> {
  const page = pageOptions(o);
  const { items, total } = await rt.withClient((c) => withSpinner(rt, project ? `listing repositories of ${project}` : 'listing repositories',
    () => (project ? listRepositories(c, project, page) : listAllRepositories(c, page))));
  renderList(rt.io, rt.listFormat(), items, COLUMNS, project ? `no repositories in project ${project}` : 'no repositories');
  moreNote(rt, items.length, total, page);
}
