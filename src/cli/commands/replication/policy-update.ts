// harborctl replication policy update POLICY [--name N] [--enable | --disable] [the options of create]
// Harbor's PUT takes the whole policy: the current one with the flags laid over it is sent.
import { findReplicationPolicy, updateReplicationPolicy } from '../../../client/replication.js';
import { HarborError } from '../../../core/errors.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { POLICY_FIELDS, policyFromFlags, registriesFromFlags, type PolicyFlags } from './views.js';

export interface Options extends PolicyFlags { name?: string; enable?: boolean; disable?: boolean }

export async function run(rt: Runtime, [policy]: string[], o: Options): Promise<void> {
  if (o.enable && o.disable) throw new HarborError('USAGE', '--enable and --disable exclude each other');
  const p = await rt.withClient(async (c) => {
    const cur = await findReplicationPolicy(c, policy);
    const { id, ...rest } = cur;
    const regs = await registriesFromFlags(c, o);
    await updateReplicationPolicy(c, id, {
      ...rest, ...policyFromFlags(o, cur), ...(regs ?? {}), name: o.name ?? cur.name,
      enabled: o.enable ? true : o.disable ? false : cur.enabled,
    });
    return findReplicationPolicy(c, String(id));
  });
  renderObject(rt.io, rt.opts.output, p, POLICY_FIELDS);
}
