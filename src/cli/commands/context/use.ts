// harborctl context use NAME ("local": the `harborctl serve` of this OS user, found from its data dir)
import { HarborError } from '../../../core/errors.js';
import { localServer } from '../../config.js';
import { renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

export async function run(rt: Runtime, [name]: string[]): Promise<void> {
  const store = rt.config();
  const c = store.get(name) ?? (name === 'local' ? localServer(rt.io.env) : undefined);
  if (!c) throw new HarborError('NOT_FOUND', `context ${name} not found: see harborctl context list`);
  store.use(name);
  renderResult(rt.io, rt.opts.output, { name, server: c.server, username: c.username, current: true }, `now using context ${name} (${c.username}@${c.server})`);
}
