// harborctl retention run PROJECT [--dry-run]
import { runRetention } from '../../../client/retention.js';
import { renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

export interface Options { dryRun?: boolean }

export async function run(rt: Runtime, [project]: string[], o: Options): Promise<void> {
  const dryRun = o.dryRun === true;
  const r = await rt.withClient((c) => runRetention(c, project, dryRun));
  renderResult(rt.io, rt.opts.output, { project, policy_id: r.policyId, execution_id: r.executionId, dry_run: dryRun },
    `started ${dryRun ? 'dry run' : 'retention run'} ${r.executionId} of project ${project} (harborctl retention tasks ${project} ${r.executionId})`);
}
