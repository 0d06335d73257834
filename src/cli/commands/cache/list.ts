// harborctl cache list PROJECT: what a proxy-cache project holds, tag by tag, and when the upstream
// last confirmed each tag (harborctl's GET /api/v2.0/projects/{project}/cache).
import { listProjectCache, type CachedTag } from '../../../client/projects.js';
import { formatSize } from '../../../core/sizes.js';
import { withSpinner } from '../../output/interactive.js';
import { renderList, shortTime, type Column } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

const COLUMNS: Column<CachedTag>[] = [
  { header: 'REPOSITORY', value: (t) => t.repository_name },
  { header: 'TAG', value: (t) => t.tag },
  { header: 'DIGEST', value: (t) => t.digest.slice(0, 19) },
  { header: 'CACHED', value: (t) => formatSize(t.cached_size) },
  { header: 'FIRST PULLED', value: (t) => shortTime(t.push_time) },
  { header: 'REVALIDATED', value: (t) => shortTime(t.revalidated_time ?? undefined) ?? 'never' },
];

export async function run(rt: Runtime, [project]: string[]): Promise<void> {
  const rows = await rt.withClient((c) => withSpinner(rt, `reading the cache of ${project}`, () => listProjectCache(c, project)));
  renderList(rt.io, rt.listFormat(), rows, COLUMNS, `nothing cached in ${project} yet`);
}
