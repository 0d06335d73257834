// harborctl config get [NAME...]: a table of items, or Harbor's map (name → {value, editable}) under -o json|yaml.
import { getConfigurations } from '../../../client/config.js';
import { HarborError } from '../../../core/errors.js';
import type { Runtime } from '../../runtime.js';
import { configRows, renderConfig } from './views.js';

export async function run(rt: Runtime, args: string[]): Promise<void> {
  const names = args.flat(); // commander passes a variadic argument as one array
  const all = await rt.withClient((c) => getConfigurations(c));
  const unknown = names.filter((n) => !Object.hasOwn(all, n));
  if (unknown.length) throw new HarborError('NOT_FOUND', `no configuration item ${unknown.join(', ').slice(0, 300)} (secrets are never shown)`);
  renderConfig(rt, configRows(all, names), 'no configuration items');
}
