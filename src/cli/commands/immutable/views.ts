import type { ImmutableRule } from '../../../client/immutable.js';
import type { Column } from '../../output/render.js';

const selector = (s: { decoration: string; pattern: string } | undefined): string =>
  s ? `${s.decoration.toLowerCase().includes('exclude') ? 'excluding' : 'matching'} ${s.pattern}` : '-';

export const RULE_COLUMNS: Column<ImmutableRule>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'ENABLED', value: (r) => (r.disabled ? 'no' : 'yes') },
  { header: 'REPOSITORIES', value: (r) => selector(r.scope_selectors?.repository?.[0]) },
  { header: 'TAGS', value: (r) => selector(r.tag_selectors?.[0]) },
];
