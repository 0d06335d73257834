// Who may do what on /v2 (harbor-notes §2.3; Harbor's src/server/middleware/v2auth/auth.go): every
// request needs credentials, a Bearer token from /service/token or HTTP Basic (as Harbor's security
// middleware accepts both). A request without an Authorization header gets 401 with a Bearer
// challenge naming the token service, so anonymous clients fetch a token (public pull works that
// way); a failed check with credentials gets 401 with `Basic realm="harbor"`, as Harbor answers.
import { HarborError } from '../../core/errors.js';
import { parseRepositoryName } from '../../oci/name.js';
import type { AuthService } from '../../services/auth.js';
import { isSysadmin, principalName, type AccessControl, type Principal } from '../../services/rbac.js';
import type { RobotService } from '../../services/robots.js';
import { grantAllows, TOKEN_SERVICE, type TokenGrant, type TokenService } from '../../services/token.js';
import type { ProjectRowCache } from '../../services/project-rows.js';
import type { MetaStores, Project } from '../../storage/meta/index.js';
import type { RequestContext } from '../context.js';
import { ROUTE } from './routes.js';

export type RegistryAction = 'pull' | 'push' | 'delete';

/** What a /v2 request needs: any valid credentials (base), the catalog, or one action on one repository. */
export type RegistryNeed = { kind: 'base' } | { kind: 'catalog' } | { kind: 'repository'; name: string; action: RegistryAction };

export function registryNeed(method: string, path: string): RegistryNeed {
  if (path === '/v2/_catalog') return { kind: 'catalog' };
  const m = ROUTE.exec(path);
  if (!m) return { kind: 'base' };
  const [, name, upload, kind] = m;
  if (upload !== undefined) return { kind: 'repository', name, action: 'push' };
  if (method === 'DELETE') return { kind: 'repository', name, action: 'delete' };
  if (kind === 'manifests' && method === 'PUT') return { kind: 'repository', name, action: 'push' };
  return { kind: 'repository', name, action: 'pull' };
}

export interface RegistryAuthDeps {
  stores: Pick<MetaStores, 'projects'>; auth: AuthService; access: AccessControl; tokens: TokenService; robots: RobotService;
  /** Project rows for token pulls, at most 1 s old (services/project-rows.ts); without it every request reads the row. */
  projectRows?: ProjectRowCache;
}

function bearerChallenge(ctx: RequestContext, need: RegistryNeed, error?: string): string {
  const scheme = (ctx.req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const host = ctx.req.headers.host ?? '127.0.0.1';
  let c = `Bearer realm="${scheme}://${host}/service/token",service="${TOKEN_SERVICE}"`;
  if (need.kind === 'repository') c += `,scope="repository:${need.name}:${need.action === 'push' ? 'pull,push' : need.action}"`;
  if (need.kind === 'catalog') c += ',scope="registry:catalog:*"';
  if (error) c += `,error="${error}"`;
  return c;
}

function unauthorized(ctx: RequestContext, need: RegistryNeed, message: string): HarborError {
  const challenge = ctx.req.headers.authorization ? 'Basic realm="harbor"' : bearerChallenge(ctx, need);
  return new HarborError('UNAUTHORIZED', message, { headers: { 'WWW-Authenticate': challenge } });
}

/** Checks a /v2 request; throws 401 when it may not proceed, and sets ctx.mayPull for mounts. */
export async function authorizeRegistry(ctx: RequestContext, deps: RegistryAuthDeps): Promise<void> {
  const need = registryNeed(ctx.method, ctx.path);
  // The route needs the same project row: keep it on the request instead of reading it twice.
  const lookup = async (name: string, cached = false) => {
    const project = await projectOf(cached && deps.projectRows ? deps.projectRows : deps.stores.projects, name);
    if (project && need.kind === 'repository' && name === need.name) ctx.project = project;
    return project;
  };
  const header = ctx.req.headers.authorization;
  if (!header) throw unauthorized(ctx, need, 'authentication required');

  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) {
    let grant: TokenGrant;
    try {
      // A token sent while this process still loads its key (just started) waits for it, not a 401.
      const loading = deps.tokens.loadingKey;
      if (loading) await loading;
      grant = deps.tokens.verify(bearer[1]);
    } catch (e) {
      throw unauthorized(ctx, need, e instanceof Error ? e.message : 'invalid token');
    }
    // A robot's token dies with the robot: disabled, expired or deleted, its next request is refused.
    if (!(await deps.robots.tokenStillValid(grant))) throw unauthorized(ctx, need, 'the robot account of this token is disabled, expired or deleted');
    ctx.username = grant.subject;
    const allows = async (name: string, action: string): Promise<boolean> => {
      if (!grantAllows(grant, 'repository', name, action)) return false;
      // A token must be newer than its project: one for a deleted project does not open a new one of the same name.
      // The token grants a pull for its whole lifetime, so its project row may be a second old (project-rows.ts).
      const project = await lookup(name, action === 'pull' && need.kind === 'repository' && need.action === 'pull');
      return project === null || Math.floor(Date.parse(project.createdAt) / 1000) <= grant.issuedAt;
    };
    ctx.mayPull = (name) => allows(name, 'pull');
    ctx.mayPush = (name) => allows(name, 'push');
    if (need.kind === 'catalog' && !grantAllows(grant, 'registry', 'catalog', '*')) throw unauthorized(ctx, need, 'the catalog is for system administrators');
    if (need.kind === 'repository' && !(await allows(need.name, need.action))) {
      throw unauthorized(ctx, need, `unauthorized to ${need.action} repository ${need.name.slice(0, 300)}`);
    }
    return;
  }

  let principal: Principal;
  try {
    principal = await deps.auth.principal(header, ctx.req.socket.remoteAddress);
  } catch (e) {
    throw unauthorized(ctx, need, e instanceof Error ? e.message : 'invalid credentials');
  }
  if (principal.kind === 'anonymous') throw unauthorized(ctx, need, 'unsupported Authorization scheme');
  ctx.username = principalName(principal);
  const can = async (name: string, action: RegistryAction): Promise<boolean> => {
    if (isSysadmin(principal)) return true;
    const project = await lookup(name);
    return project !== null && deps.access.can(principal, project, 'repository', action);
  };
  ctx.mayPull = (name) => can(name, 'pull');
  ctx.mayPush = (name) => can(name, 'push');
  if (need.kind === 'catalog' && !isSysadmin(principal)) throw unauthorized(ctx, need, 'the catalog is for system administrators');
  if (need.kind === 'repository' && !(await can(need.name, need.action))) {
    throw unauthorized(ctx, need, `unauthorized to ${need.action} repository ${need.name.slice(0, 300)}`);
  }
}

async function projectOf(projects: { getProject(name: string): Promise<Project | null> }, name: string) {
  let project: string;
  try {
    project = parseRepositoryName(name).project;
  } catch {
    return null;
  }
  return projects.getProject(project);
}
