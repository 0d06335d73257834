// harborctl replication policy create NAME (--to REGISTRY | --from REGISTRY) [filters, trigger, options]
import { createReplicationPolicy } from '../../../client/replication.js';
import { HarborError } from '../../../core/errors.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { POLICY_FIELDS, policyFromFlags, registriesFromFlags, type PolicyFlags } from './views.js';

export interface Options extends PolicyFlags { disabled?: boolean }

export async function run(rt: Runtime, [name]: string[], o: Options): Promise<void> {
  if (o.to === undefined && o.from === undefined) throw new HarborError('USAGE', 'replication policy create needs --to REGISTRY (push-based) or --from REGISTRY (pull-based)');
  const body = policyFromFlags(o);
  const p = await rt.withClient(async (c) => createReplicationPolicy(c, { name, enabled: !o.disabled, ...body, ...(await registriesFromFlags(c, o)) }));
  renderObject(rt.io, rt.opts.output, p, POLICY_FIELDS);
}
