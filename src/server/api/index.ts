// /api/v2.0: builds the route table (one file per Harbor tag) and dispatches a request to it with
// the caller's principal (HTTP Basic, as Harbor's API takes it).
import type { RequestContext } from '../context.js';
import { artifactRoutes } from './artifact.js';
import { withAudit } from './audit-ext.js';
import { auditLogRoutes } from './auditlog.js';
import { configureRoutes } from './configure.js';
import { gcRoutes } from './gc.js';
import { healthRoutes } from './health.js';
import { labelRoutes } from './label.js';
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
  for (const add of [pingRoutes, healthRoutes, systeminfoRoutes, userRoutes, projectRoutes, memberRoutes, projectMetadataRoutes, repositoryRoutes, artifactRoutes, quotaRoutes, robotRoutes, registryRoutes, auditLogRoutes, labelRoutes, overviewRoutes, immutableRoutes, retentionRoutes, configureRoutes, userGroupRoutes, ldapRoutes, webhookRoutes, gcRoutes, purgeRoutes,
    scannerRoutes, jobserviceRoutes, iconRoutes]) add(r);
  return r;
}

export function isApiPath(path: string): boolean {
  return path === API_PREFIX || path.startsWith(`${API_PREFIX}/`);
}

/** Dispatches a request whose raw path starts with /api/v2.0. */
export async function handleApi(ctx: RequestContext, router: ApiRouter, svc: ApiServices): Promise<void> {
  const raw = ctx.req.url ?? '';
  const rawPath = raw.split('?')[0].slice(API_PREFIX.length);
  const { handler, params, template } = router.match(ctx.method, rawPath);
  ctx.route = template;
  const principal = await svc.auth.principal(ctx.req.headers.authorization, ctx.req.socket.remoteAddress);
  await withAudit(ctx, `${ctx.method} ${template}`, params, principal, svc, () => handler({ http: ctx, principal, params, svc }));
}
