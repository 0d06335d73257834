// /api/v2.0: builds the route table (one file per Harbor tag) and dispatches a request to it with
// the caller's principal (HTTP Basic, as Harbor's API takes it).
import { HarborError } from '../../core/errors.js';
import type { Principal } from '../../services/rbac.js';
import type { RequestContext } from '../context.js';
import { cookies } from '../html.js';
import { SESSION_COOKIE } from '../oidc.js';
import { artifactRoutes } from './artifact.js';
import { withAudit } from './audit-ext.js';
import { auditLogRoutes } from './auditlog.js';
import { configureRoutes } from './configure.js';
import { gcRoutes } from './gc.js';
import { healthRoutes } from './health.js';
import { labelRoutes } from './label.js';
import { oidcRoutes } from './oidc.js';
import { overviewRoutes } from './overview.js';
import { immutableRoutes } from './immutable.js';
import { ldapRoutes } from './ldap.js';
import { memberRoutes } from './member.js';
import { pingRoutes } from './ping.js';
import { projectMetadataRoutes } from './project-metadata.js';
import { projectRoutes } from './project.js';
import { purgeRoutes } from './purge.js';
import { quotaRoutes } from './quota.js';
import { registryRoutes } from './registry.js';
import { replicationRoutes } from './replication.js';
import { robotRoutes } from './robot.js';
import { repositoryRoutes } from './repository.js';
import { retentionRoutes } from './retention.js';
import { scannerRoutes } from './scanner.js';
import { jobserviceRoutes } from './jobservice.js';
import { iconRoutes } from './icon.js';
import { API_PREFIX, ApiRouter } from './router.js';
import type { ApiServices } from './services.js';
import { systeminfoRoutes } from './systeminfo.js';
import { userRoutes } from './user.js';
import { userGroupRoutes } from './usergroup.js';
import { webhookRoutes } from './webhook.js';

export function buildApiRouter(): ApiRouter {
  const r = new ApiRouter();
  for (const add of [pingRoutes, healthRoutes, systeminfoRoutes, userRoutes, projectRoutes, memberRoutes, projectMetadataRoutes, repositoryRoutes, artifactRoutes, quotaRoutes, robotRoutes, registryRoutes, auditLogRoutes, labelRoutes, overviewRoutes, immutableRoutes, retentionRoutes, configureRoutes, userGroupRoutes, ldapRoutes, webhookRoutes, gcRoutes, purgeRoutes, oidcRoutes, replicationRoutes,
    scannerRoutes, jobserviceRoutes, iconRoutes]) add(r);
  return r;
}

export function isApiPath(path: string): boolean {
  return path === API_PREFIX || path.startsWith(`${API_PREFIX}/`);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The user of a browser session cookie (Harbor's `sid`, made by the OIDC sign-in). As Harbor's CSRF
 * middleware: a request that a session authenticates must carry the session's token in
 * X-Harbor-CSRF-Token to change anything; every such answer carries the token in the same header.
 */
async function sessionPrincipal(ctx: RequestContext, svc: ApiServices): Promise<Principal | null> {
  const sid = cookies(ctx)[SESSION_COOKIE];
  const s = sid ? await svc.oidc.session(sid) : null;
  if (!s) return null;
  const sent = ctx.req.headers['x-harbor-csrf-token'];
  if (!SAFE_METHODS.has(ctx.method) && (typeof sent !== 'string' || sent !== s.csrf)) throw new HarborError('FORBIDDEN', 'CSRF token invalid');
  ctx.res.setHeader('X-Harbor-CSRF-Token', s.csrf);
  return s.principal;
}

/** Dispatches a request whose raw path starts with /api/v2.0. */
export async function handleApi(ctx: RequestContext, router: ApiRouter, svc: ApiServices): Promise<void> {
  const raw = ctx.req.url ?? '';
  const rawPath = raw.split('?')[0].slice(API_PREFIX.length);
  const { handler, params, template } = router.match(ctx.method, rawPath);
  ctx.route = template;
  const header = ctx.req.headers.authorization;
  let principal = await svc.auth.principal(header, ctx.req.socket.remoteAddress);
  if (!header) principal = (await sessionPrincipal(ctx, svc)) ?? principal;
  await withAudit(ctx, `${ctx.method} ${template}`, params, principal, svc, () => handler({ http: ctx, principal, params, svc }));
}
