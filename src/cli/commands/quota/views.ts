import { formatSize } from '../../../core/sizes.js';
import type { Quota } from '../../../client/quotas.js';
import type { Column } from '../../output/render.js';

export function usedPercent(q: Quota): string | undefined {
  if (q.hard.storage < 0) return undefined;
  if (q.hard.storage === 0) return q.used.storage > 0 ? '∞%' : '0%';
  return `${((q.used.storage / q.hard.storage) * 100).toFixed(1)}%`;
}

export const QUOTA_COLUMNS: Column<Quota>[] = [
  { header: 'ID', value: (q) => q.id },
  { header: 'PROJECT', value: (q) => q.ref?.name },
  { header: 'USED', value: (q) => formatSize(q.used.storage) },
  { header: 'LIMIT', value: (q) => formatSize(q.hard.storage) },
  { header: 'USE%', value: (q) => usedPercent(q) },
];
