// harborctl logout [CONTEXT] [--docker-config]: forgets a context (the current one by default).
import { HarborError } from '../../../core/errors.js';
import { removeDockerAuth } from '../../config.js';
import { renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

export interface Options { dockerConfig?: boolean }

export async function run(rt: Runtime, [nameArg]: string[], o: Options): Promise<void> {
  const store = rt.config();
  const name = nameArg ?? rt.opts.context ?? store.current();
  if (!name) throw new HarborError('USAGE', 'not logged in: there is no current context');
  const ctx = store.get(name);
  if (!ctx) throw new HarborError('NOT_FOUND', `context ${name} not found: see harborctl context list`);
  store.remove(name);
  const docker = o.dockerConfig ? removeDockerAuth(ctx.server, rt.io.env) : false;
  renderResult(rt.io, rt.opts.output, { context: name, server: ctx.server, logged_out: true, ...(o.dockerConfig ? { docker_config_removed: docker } : {}) },
    `logged out of ${ctx.server} (context ${name} removed)`);
}
