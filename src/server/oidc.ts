// The browser side of OIDC sign-in (Harbor's src/server/route.go: /c/oidc/login, /c/oidc/callback,
// /c/oidc/onboard, /c/oidc/logout, and the portal's /account/sign-in where a logout lands; /c/log_out is server/logout.ts) and harborctl's code exchange (/c/oidc/cli-token, ours). The work is
// in services/oidc.ts; here: cookies, redirects and the pages. A failed step shows an error page
// with the reason and a link to start again; nothing of a half-done sign-in is kept.
import { HarborError, isHarborError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { OidcService, LoginOutcome } from '../services/oidc.js';
import { checkCliRedirect, LOGIN_TTL_MS, SESSION_TTL_MS } from '../services/oidc.js';
import { optString, readObject, readText } from './api/router.js';
import { sendJson, type RequestContext } from './context.js';
import { cookie, cookies, escapeHtml, origin, redirect, sendPage } from './html.js';

/** The browser session cookie (Harbor's name). */
export const SESSION_COOKIE = 'sid';
const LOGIN_COOKIE = 'harbor_oidc_login';
const OIDC_PATH = '/c/oidc';
export const OIDC_LOGOUT_PATH = `${OIDC_PATH}/logout`;
/** Harbor's sign-in page, where its OIDC logout sends the browser (and the provider, as post_logout_redirect_uri). */
export const SIGN_IN_PATH = '/account/sign-in';
const MAX_FORM = 16 * 1024;

export function isPagePath(path: string): boolean {
  return path.startsWith('/c/') || path === SIGN_IN_PATH;
}

const loginCookie = (ctx: RequestContext, value: string, maxAgeSec: number): string => cookie(ctx, LOGIN_COOKIE, value, { path: OIDC_PATH, maxAgeSec });

export function errorPage(ctx: RequestContext, e: unknown, log: Logger): void {
  const known = isHarborError(e);
  if (!known) log.error('OIDC sign-in failed', { requestId: ctx.requestId, error: e instanceof Error ? e.stack ?? e.message : String(e) });
  const status = known ? e.status : 500;
  const message = known ? e.message : `internal server error (request ${ctx.requestId})`;
  sendPage(ctx, status, 'Sign-in failed', `<p class="error" id="error">${escapeHtml(message)}</p>
<p><a href="${OIDC_PATH}/login">Start again</a></p>`);
}

function onboardForm(ctx: RequestContext, status: number, f: { username: string; formToken: string }, error?: string): void {
  sendPage(ctx, status, 'Choose your user name', `${error ? `<p class="error" id="error">${escapeHtml(error)}</p>\n` : ''}<p>This is your first sign-in here. Pick the user name you will use with docker, podman and harborctl.</p>
<form method="post" action="${OIDC_PATH}/onboard">
<input type="hidden" name="form_token" value="${escapeHtml(f.formToken)}">
<label>User name <input name="username" id="username" required maxlength="255" value="${escapeHtml(f.username)}"></label>
<button type="submit" id="submit">Continue</button>
</form>`);
}

/** Where a finished step sends the browser, and the cookies it sets. */
function next(ctx: RequestContext, o: LoginOutcome): { location: string; cookies: string[] } {
  const clear = loginCookie(ctx, '', 0);
  if (o.kind === 'onboard') return { location: `${OIDC_PATH}/onboard`, cookies: [] };
  if (o.kind === 'cli') return { location: o.location, cookies: [clear] };
  return { location: o.location, cookies: [clear, cookie(ctx, SESSION_COOKIE, o.session, { path: '/', maxAgeSec: SESSION_TTL_MS / 1000 })] };
}

function outcome(ctx: RequestContext, o: LoginOutcome): void {
  const n = next(ctx, o);
  redirect(ctx, n.location, n.cookies.length ? { 'Set-Cookie': n.cookies } : {});
}

function cliLogin(q: URLSearchParams): { redirect: string; state: string; challenge: string } | undefined {
  const to = q.get('cli_redirect');
  if (to === null) return undefined;
  const state = q.get('cli_state') ?? '';
  const challenge = q.get('cli_challenge') ?? '';
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(state)) throw new HarborError('BAD_REQUEST', 'cli_state must be 16 to 128 characters of [A-Za-z0-9_-]');
  if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) throw new HarborError('BAD_REQUEST', 'cli_challenge must be a base64url SHA-256 (43 characters)');
  return { redirect: checkCliRedirect(to), state, challenge };
}

export async function handlePages(ctx: RequestContext, deps: { oidc: OidcService; log: Logger }): Promise<void> {
  const { oidc, log } = deps;
  const route = `${ctx.method} ${ctx.path}`;
  ctx.route = ctx.path;
  const jar = cookies(ctx);
  try {
    switch (route) {
      case `GET ${OIDC_PATH}/login`: {
        const started = await oidc.beginLogin({ origin: origin(ctx), redirectUrl: ctx.query.get('redirect_url') ?? undefined, cli: cliLogin(ctx.query) });
        return redirect(ctx, started.location, { 'Set-Cookie': loginCookie(ctx, started.cookie, LOGIN_TTL_MS / 1000) });
      }
      case `GET ${OIDC_PATH}/callback`:
        return outcome(ctx, await oidc.callback(jar[LOGIN_COOKIE], ctx.query));
      case `GET ${OIDC_PATH}/onboard`:
        return onboardForm(ctx, 200, await oidc.onboarding(jar[LOGIN_COOKIE]));
      case `POST ${OIDC_PATH}/onboard`: {
        const type = ctx.req.headers['content-type'] ?? '';
        if (/^application\/json\b/i.test(type)) {
          // Harbor's UI posts JSON {username} and reads JSON (errors in Harbor's envelope). No form
          // token: a page of another site cannot send application/json here (that needs a CORS
          // preflight, which this server never grants), so the request itself shows it is no forgery.
          ctx.family = 'api';
          const username = optString(await readObject(ctx), 'username') ?? '';
          const { formToken } = await oidc.onboarding(jar[LOGIN_COOKIE]);
          const n = next(ctx, await oidc.onboard(jar[LOGIN_COOKIE], formToken, username.trim()));
          ctx.res.setHeader('Set-Cookie', n.cookies);
          return sendJson(ctx, 200, { redirect_location: new URL(n.location, origin(ctx)).toString() }, { 'Cache-Control': 'no-store' });
        }
        if (!/^application\/x-www-form-urlencoded\b/i.test(type)) throw new HarborError('UNSUPPORTED_MEDIA_TYPE', 'the onboarding form is sent as application/x-www-form-urlencoded (or application/json {"username": ...})');
        const form = new URLSearchParams(await readText(ctx, MAX_FORM));
        const username = (form.get('username') ?? '').trim();
        try {
          return outcome(ctx, await oidc.onboard(jar[LOGIN_COOKIE], form.get('form_token') ?? '', username));
        } catch (e) {
          // A name taken or not allowed: the same form again, with the reason.
          if (isHarborError(e) && (e.code === 'CONFLICT' || (e.code === 'BAD_REQUEST' && /username/.test(e.message)))) {
            return onboardForm(ctx, e.status, { ...(await oidc.onboarding(jar[LOGIN_COOKIE])), username: username.slice(0, 255) }, e.message);
          }
          throw e;
        }
      }
      case `GET ${OIDC_PATH}/signed-in`: {
        const s = jar[SESSION_COOKIE] ? await oidc.session(jar[SESSION_COOKIE]) : null;
        if (!s || s.principal.kind !== 'user') throw new HarborError('UNAUTHORIZED', 'you are not signed in');
        return sendPage(ctx, 200, 'Signed in', `<p id="signed-in">Signed in as <b id="username">${escapeHtml(s.principal.user.username)}</b>.</p>
<p>Your CLI secret (for docker, podman and harborctl) is in your profile: <code>GET /api/v2.0/users/current</code>, or <code>harborctl user cli-secret</code>.</p>
<p><a href="${OIDC_LOGOUT_PATH}">Sign out</a></p>`);
      }
      case `GET ${SIGN_IN_PATH}`:
        return sendPage(ctx, 200, 'Sign in', `<p id="signed-out">You are not signed in.</p>
${oidc.active ? `<p><a id="sign-in" href="${OIDC_PATH}/login">Sign in with your identity provider</a></p>` : '<p>Sign in with harborctl login, docker login or podman login.</p>'}`);
      case `POST ${OIDC_PATH}/cli-token`: {
        // harborctl's exchange: answers JSON in Harbor's error envelope, never a page.
        ctx.family = 'api';
        const b = await readObject(ctx);
        const code = typeof b.code === 'string' ? b.code : '';
        const verifier = typeof b.code_verifier === 'string' ? b.code_verifier : '';
        const r = await oidc.exchangeCliCode(code, verifier);
        return sendJson(ctx, 200, r, { 'Cache-Control': 'no-store' });
      }
      default:
        ctx.route = undefined; // /metrics' operation label: a page's path, never any other
        throw new HarborError('NOT_FOUND', `no page ${ctx.method} ${ctx.path.slice(0, 200)}`);
    }
  } catch (e) {
    if (ctx.family === 'api') throw e;
    errorPage(ctx, e, log);
  }
}
