// harborctl webhook get PROJECT POLICY (id or name)
import { findWebhookPolicy } from '../../../client/webhooks.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { POLICY_FIELDS } from './views.js';

export async function run(rt: Runtime, [project, policy]: string[]): Promise<void> {
  renderObject(rt.io, rt.opts.output, await rt.withClient((c) => findWebhookPolicy(c, project, policy)), POLICY_FIELDS);
}
