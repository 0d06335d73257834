// harborctl logout [CONTEXT] [--docker-config]: forgets a context (the current one by default).
// Against harborctl serve it first tells the server (Harbor's GET /c/log_out, which the web UI calls),
// so the audit log has the logout as it has the login; Harbor's own CLI only forgets its credentials,
// and so does this one against any other server. A server that cannot be told is a warning: the
// context is forgotten all the same.
import { logOut } from '../../../client/users.js';
import { systemInfo } from '../../../client/system.js';
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
  let serverLogout = false;
  const c = rt.client(ctx);
  try {
    if ((await systemInfo(c)).harborctl_version !== undefined) {
      await logOut(c);
      serverLogout = true;
    }
  } catch (e) {
    rt.warn(`could not record the logout on ${ctx.server}: ${(e as Error).message}`);
  } finally {
    await c.close();
  }
  store.remove(name);
  const docker = o.dockerConfig ? removeDockerAuth(ctx.server, rt.io.env) : false;
  renderResult(rt.io, rt.opts.output, { context: name, server: ctx.server, logged_out: true, server_logout: serverLogout, ...(o.dockerConfig ? { docker_config_removed: docker } : {}) },
    `logged out of ${ctx.server} (context ${name} removed)`);
}
