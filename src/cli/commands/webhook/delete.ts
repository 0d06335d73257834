// harborctl webhook delete PROJECT POLICY --yes
import { deleteWebhookPolicy, findWebhookPolicy } from '../../../client/webhooks.js';
import { confirm } from '../../output/interactive.js';
import type { Runtime } from '../../runtime.js';
import { printDeleted } from '../common.js';

export interface Options { yes?: boolean }

export async function run(rt: Runtime, [project, policy]: string[], o: Options): Promise<void> {
  await confirm(rt, o.yes, `delete webhook policy ${policy} of project ${project}?`);
  const p = await rt.withClient(async (c) => {
    const found = await findWebhookPolicy(c, project, policy);
    await deleteWebhookPolicy(c, project, found.id);
    return found;
  });
  printDeleted(rt, 'webhook policy', p.name, { id: p.id });
}
