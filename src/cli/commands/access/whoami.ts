// harborctl whoami: who the server says we are, and through which context.
import { currentUser } from '../../../client/users.js';
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

export async function run(rt: Runtime): Promise<void> {
  // An OIDC user's record holds its CLI secret: whoami never prints it (`user cli-secret` does, on request).
  const out = await rt.withClient(async (c, t) => {
    const { oidc_user_meta: _secret, ...user } = await currentUser(c);
    return { context: t.context ?? null, server: t.server, user };
  });
  renderObject(rt.io, rt.opts.output, out, [
    { header: 'USER', value: (o) => o.user.username },
    { header: 'ID', value: (o) => o.user.user_id },
    { header: 'ADMIN', value: (o) => (o.user.sysadmin_flag ? 'yes' : 'no') },
    { header: 'SERVER', value: (o) => o.server },
    { header: 'CONTEXT', value: (o) => o.context },
  ]);
}
