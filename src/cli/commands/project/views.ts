import { formatSize } from '../../../core/sizes.js';
import { isHarborError } from '../../../core/errors.js';
import type { HarborClient } from '../../../client/http.js';
import { getProjectSummary } from '../../../client/projects.js';
import type { Project } from '../../../client/types.js';
import { shortTime, type Column } from '../../output/render.js';

export const PROJECT_COLUMNS: Column<Project>[] = [
  { header: 'ID', value: (p) => p.project_id },
  { header: 'NAME', value: (p) => p.name },
  { header: 'ACCESS', value: (p) => (p.metadata?.public === 'true' ? 'public' : 'private') },
  { header: 'REPOS', value: (p) => p.repo_count ?? 0 },
  { header: 'OWNER', value: (p) => p.owner_name },
  { header: 'CREATED', value: (p) => shortTime(p.creation_time) },
];

export const PROJECT_FIELDS: Column<Project>[] = [
  ...PROJECT_COLUMNS,
  { header: 'UPDATED', value: (p) => shortTime(p.update_time) },
  { header: 'STORAGE LIMIT', value: (p) => (typeof p.storage_limit === 'number' ? formatSize(p.storage_limit) : undefined) },
  { header: 'AUTO SBOM', value: (p) => p.metadata?.auto_sbom_generation ?? 'false' },
  { header: 'PROXY CACHE OF', value: (p) => (p.registry_id ? `registry ${p.registry_id}` : undefined) },
];

/**
 * Harbor's Project has no storage limit: it is the project's quota (hard.storage, -1 unlimited),
 * read from GET /projects/{p}/summary and added as storage_limit, the name ProjectReq uses.
 * A server that will not say (no summary, no right to read it) leaves it out.
 */
export async function withStorageLimit(c: HarborClient, p: Project): Promise<Project> {
  try {
    const limit = (await getProjectSummary(c, p.project_id)).quota?.hard?.storage;
    return typeof limit === 'number' ? { ...p, storage_limit: limit } : p;
  } catch (e) {
    if (isHarborError(e) && e.code !== 'UNREACHABLE') return p;
    throw e;
  }
}
