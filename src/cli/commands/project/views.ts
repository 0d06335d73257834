import { formatSize } from '../../../core/sizes.js';
import { isHarborError } from '../../../core/errors.js';
import type { HarborClient } from '../../../client/http.js';
import { getProjectSummary } from '../../../client/projects.js';
import { getRegistryById } from '../../../client/registries.js';
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

/** A project as get/create/update show it: Harbor's Project, plus its quota and its proxy cache's registry name. */
export type ProjectDetails = Project & { storage_limit?: number; registry_name?: string };

export const PROJECT_FIELDS: Column<ProjectDetails>[] = [
  ...PROJECT_COLUMNS,
  { header: 'UPDATED', value: (p) => shortTime(p.update_time) },
  { header: 'STORAGE LIMIT', value: (p) => (typeof p.storage_limit === 'number' ? formatSize(p.storage_limit) : undefined) },
  { header: 'AUTO SBOM', value: (p) => p.metadata?.auto_sbom_generation ?? 'false' },
  { header: 'PROXY CACHE OF', value: (p) => (p.registry_id ? p.registry_name ?? `registry ${p.registry_id}` : undefined) },
];

/**
 * Harbor's Project has no storage limit: it is the project's quota (hard.storage, -1 unlimited),
 * read from GET /projects/{p}/summary and added as storage_limit, the name ProjectReq uses. A
 * proxy cache's registry_id gets the endpoint's registry_name (GET /registries/{id}, admins only).
 * What the server will not say (no summary, no right to read it) is left out.
 */
export async function withDetails(c: HarborClient, p: Project): Promise<ProjectDetails> {
  const out: ProjectDetails = { ...p };
  const limit = await optional(async () => (await getProjectSummary(c, p.project_id)).quota?.hard?.storage);
  if (typeof limit === 'number') out.storage_limit = limit;
  if (p.registry_id) {
    const name = await optional(async () => (await getRegistryById(c, p.registry_id!)).name);
    if (name) out.registry_name = name;
  }
  return out;
}

async function optional<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (isHarborError(e) && e.code !== 'UNREACHABLE' && e.code !== 'TIMEOUT') return undefined;
    throw e;
  }
}
