// harborctl gc log ID: the run's log as the server keeps it (what was, or would be, deleted).
import { gcLog } from '../../../client/gc.js';
import type { Runtime } from '../../runtime.js';
import { runId } from './views.js';

export async function run(rt: Runtime, [id]: string[]): Promise<void> {
  const n = runId(id);
  rt.io.stdout.write(await rt.withClient((c) => gcLog(c, n)));
}
