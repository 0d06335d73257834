// harborctl scan-all stop
import { stopScanAll } from '../../../client/scanall.js';
import { renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

export async function run(rt: Runtime): Promise<void> {
  await rt.withClient((c) => stopScanAll(c));
  renderResult(rt.io, rt.opts.output, { stopping: true }, 'asked the running scan-all to stop');
}
