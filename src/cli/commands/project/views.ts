import { formatSize } from '../../../core/sizes.js';
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
