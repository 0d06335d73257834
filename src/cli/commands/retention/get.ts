// harborctl retention get PROJECT
import { getRetention } from '../../../client/retention.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { POLICY_FIELDS } from './views.js';

export async function run(rt: Runtime, [project]: string[]): Promise<void> {
  const policy = await rt.withClient((c) => getRetention(c, project));
  renderObject(rt.io, rt.opts.output, policy, POLICY_FIELDS);
}
