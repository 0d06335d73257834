// The one place the registry-core tests get their credentials: since issue 3 every /v2 request
// needs them, and these tests are about the registry, not about auth. Requests through
// `adminDispatcher` / `adminRequest` carry HTTP Basic admin credentials (which /v2 accepts, as
// Harbor's does) unless they set an Authorization header themselves; raw-socket requests add
// ADMIN_AUTH_LINE after their Host line. The auth tests themselves use helpers/api.ts instead.
import { Agent, request as undiciRequest, type Dispatcher } from 'undici';

/** The password test/helpers/server.ts gives the first-start admin. */
export const TEST_ADMIN_PASSWORD = 'Harbor12345';
export const ADMIN_AUTHORIZATION = `Basic ${Buffer.from(`admin:${TEST_ADMIN_PASSWORD}`).toString('base64')}`;
/** For raw HTTP/1.1 text: one header line, CRLF included. */
export const ADMIN_AUTH_LINE = `Authorization: ${ADMIN_AUTHORIZATION}\r\n`;

function hasAuthorization(headers: Dispatcher.DispatchOptions['headers']): boolean {
  if (!headers) return false;
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) if (String(headers[i]).toLowerCase() === 'authorization') return true;
    return false;
  }
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [k] of headers as Iterable<[string, unknown]>) if (k.toLowerCase() === 'authorization') return true;
    return false;
  }
  return Object.keys(headers).some((k) => k.toLowerCase() === 'authorization');
}

function withAdmin(headers: Dispatcher.DispatchOptions['headers']): Dispatcher.DispatchOptions['headers'] {
  if (hasAuthorization(headers)) return headers;
  if (!headers) return { authorization: ADMIN_AUTHORIZATION };
  if (Array.isArray(headers)) return [...headers, 'authorization', ADMIN_AUTHORIZATION];
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    return { ...Object.fromEntries(headers as Iterable<[string, string]>), authorization: ADMIN_AUTHORIZATION };
  }
  return { ...(headers as Record<string, string>), authorization: ADMIN_AUTHORIZATION };
}

/** An undici interceptor adding the admin's Basic credentials to requests that carry none. */
export const addAdminAuth: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) =>
  dispatch({ ...opts, headers: withAdmin(opts.headers) }, handler);

export const adminDispatcher: Dispatcher = new Agent().compose(addAdminAuth);

/** undici's request() with admin credentials (composed onto the caller's dispatcher if it gives one). */
export function adminRequest(url: string | URL, opts: Parameters<typeof undiciRequest>[1] = {}): ReturnType<typeof undiciRequest> {
  const dispatcher = opts?.dispatcher ? opts.dispatcher.compose(addAdminAuth) : adminDispatcher;
  return undiciRequest(url, { ...opts, dispatcher });
}

/** fetch() with the admin's credentials unless the caller sets an Authorization header (interop tests). */
export function adminFetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has('authorization')) headers.set('authorization', ADMIN_AUTHORIZATION);
  return fetch(input, { ...init, headers });
}
