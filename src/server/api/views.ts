// Our records in Harbor's wire shapes (swagger definitions UserResp, Project, ProjectMemberEntity,
// Repository, Artifact, Tag). Only these functions decide field names.
import { ICONS, type AccessoryInfo, type ArtifactView } from '../../services/artifacts.js';
import { isIndexMediaType } from '../../oci/mediatypes.js';
import { projectMetadata } from '../../services/projects.js';
import type { ProjectQuota } from '../../services/quotas.js';
import { ROLE_NAMES } from '../../services/rbac.js';
import { SECRET_MASK } from '../../services/registries.js';
import type { CveAllowlist, Label, Project, ProjectMember, RegistryEndpoint, Robot, RepositoryInfo, RoleId, TagInfo, User } from '../../storage/meta/index.js';

/** `adminRoleInAuth`: the caller's own record, made an admin by its sign-in (oidc_admin_group, ldap_group_admin_dn), as Harbor's UserResp. */
export function userResp(u: User, adminRoleInAuth = false): Record<string, unknown> {
  return {
    user_id: u.id, username: u.username, email: u.email, realname: u.realname, comment: u.comment,
    sysadmin_flag: u.sysadmin, admin_role_in_auth: adminRoleInAuth, creation_time: u.createdAt, update_time: u.updatedAt,
  };
}

/** Harbor's CVEAllowlist; an empty one (id 0, zero times) for a project that never set one. */
export function cveAllowlistResp(l: CveAllowlist | null, projectId: number): Record<string, unknown> {
  if (!l) return { id: 0, project_id: projectId, items: [], creation_time: NEVER, update_time: NEVER };
  const r: Record<string, unknown> = { id: l.id, project_id: l.projectId, items: l.items.map((cve_id) => ({ cve_id })), creation_time: l.createdAt, update_time: l.updatedAt };
  if (l.expiresAt !== null) r.expires_at = l.expiresAt;
  return r;
}

export function projectResp(p: Project, extra: { ownerName: string; role: RoleId | null; repoCount: number; cveAllowlist: CveAllowlist | null }): Record<string, unknown> {
  const r: Record<string, unknown> = {
    project_id: p.id, owner_id: p.ownerId ?? 1, owner_name: extra.ownerName, name: p.name, registry_id: p.registryId ?? 0,
    creation_time: p.createdAt, update_time: p.updatedAt, deleted: false, togglable: true,
    repo_count: extra.repoCount, metadata: projectMetadata(p),
    cve_allowlist: cveAllowlistResp(extra.cveAllowlist, p.id),
  };
  if (extra.role !== null) {
    r.current_user_role_id = extra.role;
    r.current_user_role_ids = [extra.role];
  }
  return r;
}

export function memberResp(m: ProjectMember): Record<string, unknown> {
  return {
    id: m.id, project_id: m.projectId, entity_name: m.entityName, role_name: ROLE_NAMES[m.roleId], role_id: m.roleId,
    entity_id: m.entityId, entity_type: m.entityType,
  };
}

export function repositoryResp(r: RepositoryInfo): Record<string, unknown> {
  return {
    id: r.id, project_id: r.projectId, name: r.name, description: r.description, artifact_count: r.artifactCount, pull_count: r.pullCount,
    creation_time: r.createdAt, update_time: r.updatedAt,
  };
}

/** Harbor's zero time: what pull_time says for never. */
export const NEVER = '0001-01-01T00:00:00.000Z';

export function tagResp(t: TagInfo, a: { id: number; repositoryId: number }): Record<string, unknown> {
  return { id: t.id, repository_id: a.repositoryId, artifact_id: a.id, name: t.name, push_time: t.pushedAt, pull_time: t.pulledAt ?? NEVER, immutable: false };
}

export function artifactResp(a: ArtifactView, p: Project, repositoryName: string): Record<string, unknown> {
  const r: Record<string, unknown> = {
    id: a.id, type: a.type, media_type: a.configMediaType, manifest_media_type: a.mediaType, project_id: p.id,
    repository_id: a.repositoryId, repository_name: repositoryName, digest: a.digest, size: a.size,
    push_time: a.pushedAt, pull_time: a.pulledAt ?? NEVER, extra_attrs: a.extraAttrs, annotations: a.annotations ?? {},
    references: a.references.map((ref) => ({
      parent_id: a.id, child_digest: ref.digest, ...(ref.platform ? { platform: ref.platform } : {}),
    })),
    tags: a.tags.map((t) => tagResp(t, a)), labels: [], accessories: [], icon: ICONS[a.type] ?? ICONS.UNKNOWN,
  };
  if (a.artifactType) r.artifact_type = a.artifactType;
  // An image manifest has its build history; every image may have vulnerabilities (Harbor adds the
  // link for what its scanner could scan).
  if (a.type === 'IMAGE') r.addition_links = additionLinks(a.digest, repositoryName, isIndexMediaType(a.mediaType) ? ['vulnerabilities'] : ['build_history', 'vulnerabilities']);
  if (a.type === 'CNAI') r.addition_links = additionLinks(a.digest, repositoryName, ['readme.md', 'license', 'files']);
  if (a.type === 'SBOM') r.addition_links = additionLinks(a.digest, repositoryName, ['sbom']);
  return r;
}

/** Harbor's Accessory. */
export function accessoryResp(a: AccessoryInfo): Record<string, unknown> {
  return {
    id: a.id, artifact_id: a.artifactId, subject_artifact_id: a.subjectArtifactId, subject_artifact_digest: a.subjectArtifactDigest,
    subject_artifact_repo: a.subjectArtifactRepo, size: a.size, digest: a.digest, type: a.type, icon: '', creation_time: a.creationTime,
  };
}

/** Harbor's addition_links: relative hrefs, the repository part encoded twice as the API expects. */
function additionLinks(digest: string, repositoryName: string, additions: string[]): Record<string, { href: string; absolute: boolean }> {
  const slash = repositoryName.indexOf('/');
  const project = repositoryName.slice(0, slash);
  const repo = encodeURIComponent(encodeURIComponent(repositoryName.slice(slash + 1)));
  return Object.fromEntries(additions.map((x) => [x, {
    href: `/api/v2.0/projects/${project}/repositories/${repo}/artifacts/${digest}/additions/${x}`, absolute: false,
  }]));
}

/** Harbor's Quota: `ref` is the project (QuotaRefObject as Harbor fills it: id, name, owner_name). */
export function quotaResp(q: ProjectQuota, ownerName: string): Record<string, unknown> {
  return {
    id: q.id, ref: { id: q.project.id, name: q.project.name, owner_name: ownerName },
    hard: { storage: q.hard }, used: { storage: q.used }, creation_time: q.project.createdAt, update_time: q.project.updatedAt,
  };
}

/** Harbor's Robot (never the secret: that is shown once, by create and refresh); `name` its login name. */
export function robotResp(r: Robot, name: string): Record<string, unknown> {
  return {
    id: r.id, name, description: r.description, level: r.level, duration: r.duration, editable: true,
    disable: r.disabled, expires_at: r.expiresAt, permissions: r.permissions, creator_type: r.creatorType, creator_ref: r.creatorRef,
    creation_time: r.createdAt, update_time: r.updatedAt,
  };
}

/** Harbor's Registry: the access key is shown, the secret only as a mask (never the stored value). */
export function registryResp(r: RegistryEndpoint): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: r.id, name: r.name, type: r.type, url: r.url, description: r.description, insecure: r.insecure, status: r.status,
    creation_time: r.createdAt, update_time: r.updatedAt,
  };
  out.credential = r.accessKey
    ? { type: r.credentialType ?? 'basic', access_key: r.accessKey, access_secret: r.accessSecretEnc ? SECRET_MASK : '' }
    : { type: '', access_key: '', access_secret: '' };
  if (r.caCertificate) out.ca_certificate = r.caCertificate;
  return out;
}

/** Harbor's Label (project_id 0 for a global one). */
export function labelResp(l: Label): Record<string, unknown> {
  return {
    id: l.id, name: l.name, description: l.description, color: l.color, scope: l.scope, project_id: l.projectId,
    creation_time: l.createdAt, update_time: l.updatedAt,
  };
}
