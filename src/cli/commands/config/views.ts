// How configuration items are shown: one row per item.
import type { ConfigItem } from '../../../client/config.js';
import type { Column } from '../../output/render.js';

export interface ConfigRow { name: string; value: string | number | boolean; editable: boolean }

export const CONFIG_COLUMNS: Column<ConfigRow>[] = [
  { header: 'NAME', value: (r) => r.name },
  { header: 'VALUE', value: (r) => String(r.value) },
  { header: 'EDITABLE', value: (r) => (r.editable ? 'yes' : 'no') },
];

export function configRows(all: Record<string, ConfigItem>, names: string[]): ConfigRow[] {
  const keys = names.length ? names : Object.keys(all).sort();
  return keys.filter((k) => Object.hasOwn(all, k)).map((k) => ({ name: k, value: all[k].value, editable: all[k].editable }));
}
