// harborctl gc stop ID
import { stopGc } from '../../../client/gc.js';
import { renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { runId } from './views.js';

export async function run(rt: Runtime, [id]: string[]): Promise<void> {
  const n = runId(id);
  await rt.withClient((c) => stopGc(c, n));
  renderResult(rt.io, rt.opts.output, { id: n, stopping: true }, `asked garbage collection ${n} to stop`);
}
