// harborctl replication run POLICY [--wait]
// With --wait: polls the execution and its tasks, drawing a progress bar on stderr (tasks done, and
// bytes where the server counts them: harborctl serve does, Harbor does not), then prints the
// execution; exit 1 unless it ended Succeed.
import { FINAL_EXECUTION_STATUSES, findReplicationPolicy, getReplicationExecution, listReplicationTasks, startReplication } from '../../../client/replication.js';
import { HarborError } from '../../../core/errors.js';
import { formatSize } from '../../../core/sizes.js';
import { withProgress } from '../../output/interactive.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { EXECUTION_COLUMNS, progressBar } from './views.js';

export interface Options { wait?: boolean }

const POLL_MS = 500;

export async function run(rt: Runtime, [policy]: string[], o: Options): Promise<void> {
  const e = await rt.withClient(async (c) => {
    const p = await findReplicationPolicy(c, policy);
    const id = await startReplication(c, p.id);
    rt.info(`replication ${id} of policy ${p.name} started`);
    if (!o.wait) return getReplicationExecution(c, id);
    return withProgress(rt, `replication ${id}`, async (show) => {
      for (;;) {
        const cur = await getReplicationExecution(c, id);
        const tasks = (await listReplicationTasks(c, id, {}, { pageSize: 0 })).items;
        const bytes = tasks.reduce((n, t) => n + (t.bytes ?? 0), 0);
        const total = tasks.reduce((n, t) => n + (t.total_bytes ?? 0), 0);
        const done = (cur.succeed ?? 0) + (cur.failed ?? 0) + (cur.stopped ?? 0);
        show(total > 0
          ? progressBar(bytes, total, `${formatSize(bytes)} / ${formatSize(total)}, ${done}/${cur.total ?? 0} tasks`)
          : progressBar(done, cur.total ?? 0, `${done}/${cur.total ?? 0} tasks`));
        if (FINAL_EXECUTION_STATUSES.includes(cur.status)) return cur;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    });
  });
  renderObject(rt.io, rt.opts.output, e, EXECUTION_COLUMNS);
  if (o.wait && e.status !== 'Succeed') {
    throw new HarborError('INTERNAL_SERVER_ERROR', `replication ${e.id} ended ${e.status}${e.status_text ? `: ${e.status_text}` : ''}; see harborctl replication tasks ${e.id}`);
  }
}
