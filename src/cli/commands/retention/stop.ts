// harborctl retention stop PROJECT EXECUTION
import { stopRetentionExecution } from '../../../client/retention.js';
import { renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { parseId } from '../common.js';

export async function run(rt: Runtime, [project, execution]: string[]): Promise<void> {
  const eid = parseId(execution, 'execution');
  await rt.withClient((c) => stopRetentionExecution(c, project, eid));
  renderResult(rt.io, rt.opts.output, { project, execution_id: eid, stopped: true }, `asked retention run ${eid} of project ${project} to stop`);
}
