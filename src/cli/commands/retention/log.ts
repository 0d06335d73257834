// harborctl retention log PROJECT EXECUTION TASK: the task's log as the server wrote it.
import { getRetentionTaskLog } from '../../../client/retention.js';
import type { Runtime } from '../../runtime.js';
import { parseId } from '../common.js';

export async function run(rt: Runtime, [project, execution, task]: string[]): Promise<void> {
  const eid = parseId(execution, 'execution');
  const tid = parseId(task, 'task');
  const log = await rt.withClient((c) => getRetentionTaskLog(c, project, eid, tid));
  rt.io.stdout.write(log.endsWith('\n') ? log : `${log}\n`);
}
