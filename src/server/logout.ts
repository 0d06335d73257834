// Harbor's GET /c/log_out (src/core/controllers/base.go LogOut, and Harbor 2.13's auditext logout
// resolver for its record): the user the request's credentials name is recorded as logout_user, and
// a session cookie (Harbor's `sid`), if the client holds one, is cleared. Without credentials, or
// with wrong ones, the answer is the same 200 and nothing is recorded: Harbor's security context is
// then anonymous, and its resolver skips a logout without a user name. A browser signed in through
// OIDC is named by its session cookie, and that session ends here.
import { HarborError } from '../core/errors.js';
import type { AuditExtService } from '../services/audit-ext.js';
import type { AuthService } from '../services/auth.js';
import type { OidcService } from '../services/oidc.js';
import { ANONYMOUS, principalName, type Principal } from '../services/rbac.js';
import type { RequestContext } from './context.js';
import { cookie, cookies } from './html.js';
import { SESSION_COOKIE } from './oidc.js';

export const LOGOUT_PATH = '/c/log_out';

export async function handleLogout(ctx: RequestContext, deps: { auth: AuthService; auditExt: AuditExtService; oidc: OidcService }): Promise<void> {
  if (ctx.method !== 'GET') throw new HarborError('METHOD_NOT_ALLOWED', `${ctx.method} is not supported on ${LOGOUT_PATH}`);
  const address = ctx.req.socket.remoteAddress;
  let who: Principal = ANONYMOUS;
  try {
    who = await deps.auth.principal(ctx.req.headers.authorization, address);
  } catch (e) {
    if (!(e instanceof HarborError && e.code === 'UNAUTHORIZED')) throw e;
  }
  const sid = cookies(ctx)[SESSION_COOKIE];
  if (sid) {
    if (who === ANONYMOUS) who = (await deps.oidc.session(sid))?.principal ?? ANONYMOUS;
    await deps.oidc.logout(sid);
  }
  const name = principalName(who);
  if (name) deps.auditExt.event({ operation: 'logout', resourceType: 'user', resource: name, username: name, description: `logout from ${address ?? 'unknown address'}` });
  ctx.res.setHeader('Set-Cookie', cookie(ctx, SESSION_COOKIE, '', { path: '/', maxAgeSec: 0 }));
  ctx.res.setHeader('Cache-Control', 'no-store');
  ctx.res.writeHead(200).end();
}
