import { formatSize } from '../../../core/sizes.js';
import type { Artifact } from '../../../client/types.js';
import { shortTime, type Column } from '../../output/render.js';

export const ARTIFACT_COLUMNS: Column<Artifact>[] = [
  { header: 'DIGEST', value: (a) => a.digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, '$1') },
  { header: 'TAGS', value: (a) => (a.tags ?? []).map((t) => t.name).join(', ') },
  { header: 'TYPE', value: (a) => a.artifact_type || a.type },
  { header: 'SIZE', value: (a) => (typeof a.size === 'number' ? formatSize(a.size) : undefined) },
  { header: 'PUSHED', value: (a) => shortTime(a.push_time) },
];

export const ARTIFACT_FIELDS: Column<Artifact>[] = [
  { header: 'DIGEST', value: (a) => a.digest },
  { header: 'REPOSITORY', value: (a) => a.repository_name },
  { header: 'TAGS', value: (a) => (a.tags ?? []).map((t) => t.name).join(', ') },
  { header: 'MEDIA TYPE', value: (a) => a.manifest_media_type ?? a.media_type },
  { header: 'ARTIFACT TYPE', value: (a) => a.artifact_type },
  { header: 'SIZE', value: (a) => (typeof a.size === 'number' ? `${formatSize(a.size)} (${a.size} bytes)` : undefined) },
  { header: 'PUSHED', value: (a) => shortTime(a.push_time) },
  { header: 'PULLED', value: (a) => shortTime(a.pull_time) },
];
