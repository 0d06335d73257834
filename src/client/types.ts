// The subset of Harbor's swagger definitions (harbor-api-v2.0-swagger.yaml) the CLI reads and sends.
// Fields we do not use are kept by the index signatures, so `-o json` prints what the server sent.

export interface Project {
  project_id: number;
  name: string;
  owner_id?: number;
  owner_name?: string;
  creation_time?: string;
  update_time?: string;
  repo_count?: number;
  /** ProjectMetadata values are strings: "true" / "false". */
  metadata?: { public?: string; [k: string]: string | undefined };
  /** Non-zero for a proxy-cache project: its upstream endpoint. */
  registry_id?: number;
  [k: string]: unknown;
}

export interface ProjectReq {
  project_name?: string;
  metadata?: { public?: string; [k: string]: string | undefined };
  /** Bytes; -1 is unlimited. */
  storage_limit?: number;
  /** The upstream registry endpoint of a proxy-cache project. */
  registry_id?: number;
}

export interface User {
  user_id: number;
  username: string;
  email?: string;
  realname?: string;
  comment?: string;
  sysadmin_flag?: boolean;
  creation_time?: string;
  update_time?: string;
  /** An OIDC user's own record (GET /users/current): its CLI secret. */
  oidc_user_meta?: { secret?: string; subiss?: string };
  [k: string]: unknown;
}

export interface UserCreationReq {
  username: string;
  password: string;
  email?: string;
  realname?: string;
  comment?: string;
}

export interface ProjectMemberEntity {
  id: number;
  project_id?: number;
  entity_name: string;
  entity_id?: number;
  entity_type?: string;
  role_id: number;
  role_name?: string;
  [k: string]: unknown;
}

export interface Repository {
  id?: number;
  project_id?: number;
  name: string;
  description?: string;
  artifact_count?: number;
  pull_count?: number;
  creation_time?: string;
  update_time?: string;
  [k: string]: unknown;
}

export interface Tag {
  id?: number;
  name: string;
  artifact_id?: number;
  repository_id?: number;
  push_time?: string;
  pull_time?: string;
  immutable?: boolean;
  [k: string]: unknown;
}

export interface Artifact {
  id?: number;
  digest: string;
  size?: number;
  media_type?: string;
  manifest_media_type?: string;
  artifact_type?: string;
  type?: string;
  push_time?: string;
  pull_time?: string;
  repository_name?: string;
  tags?: Tag[] | null;
  annotations?: Record<string, string> | null;
  references?: { child_digest: string; platform?: { os?: string; architecture?: string; variant?: string } }[] | null;
  sbom_overview?: SbomOverview | null;
  /** Harbor's ScanOverview (with_scan_overview=true): NativeReportSummary by report MIME type. */
  scan_overview?: Record<string, ScanSummary>;
  accessories?: Accessory[] | null;
  [k: string]: unknown;
}

/** Harbor's NativeReportSummary. */
export interface ScanSummary {
  report_id?: string; scan_status?: string; severity?: string; duration?: number; start_time?: string; end_time?: string;
  summary?: { total?: number; fixable?: number; summary?: Record<string, number> };
  scanner?: { name?: string; vendor?: string; version?: string };
}

/** Harbor's SBOMOverview (with_sbom_overview=true). */
export interface SbomOverview {
  start_time?: string;
  end_time?: string;
  scan_status?: string;
  sbom_digest?: string;
  report_id?: string;
  duration?: number;
  scanner?: { name?: string; vendor?: string; version?: string };
}

/** Harbor's Accessory (with_accessory=true): `sbom.harbor`, `signature.cosign`, ... */
export interface Accessory {
  id?: number;
  artifact_id?: number;
  subject_artifact_digest?: string;
  subject_artifact_repo?: string;
  size?: number;
  digest: string;
  type: string;
  creation_time?: string;
}

export interface SystemInfo {
  harbor_version?: string;
  registry_url?: string;
  external_url?: string;
  auth_mode?: string;
  /** harborctl serve's own version (a field Harbor does not have). */
  harborctl_version?: string;
  [k: string]: unknown;
}

/** swagger definitions.OverallHealthStatus. */
export interface HealthStatus {
  status: string;
  components?: Array<{ name: string; status: string; error?: string }>;
}

/** swagger definitions.Statistic (what a user may see: totals for a system admin). */
export interface Statistics {
  private_project_count?: number;
  private_repo_count?: number;
  public_project_count?: number;
  public_repo_count?: number;
  total_project_count?: number;
  total_repo_count?: number;
  total_storage_consumption?: number;
}

/** Harbor's project roles (src/common/const.go). */
export const ROLES: ReadonlyArray<{ id: number; name: string }> = [
  { id: 1, name: 'admin' },
  { id: 2, name: 'developer' },
  { id: 3, name: 'guest' },
  { id: 4, name: 'maintainer' },
  { id: 5, name: 'limited-guest' },
];
