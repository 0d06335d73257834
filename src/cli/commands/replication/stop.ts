// harborctl replication stop EXECUTION
import { getReplicationExecution, stopReplication } from '../../../client/replication.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { parseId } from '../common.js';
import { EXECUTION_COLUMNS } from './views.js';

export async function run(rt: Runtime, [execution]: string[]): Promise<void> {
  const id = parseId(execution, 'execution');
  const e = await rt.withClient(async (c) => {
    await stopReplication(c, id);
    return getReplicationExecution(c, id);
  });
  renderObject(rt.io, rt.opts.output, e, EXECUTION_COLUMNS);
}
