// harborctl replication log EXECUTION [TASK]: one task's log, or every task's in turn.
import { listReplicationTasks, replicationTaskLog } from '../../../client/replication.js';
import type { Runtime } from '../../runtime.js';
import { parseId } from '../common.js';

export async function run(rt: Runtime, [execution, task]: string[]): Promise<void> {
  const eid = parseId(execution, 'execution');
  const text = await rt.withClient(async (c) => {
    if (task !== undefined) return replicationTaskLog(c, eid, parseId(task, 'task'));
    const logs: string[] = [];
    for (const t of (await listReplicationTasks(c, eid, {}, { pageSize: 0 })).items) logs.push(`== task ${t.id}: ${t.src_resource ?? ''}\n${await replicationTaskLog(c, eid, t.id)}`);
    return logs.join('');
  });
  rt.io.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
}
