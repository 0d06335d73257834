// harborctl scan-all status
import { scanAllMetrics } from '../../../client/scanall.js';
import type { Runtime } from '../../runtime.js';
import { renderStats } from './views.js';

export async function run(rt: Runtime): Promise<void> {
  renderStats(rt, await rt.withClient((c) => scanAllMetrics(c)));
}
