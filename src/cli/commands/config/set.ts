// harborctl config set NAME=VALUE...: each value takes the type the server shows for the item
// (true/false, an integer, text); storage_per_project also takes a size (10GiB, unlimited).
import { getConfigurations, putConfigurations } from '../../../client/config.js';
import { HarborError } from '../../../core/errors.js';
import { parseSize } from '../../../core/sizes.js';
import type { Runtime } from '../../runtime.js';
import { configRows, renderConfig } from './views.js';

/** NAME=VALUE pairs, checked before any network call. */
export function parseAssignments(args: string[]): [string, string][] {
  return args.map((a) => {
    const i = a.indexOf('=');
    if (i <= 0) throw new HarborError('USAGE', `expected NAME=VALUE, got ${JSON.stringify(a.slice(0, 100))}`);
    return [a.slice(0, i), a.slice(i + 1)];
  });
}

function typed(name: string, raw: string, current: unknown): unknown {
  if (typeof current === 'boolean') {
    if (raw !== 'true' && raw !== 'false') throw new HarborError('USAGE', `${name} takes true or false`);
    return raw === 'true';
  }
  if (typeof current === 'number') {
    if (name === 'storage_per_project') return parseSize(raw);
    if (!/^-?[0-9]{1,15}$/.test(raw)) throw new HarborError('USAGE', `${name} takes an integer`);
    return Number(raw);
  }
  return raw;
}

export async function run(rt: Runtime, args: string[]): Promise<void> {
  const assignments = parseAssignments(args.flat()); // commander passes a variadic argument as one array
  const after = await rt.withClient(async (c) => {
    const before = await getConfigurations(c);
    // The server refuses names it does not know; a secret (never shown) goes as text.
    const body = Object.fromEntries(assignments.map(([k, v]) => [k, typed(k, v, Object.hasOwn(before, k) ? before[k].value : undefined)]));
    await putConfigurations(c, body);
    return getConfigurations(c);
  });
  renderConfig(rt, configRows(after, assignments.map(([k]) => k)), 'no configuration items shown (secrets are never shown)');
}
