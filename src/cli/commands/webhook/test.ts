// harborctl webhook test PROJECT POLICY: queues a sample event (the policy's first event type, marked
// custom_attributes.harborctl_test) to each target; `webhook executions` shows how it went.
import { findWebhookPolicy, testWebhookPolicy } from '../../../client/webhooks.js';
import { renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

export async function run(rt: Runtime, [project, policy]: string[]): Promise<void> {
  const ids = await rt.withClient(async (c) => testWebhookPolicy(c, project, (await findWebhookPolicy(c, project, policy)).id));
  renderResult(rt.io, rt.opts.output, { execution_ids: ids }, `queued ${ids.length} test deliver${ids.length === 1 ? 'y' : 'ies'}: ${ids.join(', ')}`);
}
