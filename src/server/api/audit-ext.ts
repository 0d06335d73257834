// Which /api/v2.0 calls go into the extended audit log (auditlog-exts), found the way Harbor finds
// them (src/pkg/auditext/event/*): by method and route, create for POST, update for PUT and PATCH,
// delete for DELETE, with the resource named (a user's, project's, robot's ... name, resolved from
// the id in the path before the call, or from the Location of a create after it) and the result
// from the status. One table here, so no handler has to remember to record.
import { isHarborError } from '../../core/errors.js';
import type { Project } from '../../storage/meta/index.js';
import { principalName, type Principal } from '../../services/rbac.js';
import type { RequestContext } from '../context.js';
import type { ApiServices } from './services.js';

type Params = Record<string, string>;
/** The resource's name and project; null when it cannot be told (nothing recorded then). */
type Namer = (svc: ApiServices, params: Params, id: number | undefined) => Promise<{ resource: string; projectId?: number } | null>;

const num = (s: string | undefined): number | undefined => (s !== undefined && /^[0-9]{1,15}$/.test(s) ? Number(s) : undefined);

async function projectOf(svc: ApiServices, ref: string | undefined): Promise<Project | null> {
  if (ref === undefined) return null;
  return (await svc.stores.projects.getProject(ref)) ?? (num(ref) !== undefined ? svc.stores.projects.getProjectById(num(ref)!) : null);
}

const user: Namer = async (svc, _p, id) => {
  const u = id === undefined ? null : await svc.stores.identity.getUserById(id);
  return u ? { resource: u.username } : id === undefined ? null : { resource: String(id) };
};
const project: Namer = async (svc, p, id) => {
  const pr = await projectOf(svc, p.project_name_or_id ?? (id !== undefined ? String(id) : undefined));
  return pr ? { resource: pr.name, projectId: pr.id } : null;
};
const member: Namer = async (svc, p, id) => {
  const pr = await projectOf(svc, p.project_name_or_id);
  if (!pr) return null;
  const m = (await svc.stores.projects.listMembers(pr.id)).find((x) => x.id === id);
  return { resource: `${pr.name}:${m?.entityName ?? id}`, projectId: pr.id };
};
const robot: Namer = async (svc, _p, id) => {
  const r = id === undefined ? null : await svc.stores.identity.getRobotById(id);
  return r ? { resource: r.name, projectId: r.projectId ?? undefined } : id === undefined ? null : { resource: String(id) };
};
const registry: Namer = async (svc, _p, id) => {
  const r = id === undefined ? null : await svc.stores.registries.getRegistryById(id);
  return r ? { resource: r.name } : id === undefined ? null : { resource: String(id) };
};
const webhook: Namer = async (svc, p, id) => {
  const pr = await projectOf(svc, p.project_name_or_id);
  const w = id === undefined ? null : await svc.stores.webhooks.getPolicy(id);
  return pr ? { resource: w?.name ?? String(id), projectId: pr.id } : null;
};
const replicationPolicy: Namer = async (svc, _p, id) => {
  const r = id === undefined ? null : await svc.stores.replication.getPolicy(id);
  return r ? { resource: r.name } : id === undefined ? null : { resource: String(id) };
};
const configuration: Namer = async () => ({ resource: 'configuration' });
/** A policy with no name of its own (retention, immutable rule): its id, in its project. */
const retention: Namer = async (svc, _p, id) => {
  const r = id === undefined ? null : await svc.stores.retention.getRetentionPolicy(id);
  return r ? { resource: String(r.id), projectId: r.projectId } : null;
};
const immutableRule: Namer = async (svc, p, id) => {
  const pr = await projectOf(svc, p.project_name_or_id);
  return pr && id !== undefined ? { resource: `${pr.name}:${id}`, projectId: pr.id } : null;
};
const schedule = (name: string): Namer => async () => ({ resource: name });
const quota: Namer = async (svc, _p, id) => {
  const pr = id === undefined ? null : await svc.stores.projects.getProjectById(id);
  return pr ? { resource: pr.name, projectId: pr.id } : null;
};

/** `METHOD template` → resource type, its namer, and the path parameter holding its id ('' for one with no id; none: the Location's, for creates). */
const AUDITED: Record<string, { type: string; name: Namer; idParam?: string }> = {
  'POST /users': { type: 'user', name: user },
  'PUT /users/{user_id}': { type: 'user', name: user, idParam: 'user_id' },
  'PUT /users/{user_id}/password': { type: 'user', name: user, idParam: 'user_id' },
  'PUT /users/{user_id}/sysadmin': { type: 'user', name: user, idParam: 'user_id' },
  'DELETE /users/{user_id}': { type: 'user', name: user, idParam: 'user_id' },
  'POST /projects': { type: 'project', name: project },
  'PUT /projects/{project_name_or_id}': { type: 'project', name: project },
  'DELETE /projects/{project_name_or_id}': { type: 'project', name: project },
  'POST /projects/{project_name_or_id}/metadatas': { type: 'project', name: project },
  'PUT /projects/{project_name_or_id}/metadatas/{meta_name}': { type: 'project', name: project },
  'DELETE /projects/{project_name_or_id}/metadatas/{meta_name}': { type: 'project', name: project },
  'POST /projects/{project_name_or_id}/members': { type: 'project_member', name: member },
  'PUT /projects/{project_name_or_id}/members/{mid}': { type: 'project_member', name: member, idParam: 'mid' },
  'DELETE /projects/{project_name_or_id}/members/{mid}': { type: 'project_member', name: member, idParam: 'mid' },
  'POST /robots': { type: 'robot', name: robot },
  'PUT /robots/{robot_id}': { type: 'robot', name: robot, idParam: 'robot_id' },
  'PATCH /robots/{robot_id}': { type: 'robot', name: robot, idParam: 'robot_id' },
  'DELETE /robots/{robot_id}': { type: 'robot', name: robot, idParam: 'robot_id' },
  'POST /registries': { type: 'registry', name: registry },
  'PUT /registries/{id}': { type: 'registry', name: registry, idParam: 'id' },
  'DELETE /registries/{id}': { type: 'registry', name: registry, idParam: 'id' },
  'POST /projects/{project_name_or_id}/webhook/policies': { type: 'webhook_policy', name: webhook },
  'PUT /projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}': { type: 'webhook_policy', name: webhook, idParam: 'webhook_policy_id' },
  'DELETE /projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}': { type: 'webhook_policy', name: webhook, idParam: 'webhook_policy_id' },
  'POST /replication/policies': { type: 'replication_policy', name: replicationPolicy },
  'PUT /replication/policies/{id}': { type: 'replication_policy', name: replicationPolicy, idParam: 'id' },
  'DELETE /replication/policies/{id}': { type: 'replication_policy', name: replicationPolicy, idParam: 'id' },
  'PUT /quotas/{id}': { type: 'quota', name: quota, idParam: 'id' },
  'POST /retentions': { type: 'retention_policy', name: retention },
  'PUT /retentions/{id}': { type: 'retention_policy', name: retention, idParam: 'id' },
  'DELETE /retentions/{id}': { type: 'retention_policy', name: retention, idParam: 'id' },
  'POST /projects/{project_name_or_id}/immutabletagrules': { type: 'immutable_rule', name: immutableRule },
  'PUT /projects/{project_name_or_id}/immutabletagrules/{immutable_rule_id}': { type: 'immutable_rule', name: immutableRule, idParam: 'immutable_rule_id' },
  'DELETE /projects/{project_name_or_id}/immutabletagrules/{immutable_rule_id}': { type: 'immutable_rule', name: immutableRule, idParam: 'immutable_rule_id' },
  // The GC and audit-log purge schedules are one resource each, like the configuration.
  'POST /system/gc/schedule': { type: 'gc_schedule', name: schedule('gc'), idParam: '' },
  'PUT /system/gc/schedule': { type: 'gc_schedule', name: schedule('gc'), idParam: '' },
  'POST /system/purgeaudit/schedule': { type: 'purge_audit_schedule', name: schedule('purgeaudit'), idParam: '' },
  'PUT /system/purgeaudit/schedule': { type: 'purge_audit_schedule', name: schedule('purgeaudit'), idParam: '' },
  // The system configuration is one resource (Harbor's update_configuration); no id to name it by.
  'PUT /configurations': { type: 'configuration', name: configuration, idParam: '' },
};

const OPERATION: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'update', DELETE: 'delete' };

/**
 * Runs an API handler and records it when it is an audited write. The name is taken before the call
 * for updates and deletes (a deleted resource has none after), after it for creates (from Location).
 * A call refused before it reached the resource (401, 403, 404) is not recorded; an update or delete
 * that failed on it (400, 409 ...) is, as unsuccessful (Harbor records a non-success status); a
 * failed create has no resource to name and is not.
 */
export async function withAudit(ctx: RequestContext, key: string, params: Params, principal: Principal, svc: ApiServices, run: () => Promise<void>): Promise<void> {
  const a = AUDITED[key];
  if (!a) return run();
  const operation = OPERATION[ctx.method];
  const before = a.idParam !== undefined ? await a.name(svc, params, num(params[a.idParam])).catch(() => null) : null;
  let status = 500;
  try {
    await run();
    status = ctx.res.statusCode;
  } catch (e) {
    if (isHarborError(e)) status = e.status;
    throw e;
  } finally {
    // Refused before reaching the resource: not an operation on it.
    if (status !== 401 && status !== 403 && status !== 404) {
      const location = String(ctx.res.getHeader('location') ?? '');
      void (async () => {
        const target = before ?? (status < 400 ? await a.name(svc, params, num(location.split('/').pop())) : null);
        if (target) {
          svc.auditExt.event({
            operation, resourceType: a.type, resource: target.resource, projectId: target.projectId, username: principalName(principal), success: status < 400,
          });
        }
      })().catch(() => undefined);
    }
  }
}
