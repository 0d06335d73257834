// harborctl webhook create PROJECT NAME --event TYPE... --address URL [--type http|slack] [--format Default|CloudEvents]
//   [--auth-header-stdin] [--skip-cert-verify] [--description D] [--disabled]
import { createWebhookPolicy } from '../../../client/webhooks.js';
import { HarborError } from '../../../core/errors.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { eventTypes, POLICY_FIELDS, target, type TargetFlags } from './views.js';

export interface Options extends TargetFlags { disabled?: boolean }

export async function run(rt: Runtime, [project, name]: string[], o: Options): Promise<void> {
  const events = eventTypes(o);
  if (!events?.length) throw new HarborError('USAGE', 'webhook create needs --event');
  const t = await target(rt, o);
  const p = await rt.withClient((c) => createWebhookPolicy(c, project, {
    name, description: o.description ?? '', enabled: !o.disabled, event_types: events, targets: [t],
  }));
  renderObject(rt.io, rt.opts.output, p, POLICY_FIELDS);
}
