// harborctl login --oidc SERVER: the native-app sign-in of RFC 8252 through the registry. harborctl
// listens on 127.0.0.1 (a random port) and opens (or prints) the registry's /c/oidc/login with that
// loopback as cli_redirect, a random cli_state and cli_challenge = BASE64URL(SHA-256(verifier)). The
// registry runs the authorization-code flow with the provider (PKCE, state, nonce) and, once the user
// is signed in, sends the browser to the loopback with a one-time code and the state. harborctl checks
// the state, then exchanges the code together with the verifier (POST /c/oidc/cli-token) for the user
// name and CLI secret: the secret never travels in a URL or through the browser, and a code caught
// on the way is useless without the verifier that never left this process.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HarborError } from '../../../core/errors.js';
import { exchangeOidcCode } from '../../../client/oidc.js';
import { systemInfo } from '../../../client/system.js';
import type { Runtime } from '../../runtime.js';

/** How long harborctl waits for the browser to come back. */
export const OIDC_WAIT_MS = 5 * 60_000;

const page = (title: string, text: string): string => `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>`
  + `<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto"><h1>${title}</h1><p>${text}</p></body></html>`;

/** Opens the URL in the desktop's browser when there is a desktop; the URL is printed either way. */
function openBrowser(rt: Runtime, url: string): void {
  if (!rt.io.env.DISPLAY && !rt.io.env.WAYLAND_DISPLAY) return;
  try {
    const child = spawn('xdg-open', [url], { stdio: 'ignore', detached: true, env: rt.io.env });
    child.on('error', () => undefined);
    child.unref();
  } catch { /* no xdg-open: the printed URL is the way */ }
}

/** Waits for the browser's return to the loopback: the one-time code, once the state matches. */
function waitForCode(server: http.Server, state: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new HarborError('TIMEOUT', `no sign-in came back within ${OIDC_WAIT_MS / 60_000} minutes`)), OIDC_WAIT_MS);
    timer.unref();
    server.on('request', (req, res) => {
      const u = new URL(req.url ?? '/', 'http://127.0.0.1');
      const send = (status: number, title: string, text: string) => {
        res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
        res.end(page(title, text));
      };
      if (req.method !== 'GET' || u.pathname !== '/callback') return send(404, 'Not found', 'This is harborctl waiting for a sign-in.');
      // Another page (or another program) may call the loopback: only this login's state is taken.
      if (u.searchParams.get('state') !== state) return send(400, 'Not this sign-in', 'This answer does not belong to the harborctl login that is waiting.');
      const code = u.searchParams.get('code');
      if (!code) return send(400, 'Sign-in failed', 'The registry sent no code.');
      send(200, 'Signed in', 'harborctl has your sign-in. You may close this window.');
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Runs the sign-in against `server`; resolves with the user name and the CLI secret. */
export async function oidcSignIn(rt: Runtime, server: string, opts: { browser: boolean }): Promise<{ username: string; secret: string }> {
  // A server that does not sign in through OIDC would only show an error page: say so before any browser.
  const c = rt.client({ server, username: '', password: '' });
  let mode: string | undefined;
  try {
    mode = (await systemInfo(c)).auth_mode;
  } finally {
    await c.close();
  }
  if (mode !== 'oidc_auth') throw new HarborError('PRECONDITION', `${server} does not sign in through OIDC (auth_mode ${mode ?? 'unknown'}): log in with -u USER`);
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(24).toString('base64url');
  const loopback = http.createServer();
  await new Promise<void>((resolve, reject) => {
    loopback.once('error', reject);
    loopback.listen(0, '127.0.0.1', resolve);
  });
  try {
    const redirect = `http://127.0.0.1:${(loopback.address() as AddressInfo).port}/callback`;
    const url = new URL(`${server}/c/oidc/login`);
    url.searchParams.set('cli_redirect', redirect);
    url.searchParams.set('cli_state', state);
    url.searchParams.set('cli_challenge', createHash('sha256').update(verifier).digest('base64url'));
    const code = waitForCode(loopback, state);
    rt.io.stderr.write(`Sign in through your browser; if it does not open, open this URL:\n  ${url.toString()}\n`);
    if (opts.browser) openBrowser(rt, url.toString());
    const got = await code;
    const exchange = rt.client({ server, username: '', password: '' });
    try {
      return await exchangeOidcCode(exchange, got, verifier);
    } finally {
      await exchange.close();
    }
  } finally {
    loopback.closeAllConnections();
    await new Promise<void>((resolve) => loopback.close(() => resolve()));
  }
}
