// harborctl config get [NAME...]: a table of items, or Harbor's map (name → {value, editable}) under -o json|yaml.
import { getConfigurations } from '../../../client/config.js';
import { HarborError } from '../../../core/errors.js';
import { renderList, renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { CONFIG_COLUMNS, configRows } from './views.js';

export async function run(rt: Runtime, args: string[]): Promise<void> {
  const names = args.flat(); // commander passes a variadic argument as one array
  const all = await rt.withClient((c) => getConfigurations(c));
  const unknown = names.filter((n) => !Object.hasOwn(all, n));
  if (unknown.length) throw new HarborError('NOT_FOUND', `no configuration item ${unknown.join(', ').slice(0, 300)} (secrets are never shown)`);
  const rows = configRows(all, names);
  if (rt.opts.output === 'table') renderList(rt.io, 'table', rows, CONFIG_COLUMNS, 'no configuration items');
  else renderObject(rt.io, rt.opts.output, Object.fromEntries(rows.map((r) => [r.name, { value: r.value, editable: r.editable }])), []);
}
