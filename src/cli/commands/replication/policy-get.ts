// harborctl replication policy get POLICY
import { findReplicationPolicy } from '../../../client/replication.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { POLICY_FIELDS } from './views.js';

export async function run(rt: Runtime, [policy]: string[]): Promise<void> {
  renderObject(rt.io, rt.opts.output, await rt.withClient((c) => findReplicationPolicy(c, policy)), POLICY_FIELDS);
}
