// What label commands show.
import type { Label } from '../../../client/labels.js';
import type { Column } from '../../output/render.js';
import { shortTime } from '../../output/render.js';

export const LABEL_COLUMNS: Column<Label>[] = [
  { header: 'ID', value: (l) => l.id },
  { header: 'NAME', value: (l) => l.name },
  { header: 'SCOPE', value: (l) => (l.scope === 'p' ? `project ${l.project_id}` : 'global') },
  { header: 'COLOR', value: (l) => l.color },
  { header: 'DESCRIPTION', value: (l) => l.description },
  { header: 'CREATED', value: (l) => shortTime(l.creation_time) },
];
