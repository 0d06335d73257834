// How configuration items are shown: one row per item.
import type { ConfigItem } from '../../../client/config.js';
import { renderList, renderObject, type Column } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

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

/** A table of rows, or Harbor's map (name → {value, editable}) under -o json|yaml. */
export function renderConfig(rt: Runtime, rows: ConfigRow[], empty: string): void {
  if (rt.opts.output === 'table') renderList(rt.io, 'table', rows, CONFIG_COLUMNS, empty);
  else renderObject(rt.io, rt.opts.output, Object.fromEntries(rows.map((r) => [r.name, { value: r.value, editable: r.editable }])), []);
}
