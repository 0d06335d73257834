// harborctl webhook update PROJECT POLICY [--name N] [--event TYPE...] [--address URL] [--type T] [--format F]
//   [--auth-header-stdin] [--[no-]skip-cert-verify] [--description D] [--enable | --disable]
import { findWebhookPolicy, updateWebhookPolicy, type WebhookPolicy } from '../../../client/webhooks.js';
import { HarborError } from '../../../core/errors.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { eventTypes, POLICY_FIELDS, target, type TargetFlags } from './views.js';

export interface Options extends TargetFlags { name?: string; enable?: boolean; disable?: boolean }

export async function run(rt: Runtime, [project, policy]: string[], o: Options): Promise<void> {
  if (o.enable && o.disable) throw new HarborError('USAGE', '--enable and --disable exclude each other');
  const events = eventTypes(o);
  const targetChanged = [o.address, o.type, o.format, o.authHeaderStdin, o.skipCertVerify].some((v) => v !== undefined);
  const p = await rt.withClient(async (c) => {
    const cur = await findWebhookPolicy(c, project, policy);
    const patch: Partial<WebhookPolicy> = {};
    if (o.name !== undefined) patch.name = o.name;
    if (o.description !== undefined) patch.description = o.description;
    if (events) patch.event_types = events;
    if (o.enable || o.disable) patch.enabled = Boolean(o.enable);
    // The auth header comes back masked; sent back as is, the server keeps it.
    if (targetChanged) patch.targets = [await target(rt, o, o.address && o.address !== cur.targets[0]?.address ? undefined : cur.targets[0])];
    if (Object.keys(patch).length === 0) throw new HarborError('USAGE', 'nothing to change: give at least one option');
    await updateWebhookPolicy(c, project, cur.id, patch);
    return findWebhookPolicy(c, project, String(cur.id));
  });
  renderObject(rt.io, rt.opts.output, p, POLICY_FIELDS);
}
