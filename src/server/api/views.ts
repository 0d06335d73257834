// Our records in Harbor's wire shapes (swagger definitions UserResp, Project, ProjectMemberEntity,
// Repository, Artifact, Tag). Only these functions decide field names.
import type { AccessoryInfo, ArtifactView } from '../../services/artifacts.js';
import { projectMetadata } from '../../services/projects.js';
import type { ProjectQuota } from '../../services/quotas.js';
import { ROBOT_PREFIX } from '../../services/rbac.js';
import { ROLE_NAMES } from '../../services/rbac.js';
import { SECRET_MASK } from '../../services/registries.js';
import type { Project, ProjectMember, RegistryEndpoint, Robot, RepositoryInfo, RoleId, TagInfo, User } from '../../storage/meta/index.js';

export function userResp(u: User): Record<string, unknown> {
  return {
    user_id: u.id, username: u.username, email: u.email, realname: u.realname, comment: u.comment,
    sysadmin_flag: u.sysadmin, admin_role_in_auth: false, creation_time: u.createdAt, update_time: u.updatedAt,
  };
}

export function projectResp(p: Project, extra: { ownerName: string; role: RoleId | null; repoCount: number }): Record<string, unknown> {
  const r: Record<string, unknown> = {
    project_id: p.id, owner_id: p.ownerId ?? 1, owner_name: extra.ownerName, name: p.name, registry_id: p.registryId ?? 0,
    creation_time: p.createdAt, update_time: p.updatedAt, deleted: false, togglable: true,
    repo_count: extra.repoCount, metadata: projectMetadata(p),
    cve_allowlist: { id: 0, project_id: p.id, items: [], creation_time: p.createdAt, update_time: p.updatedAt },
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
    id: r.id, project_id: r.projectId, name: r.name, description: '', artifact_count: r.artifactCount, pull_count: r.pullCount,
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
    tags: a.tags.map((t) => tagResp(t, a)), labels: [], accessories: [],
  };
  if (a.artifactType) r.artifact_type = a.artifactType;
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

/** Harbor's Robot (never the secret: that is shown once, by create and refresh). */
export function robotResp(r: Robot): Record<string, unknown> {
  return {
    id: r.id, name: `${ROBOT_PREFIX}${r.name}`, description: r.description, level: r.level, duration: r.duration, editable: true,
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
