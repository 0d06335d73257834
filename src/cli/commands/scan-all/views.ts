// How a scan-all's progress is shown (status, and run --wait at the end).
import type { ScanAllStats } from '../../../client/scanall.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

export function renderStats(rt: Runtime, s: ScanAllStats): void {
  renderObject(rt.io, rt.opts.output, s, [
    { header: 'TRIGGER', value: (v) => v.trigger ?? null },
    { header: 'ONGOING', value: (v) => (v.ongoing === undefined ? null : String(v.ongoing)) },
    { header: 'COMPLETED', value: (v) => (v.total === undefined ? null : `${v.completed ?? 0}/${v.total}`) },
    { header: 'BY STATUS', value: (v) => (v.metrics ? Object.entries(v.metrics).map(([k, n]) => `${k}=${n}`).join(' ') : null) },
  ]);
}
