// The few server-rendered pages (OIDC sign-in: onboarding form, error page, landing page) and the
// cookies they use. Every value put into a page goes through escapeHtml; pages are not cached, are
// not framed, and send no Referer (a callback URL holds a code).
import { HarborError } from '../core/errors.js';
import type { RequestContext } from './context.js';

export function escapeHtml(v: string): string {
  return v.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** A page: `title` and `body` (already escaped HTML: build it with escapeHtml). */
export function sendPage(ctx: RequestContext, status: number, title: string, body: string, headers: Record<string, string | string[]> = {}): void {
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}.error{color:#a00}input{font-size:1rem;padding:.3rem}</style>
</head><body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`;
  const data = Buffer.from(html);
  ctx.res.writeHead(status, { ...PAGE_HEADERS, ...headers, 'Content-Length': data.length });
  ctx.res.end(ctx.method === 'HEAD' ? undefined : data);
}

export function redirect(ctx: RequestContext, location: string, headers: Record<string, string | string[]> = {}): void {
  ctx.res.writeHead(302, { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', ...headers, Location: location, 'Content-Length': 0 });
  ctx.res.end();
}

/** The request's cookies by name (a null-prototype map: a cookie named __proto__ is a plain entry). */
export function cookies(ctx: RequestContext): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const part of (ctx.req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    if (!(name in out)) out[name] = part.slice(i + 1).trim();
  }
  return out;
}

/** A Set-Cookie value: HttpOnly, SameSite=Lax (sent on the provider's top-level redirect back), Secure over TLS. */
export function cookie(ctx: RequestContext, name: string, value: string, opts: { path: string; maxAgeSec: number }): string {
  const secure = (ctx.req.socket as { encrypted?: boolean }).encrypted ? '; Secure' : '';
  return `${name}=${value}; Path=${opts.path}; Max-Age=${opts.maxAgeSec}; HttpOnly; SameSite=Lax${secure}`;
}

/** This server as the client reached it (the OIDC callback URL is built from it). */
export function origin(ctx: RequestContext): string {
  const scheme = (ctx.req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const host = ctx.req.headers.host ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/.test(host)) throw new HarborError('BAD_REQUEST', 'the Host header is not a host name');
  return `${scheme}://${host}`;
}
