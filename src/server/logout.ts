// Harbor's GET /c/log_out (src/core/controllers/base.go LogOut, and Harbor 2.13's auditext logout
// resolver for its record): the user the request's credentials name is recorded as logout_user, and
// a session cookie (Harbor's `sid`), if the client holds one, is cleared. Without credentials, or
// with wrong ones, the answer is the same 200 and nothing is recorded: Harbor's security context is
// then anonymous, and its resolver skips a logout without a user name.
// A browser signed in through OIDC (a session cookie, auth_mode oidc_auth) gets Harbor's answer for
// an OIDC user: 403 with {"redirect_location": ".../c/oidc/logout"}, where its session ends (and,
// with oidc_logout, the provider's: handleOidcLogout below) and the logout is recorded (Harbor's
// oidcLogoutResolver). Unlike Harbor, a client that signs in with Basic (harborctl logout with a
// CLI secret) is not sent there: it has no browser session to end and is answered as any user.
import { HarborError } from '../core/errors.js';
import type { AuditExtService } from '../services/audit-ext.js';
import type { AuthService } from '../services/auth.js';
import type { OidcService } from '../services/oidc.js';
import { ANONYMOUS, principalName, type Principal } from '../services/rbac.js';
import { sendJson, type RequestContext } from './context.js';
import { cookie, cookies, origin, redirect } from './html.js';
import { errorPage, OIDC_LOGOUT_PATH, SESSION_COOKIE, SIGN_IN_PATH } from './oidc.js';
import type { Logger } from '../core/log.js';

export const LOGOUT_PATH = '/c/log_out';

/** The audit log's logout of `name` (nothing without a name, as Harbor's resolvers). */
function recordLogout(ctx: RequestContext, auditExt: AuditExtService, name: string | undefined): void {
  const address = ctx.req.socket.remoteAddress;
  if (name) auditExt.event({ operation: 'logout', resourceType: 'user', resource: name, username: name, description: `logout from ${address ?? 'unknown address'}` });
}

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
    if (who === ANONYMOUS) {
      who = (await deps.oidc.session(sid))?.principal ?? ANONYMOUS;
      if (who !== ANONYMOUS && deps.oidc.active) {
        return sendJson(ctx, 403, { redirect_location: `${origin(ctx)}${OIDC_LOGOUT_PATH}` }, { 'Cache-Control': 'no-store' });
      }
    }
    await deps.oidc.logout(sid);
  }
  recordLogout(ctx, deps.auditExt, principalName(who));
  ctx.res.setHeader('Set-Cookie', cookie(ctx, SESSION_COOKIE, '', { path: '/', maxAgeSec: 0 }));
  ctx.res.setHeader('Cache-Control', 'no-store');
  ctx.res.writeHead(200).end();
}

/**
 * GET /c/oidc/logout (Harbor's OIDCController.RedirectLogout): the browser session ends and is
 * recorded; then the browser goes to the provider's end_session_endpoint when oidc_logout is set
 * (services/oidc.ts endSession), else to the sign-in page. A provider that cannot be reached is an
 * error page (the session here has ended all the same).
 */
export async function handleOidcLogout(ctx: RequestContext, deps: { auditExt: AuditExtService; oidc: OidcService; log: Logger }): Promise<void> {
  if (ctx.method !== 'GET') throw new HarborError('METHOD_NOT_ALLOWED', `${ctx.method} is not supported on ${OIDC_LOGOUT_PATH}`);
  ctx.res.setHeader('Set-Cookie', cookie(ctx, SESSION_COOKIE, '', { path: '/', maxAgeSec: 0 }));
  ctx.res.setHeader('Cache-Control', 'no-store');
  try {
    const r = await deps.oidc.endSession(cookies(ctx)[SESSION_COOKIE], `${origin(ctx)}${SIGN_IN_PATH}`);
    recordLogout(ctx, deps.auditExt, r.username);
    redirect(ctx, r.location);
  } catch (e) {
    errorPage(ctx, e, deps.log);
  }
}
