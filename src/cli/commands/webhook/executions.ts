// harborctl webhook executions PROJECT POLICY [--page N] [--page-size N] [--log EXECUTION]
// The list: one row per delivery (Harbor's execution). --log: the attempts of one delivery (its task's log).
import { findWebhookPolicy, listWebhookExecutions, listWebhookTasks, webhookTaskLog } from '../../../client/webhooks.js';
import { HarborError } from '../../../core/errors.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { moreNote, pageOptions, type PageFlags } from '../common.js';
import { EXECUTION_COLUMNS } from './views.js';

export interface Options extends PageFlags { log?: string }

export async function run(rt: Runtime, [project, policy]: string[], o: Options): Promise<void> {
  if (o.log !== undefined) {
    if (!/^[0-9]{1,15}$/.test(o.log)) throw new HarborError('USAGE', '--log takes an execution id');
    const text = await rt.withClient(async (c) => {
      const p = await findWebhookPolicy(c, project, policy);
      const logs: string[] = [];
      for (const t of await listWebhookTasks(c, project, p.id, Number(o.log))) logs.push(await webhookTaskLog(c, project, p.id, Number(o.log), t.id));
      return logs.join('');
    });
    rt.io.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
    return;
  }
  const page = pageOptions(o);
  const { items, total } = await rt.withClient(async (c) => listWebhookExecutions(c, project, (await findWebhookPolicy(c, project, policy)).id, page));
  renderList(rt.io, rt.listFormat(), items, EXECUTION_COLUMNS, 'no deliveries yet');
  moreNote(rt, items.length, total, page);
}
