import type { Artifact, SbomOverview } from '../../../client/types.js';
import { shortTime, type Column } from '../../output/render.js';

const short = (d: string | undefined): string | undefined => d?.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, '$1');

/** What `sbom generate` prints: the artifact and its sbom_overview (Harbor's fields under -o json). */
export interface GenerateResult { artifact: string; digest: string; sbom_overview: SbomOverview | null }

export const GENERATE_FIELDS: Column<GenerateResult>[] = [
  { header: 'ARTIFACT', value: (r) => r.artifact },
  { header: 'DIGEST', value: (r) => r.digest },
  { header: 'STATUS', value: (r) => r.sbom_overview?.scan_status },
  { header: 'SBOM DIGEST', value: (r) => r.sbom_overview?.sbom_digest },
  { header: 'STARTED', value: (r) => shortTime(r.sbom_overview?.start_time) },
  { header: 'FINISHED', value: (r) => shortTime(r.sbom_overview?.end_time) },
  { header: 'DURATION', value: (r) => (r.sbom_overview?.duration === undefined ? undefined : `${r.sbom_overview.duration}s`) },
];

/** One row of `sbom list`: an image of the project and its SBOM status. */
export interface SbomRow { repository: string; digest: string; tags: string[]; sbom_overview: SbomOverview | null }

export function sbomRow(repository: string, a: Artifact): SbomRow {
  return { repository, digest: a.digest, tags: (a.tags ?? []).map((t) => t.name), sbom_overview: a.sbom_overview ?? null };
}

export const SBOM_COLUMNS: Column<SbomRow>[] = [
  { header: 'REPOSITORY', value: (r) => r.repository },
  { header: 'DIGEST', value: (r) => short(r.digest) },
  { header: 'TAGS', value: (r) => r.tags.join(', ') },
  { header: 'SBOM', value: (r) => r.sbom_overview?.scan_status ?? 'none' },
  { header: 'SBOM DIGEST', value: (r) => short(r.sbom_overview?.sbom_digest) },
  { header: 'GENERATED', value: (r) => shortTime(r.sbom_overview?.end_time) },
];
