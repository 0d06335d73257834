// harborctl scan-all run [--wait]
import { runScanAll, scanAllMetrics, type ScanAllStats } from '../../../client/scanall.js';
import { HarborError } from '../../../core/errors.js';
import type { Runtime } from '../../runtime.js';
import { renderStats } from './views.js';

const POLL_MS = 500;

export async function run(rt: Runtime, _args: string[], o: { wait?: boolean }): Promise<void> {
  const s: ScanAllStats = await rt.withClient(async (c) => {
    await runScanAll(c);
    rt.info('scan-all started');
    if (!o.wait) return scanAllMetrics(c);
    // Progress on stderr (not under -o json/yaml or -q): completed of total as it moves.
    let shown = '';
    for (;;) {
      const cur = await scanAllMetrics(c);
      const line = `${cur.completed ?? 0}/${cur.total ?? 0} scanned`;
      if (line !== shown) rt.info((shown = line));
      if (cur.ongoing === false) return cur;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  });
  renderStats(rt, s);
  const failed = (s.metrics?.Error ?? 0) + (s.metrics?.Stopped ?? 0);
  if (o.wait && failed > 0) throw new HarborError('SCAN_FAILED', `${failed} of ${s.total ?? 0} scans did not succeed: see harborctl artifact get for each`);
}
