// The system-wide reads of Harbor's search, statistic and permissions APIs
// (src/server/v2.0/handler/search.go, statistic.go, permissions.go, user.go GetCurrentUserPermissions).
import { HarborError } from '../core/errors.js';
import type { MetaStores, Project, RepositoryInfo } from '../storage/meta/index.js';
import { isSysadmin, type AccessControl, type Principal, type Resource } from './rbac.js';
import { PROJECT_PERMISSIONS, SYSTEM_PERMISSIONS } from './robots.js';

export interface Permission { resource: string; action: string }

export interface Statistic {
  privateProjects: number; privateRepos: number; publicProjects: number; publicRepos: number;
  totalProjects: number; totalRepos: number; totalStorage: number;
}

const flatten = (t: Record<string, string[]>): Permission[] => Object.entries(t).flatMap(([resource, actions]) => actions.map((action) => ({ resource, action })));

export class OverviewService {
  constructor(private readonly stores: Pick<MetaStores, 'projects' | 'artifacts'>, private readonly access: AccessControl) {}

  /**
   * GET /search?q=: the projects `visible` to the caller whose name contains q (Harbor lets robots
   * search public projects only), and the repositories of every project it may see whose name
   * contains q.
   */
  async search(actor: Principal, visible: Project[], q: string): Promise<{ projects: Project[]; repositories: RepositoryInfo[] }> {
    const scope = actor.kind === 'robot' ? visible.filter((p) => p.public) : visible;
    // As Harbor: a project's name contains q as it is (strings.Contains), a repository's ignoring case
    // (the ORM's __icontains), found in the database; every match, as Harbor does not page search.
    const { items } = await this.stores.artifacts.queryRepositories({
      projectIds: isSysadmin(actor) ? null : scope.map((p) => p.id), where: [{ column: 'name', kind: 'fuzzy', value: q }], order: [],
      offset: 0, limit: Number.MAX_SAFE_INTEGER,
    });
    return { projects: scope.filter((p) => p.name.includes(q)), repositories: items };
  }

  /** GET /statistics: signed-in callers; totals and storage for a system admin, else public and own private ones. */
  async statistic(actor: Principal): Promise<Statistic> {
    if (actor.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    const all = await this.stores.projects.listProjects();
    // The projects' kept counts (no repository is read).
    const reposIn = async (ps: Project[] | null): Promise<number> =>
      (await this.stores.artifacts.queryRepositories({ projectIds: ps && ps.map((p) => p.id), where: [], order: [], offset: 0, limit: 0 })).total;
    const pub = all.filter((p) => p.public);
    const s: Statistic = { publicProjects: pub.length, publicRepos: await reposIn(pub), privateProjects: 0, privateRepos: 0, totalProjects: 0, totalRepos: 0, totalStorage: 0 };
    if (isSysadmin(actor)) {
      const total = await reposIn(null);
      return { ...s, totalProjects: all.length, privateProjects: all.length - pub.length, totalRepos: total, privateRepos: total - s.publicRepos,
        totalStorage: await this.stores.artifacts.totalStoredBytes() };
    }
    // Harbor counts a user's private memberships; a robot's are none.
    const mine: Project[] = [];
    if (actor.kind === 'user') for (const p of all) if (!p.public && (await this.access.roleOf(actor, p)) !== null) mine.push(p);
    return { ...s, privateProjects: mine.length, privateRepos: await reposIn(mine) };
  }

  /** GET /permissions: what robots may be given; system admins see both lists, project admins the project list, others 403. */
  async catalogue(actor: Principal): Promise<{ system: Permission[]; project: Permission[] }> {
    if (actor.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    if (isSysadmin(actor)) return { system: flatten(SYSTEM_PERMISSIONS), project: flatten(PROJECT_PERMISSIONS) };
    if (actor.kind === 'user') {
      for (const p of await this.stores.projects.listProjects()) {
        if ((await this.access.roleOf(actor, p)) === 1) return { system: [], project: flatten(PROJECT_PERMISSIONS) };
      }
    }
    throw new HarborError('FORBIDDEN', 'only admins(system and project) can access permissions');
  }

  /**
   * GET /users/current/permissions?scope=/project/{id}|/system[&relative=true]: what the caller may
   * do there, each resource absolute (`/project/1/repository`) or relative (`repository`).
   */
  async current(actor: Principal, scope: string, relative: boolean): Promise<Permission[]> {
    if (actor.kind === 'anonymous') throw new HarborError('UNAUTHORIZED', 'authentication required');
    const out: Permission[] = [];
    const name = (resource: string): string => (relative ? resource : `${scope}/${resource}`);
    if (scope === '/system') {
      for (const { resource, action } of flatten(SYSTEM_PERMISSIONS)) if (await this.access.canSystem(actor, resource, action)) out.push({ resource: name(resource), action });
      return out;
    }
    const m = /^\/project\/([0-9]{1,15})$/.exec(scope);
    const p = m ? await this.stores.projects.getProjectById(Number(m[1])) : null;
    if (!p) return out;
    for (const { resource, action } of flatten(PROJECT_PERMISSIONS)) {
      if (await this.access.can(actor, p, resource as Resource, action as never)) out.push({ resource: name(resource), action });
    }
    return out;
  }
}
