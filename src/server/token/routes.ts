// /service/token: Docker's token endpoint as Harbor serves it (harbor-notes §2.3 steps 3–4).
// GET with `scope=` (repeatable) and optional Basic credentials; answers {token, expires_in,
// issued_at}. Wrong credentials are a 401; no credentials and no scope is a 401 too (what
// `docker login` probes); no credentials with a scope is an anonymous token (public pulls).
import { HarborError } from '../../core/errors.js';
import type { AuthService } from '../../services/auth.js';
import type { TokenService } from '../../services/token.js';
import { sendJson, type RequestContext } from '../context.js';

export const TOKEN_PATH = '/service/token';

export async function handleToken(ctx: RequestContext, deps: { auth: AuthService; tokens: TokenService }): Promise<void> {
  if (ctx.method !== 'GET') throw new HarborError('METHOD_NOT_ALLOWED', `${ctx.method} is not supported on ${TOKEN_PATH}`);
  const scopes = ctx.query.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
  const header = ctx.req.headers.authorization;
  if (header && !/^Basic\s/i.test(header)) throw new HarborError('UNAUTHORIZED', 'the token service takes Basic credentials');
  const principal = await deps.auth.principal(header, ctx.req.socket.remoteAddress);
  if (principal.kind === 'anonymous' && scopes.length === 0) throw new HarborError('UNAUTHORIZED', 'authentication required');
  const issued = await deps.tokens.issue(principal, scopes);
  ctx.res.setHeader('Cache-Control', 'no-store');
  sendJson(ctx, 200, issued);
}
