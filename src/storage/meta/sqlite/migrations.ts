// Versioned schema: migration N brings the database from user_version N-1 to N. Append only.
export const MIGRATIONS: string[] = [
  /* 1: registry core */ `
  CREATE TABLE projects (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    public INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE repositories (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX repositories_project ON repositories(project_id);
  CREATE TABLE blobs (
    digest TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    media_type TEXT,
    created_at TEXT NOT NULL
  ) WITHOUT ROWID;
  -- A repository has a blob only through a link: the access check, and what makes a mount an insert.
  CREATE TABLE repository_blobs (
    repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    digest TEXT NOT NULL REFERENCES blobs(digest),
    created_at TEXT NOT NULL,
    PRIMARY KEY (repository_id, digest)
  ) WITHOUT ROWID;
  CREATE INDEX repository_blobs_digest ON repository_blobs(digest);
  CREATE TABLE manifests (
    id INTEGER PRIMARY KEY,
    repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    digest TEXT NOT NULL,
    media_type TEXT NOT NULL,
    artifact_type TEXT,
    size INTEGER NOT NULL,
    content BLOB NOT NULL,
    subject TEXT,
    annotations TEXT,
    pushed_at TEXT NOT NULL,
    UNIQUE (repository_id, digest)
  );
  CREATE INDEX manifests_subject ON manifests(repository_id, subject) WHERE subject IS NOT NULL;
  CREATE TABLE manifest_refs (
    manifest_id INTEGER NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
    digest TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('blob', 'manifest')),
    PRIMARY KEY (manifest_id, kind, digest)
  ) WITHOUT ROWID;
  CREATE INDEX manifest_refs_digest ON manifest_refs(digest);
  CREATE TABLE tags (
    repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    manifest_id INTEGER NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
    pushed_at TEXT NOT NULL,
    PRIMARY KEY (repository_id, name)
  ) WITHOUT ROWID;
  CREATE INDEX tags_manifest ON tags(manifest_id);
  CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    repository TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX uploads_updated ON uploads(updated_at);
  `,
  /* 2: identity and access (issue 3) */ `
  CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL DEFAULT '',
    realname TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    sysadmin INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  -- Harbor keeps the creator as the owner; NULL for projects made before users existed (library).
  ALTER TABLE projects ADD COLUMN owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL;
  -- Bytes; -1 is Harbor's "no limit". Accepted now, enforced by the quota issue.
  ALTER TABLE projects ADD COLUMN storage_limit INTEGER NOT NULL DEFAULT -1;
  -- Harbor's project metadata other than 'public' (auto_scan, severity, ...), as strings. 'public'
  -- lives only in projects.public, which the registry reads on every pull.
  CREATE TABLE project_metadata (
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (project_id, name)
  ) WITHOUT ROWID;
  -- Role ids are Harbor's: 1 projectAdmin, 2 developer, 3 guest, 4 maintainer, 5 limitedGuest.
  CREATE TABLE project_members (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id INTEGER NOT NULL CHECK (role_id BETWEEN 1 AND 5),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (project_id, user_id)
  );
  CREATE INDEX project_members_user ON project_members(user_id);
  -- Harbor's Tag has an integer id, so tags move to a table with one (same columns and constraints
  -- otherwise). A new name rather than a rename: ALTER TABLE RENAME leaves SQLite's schema locked
  -- for a following wal_checkpoint in the same connection.
  CREATE TABLE repository_tags (
    id INTEGER PRIMARY KEY,
    repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    manifest_id INTEGER NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
    pushed_at TEXT NOT NULL,
    UNIQUE (repository_id, name)
  );
  INSERT INTO repository_tags (repository_id, name, manifest_id, pushed_at)
    SELECT repository_id, name, manifest_id, pushed_at FROM tags ORDER BY pushed_at;
  DROP TABLE tags;
  CREATE INDEX repository_tags_manifest ON repository_tags(manifest_id);
  `,
  /* 3: storage quotas (issue 4) */ `
  -- A link whose last referencing manifest was deleted is released: the repository may still use it
  -- (the same manifest can be pushed again, as from Harbor's distribution), but it no longer counts.
  ALTER TABLE repository_blobs ADD COLUMN released INTEGER NOT NULL DEFAULT 0;
  -- Bytes the project uses: every distinct digest of an unreleased blob link (uploads and mounts
  -- create them) or a manifest in one of its repositories, counted once per project. Kept by the
  -- transaction that links or stores, recomputed from scratch by the one that removes or releases;
  -- ProjectStore.recountUsage is the check.
  ALTER TABLE projects ADD COLUMN storage_used INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX manifests_digest ON manifests(digest);
  UPDATE projects SET storage_used = (SELECT coalesce(sum(size), 0) FROM (
    SELECT l.digest, b.size FROM repository_blobs l JOIN repositories r ON r.id = l.repository_id
      JOIN blobs b ON b.digest = l.digest WHERE r.project_id = projects.id AND l.released = 0
    UNION
    SELECT m.digest, m.size FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE r.project_id = projects.id));
  `,
  /* 4: robot accounts (issue 4) */ `
  -- name is the stored name: 'ci' for a system robot, '<project>+ci' for a project robot; the login
  -- name adds the 'robot$' prefix. The secret is kept only as a salted hash (services/robots.ts).
  -- expires_at is unix seconds, -1 for never. A project's robots go with the project (as in Harbor).
  CREATE TABLE robots (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    level TEXT NOT NULL CHECK (level IN ('system', 'project')),
    project_id INTEGER REFERENCES projects(id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    duration INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    permissions TEXT NOT NULL,
    creator_type TEXT NOT NULL,
    creator_ref INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX robots_project ON robots(project_id);
  `,
  /* 5: registry endpoints (issue 5) */ `
  -- Upstreams for proxy-cache projects (Harbor's /registries). The credential's secret is kept only
  -- as AES-256-GCM ciphertext (services/registries.ts, key in the data dir); the access key is not
  -- secret (Harbor shows it). status is the last ping's verdict: healthy, unhealthy or unknown.
  CREATE TABLE registries (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    insecure INTEGER NOT NULL DEFAULT 0,
    ca_certificate TEXT,
    credential_type TEXT,
    access_key TEXT,
    access_secret_enc TEXT,
    status TEXT NOT NULL DEFAULT 'unknown',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  `,
  /* 6: proxy-cache projects (issue 5) */ `
  -- A project with a registry_id is a proxy cache of that upstream (Harbor's project.registry_id).
  ALTER TABLE projects ADD COLUMN registry_id INTEGER REFERENCES registries(id);
  -- When a proxy project's tag was last confirmed against the upstream (one HEAD per interval).
  ALTER TABLE repository_tags ADD COLUMN revalidated_at TEXT;
  `,
  /* 7: sbom generation status (issue 7) */ `
  -- One row per manifest that had an SBOM asked for (Harbor's sbom report summary); it goes with
  -- the manifest. The documents themselves are ordinary manifests (accessories) in the repository.
  CREATE TABLE sbom_status (
    manifest_id INTEGER PRIMARY KEY REFERENCES manifests(id) ON DELETE CASCADE,
    report_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('Pending', 'Running', 'Success', 'Error')),
    start_time TEXT,
    end_time TEXT,
    sbom_digest TEXT,
    cyclonedx_digest TEXT,
    error TEXT
  );
  CREATE INDEX sbom_status_unfinished ON sbom_status(status) WHERE status IN ('Pending', 'Running');
  `,
  /* 8: audit logs */ `
  -- Harbor's legacy audit log (AuditLog: pull, create and delete of artifacts). project_id has no
  -- foreign key on purpose: the record of what happened outlives the project, as in Harbor.
  CREATE TABLE audit_logs (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL,
    username TEXT NOT NULL,
    resource TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    operation TEXT NOT NULL,
    op_time TEXT NOT NULL
  );
  -- One index only: every index is paid on each pull. Newest first is id order (ids grow with
  -- time); an op_time range is a scan, as rare as it is cheap next to a pull's cost.
  CREATE INDEX audit_logs_project ON audit_logs(project_id);
  `,
  /* 9: pull counts and pull times */ `
  -- Harbor's repository.pull_count and artifact/tag pull_time, written in batches off the request
  -- path (services/audit.ts, with the audit log's pull entries); NULL pull_time is never pulled.
  ALTER TABLE repositories ADD COLUMN pull_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE manifests ADD COLUMN pull_time TEXT;
  ALTER TABLE repository_tags ADD COLUMN pull_time TEXT;
  `,
  /* 10: library's admin member */ `
  -- Harbor seeds admin as the project admin of library. Databases made before harborctl did so get
  -- the member once, here; a fresh database has neither yet (createApp adds it with the project),
  -- and a member removed later on purpose stays removed.
  INSERT INTO project_members (project_id, user_id, role_id, created_at, updated_at)
    SELECT p.id, u.id, 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    FROM projects p, users u WHERE p.name = 'library' AND u.username = 'admin'
    ON CONFLICT (project_id, user_id) DO NOTHING;
  `,
  /* 11: immutable tag rules (issue 15 §5) */ `
  -- Harbor's immutable_tag_rule: the rule's JSON is unique per project, as Harbor's tag_filter is.
  CREATE TABLE immutable_tag_rules (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    disabled INTEGER NOT NULL DEFAULT 0,
    rule TEXT NOT NULL,
    UNIQUE (project_id, rule)
  );
  `,
  /* 12: tag retention (issue 15 §4) */ `
  -- One policy per project (the project's retention_id metadata names it), its executions and their
  -- per-repository tasks with the task's log.
  CREATE TABLE retention_policies (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL UNIQUE REFERENCES projects(id) ON DELETE CASCADE,
    policy TEXT NOT NULL
  );
  CREATE TABLE retention_executions (
    id INTEGER PRIMARY KEY,
    policy_id INTEGER NOT NULL REFERENCES retention_policies(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    trigger TEXT NOT NULL,
    dry_run INTEGER NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT
  );
  CREATE INDEX retention_executions_policy ON retention_executions(policy_id);
  CREATE TABLE retention_tasks (
    id INTEGER PRIMARY KEY,
    execution_id INTEGER NOT NULL REFERENCES retention_executions(id) ON DELETE CASCADE,
    repository TEXT NOT NULL,
    status TEXT NOT NULL,
    status_code INTEGER NOT NULL DEFAULT 0,
    start_time TEXT NOT NULL,
    end_time TEXT,
    total INTEGER NOT NULL DEFAULT 0,
    retained INTEGER NOT NULL DEFAULT 0,
    log TEXT NOT NULL DEFAULT ''
  );
  CREATE INDEX retention_tasks_execution ON retention_tasks(execution_id);
  `,
  /* 13: system configuration */ `
  -- Harbor's configuration items set through PUT /configurations (services/config.ts): the value is
  -- JSON text; a secret is sealed before it gets here. An item never set keeps its default.
  CREATE TABLE configurations (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  `,
  /* 14: user groups and group members of projects */ `
  -- Harbor's user groups (1 LDAP, 2 HTTP, 3 OIDC), unique by type and name, and the groups each
  -- user was in at the last sign-in.
  CREATE TABLE user_groups (
    id INTEGER PRIMARY KEY,
    group_name TEXT NOT NULL,
    group_type INTEGER NOT NULL CHECK (group_type IN (1, 2, 3)),
    ldap_group_dn TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (group_type, group_name)
  );
  CREATE TABLE user_group_members (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)
  );
  CREATE INDEX user_group_members_group ON user_group_members(group_id);
  -- A project member is a user or a group (Harbor's entity_type u/g); one id sequence for both, as
  -- /members/{mid} names either. A new table rather than a rebuilt one under the old name (see 2).
  CREATE TABLE project_memberships (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    group_id INTEGER REFERENCES user_groups(id) ON DELETE CASCADE,
    role_id INTEGER NOT NULL CHECK (role_id BETWEEN 1 AND 5),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((user_id IS NULL) <> (group_id IS NULL)),
    UNIQUE (project_id, user_id),
    UNIQUE (project_id, group_id)
  );
  CREATE INDEX project_memberships_user ON project_memberships(user_id);
  CREATE INDEX project_memberships_group ON project_memberships(group_id);
  INSERT INTO project_memberships (id, project_id, user_id, role_id, created_at, updated_at)
    SELECT id, project_id, user_id, role_id, created_at, updated_at FROM project_members;
  DROP TABLE project_members;
  `,
  /* 15: webhooks (issue 19) */ `
  -- A project's webhook policies (Harbor's notification_policy); event types and targets as JSON.
  -- IF NOT EXISTS: a test replays the migrations from an earlier one (api-conventions.test.ts).
  CREATE TABLE IF NOT EXISTS webhook_policies (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    enabled INTEGER NOT NULL,
    event_types TEXT NOT NULL,
    targets TEXT NOT NULL,
    creator TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (project_id, name)
  );
  -- The durable delivery queue: one row per event, policy and target (Harbor's execution and its
  -- task). address repeats the target's, for the per-target bound of claims.
  CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id INTEGER PRIMARY KEY,
    policy_id INTEGER NOT NULL REFERENCES webhook_policies(id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    event TEXT NOT NULL,
    target TEXT NOT NULL,
    address TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('Pending', 'Running', 'Success', 'Error')),
    attempts INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    lease_until TEXT,
    log TEXT NOT NULL,
    status_message TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    start_time TEXT,
    end_time TEXT
  );
  CREATE INDEX IF NOT EXISTS webhook_deliveries_policy ON webhook_deliveries(policy_id);
  CREATE INDEX IF NOT EXISTS webhook_deliveries_open ON webhook_deliveries(status, next_attempt_at) WHERE status IN ('Pending', 'Running');
  `,
  /* 16: extended audit log (issue 19) */ `
  -- Harbor 2.13's audit_log_ext: management operations and logins. project_id 0: no project (users,
  -- registries, logins). No foreign key, as audit_logs: the record outlives what it is about.
  CREATE TABLE IF NOT EXISTS audit_log_exts (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL,
    username TEXT NOT NULL,
    resource TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    operation TEXT NOT NULL,
    operation_description TEXT NOT NULL,
    operation_result INTEGER NOT NULL,
    op_time TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS audit_log_exts_project ON audit_log_exts(project_id);
  `,
  /* 17: schedules and executions (issue 15) */ `
  -- IF NOT EXISTS: harmless to run again (a test re-runs the migrations after an older one).
  -- One schedule per job kind (GARBAGE_COLLECTION, PURGE_AUDIT_LOG, ...): Harbor's ScheduleObj type and
  -- 6-field cron, and the job's parameters (JSON).
  CREATE TABLE IF NOT EXISTS schedules (
    kind TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    cron TEXT NOT NULL,
    parameters TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  -- One row per run of a job (Harbor's execution): its status, trigger, parameters, log and outcome.
  CREATE TABLE IF NOT EXISTS executions (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    trigger TEXT NOT NULL,
    parameters TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS executions_kind ON executions(kind, id);
  -- An execution's log, appended in chunks (a GC may log hundreds of thousands of lines: appending
  -- to one growing text value would copy it each time).
  CREATE TABLE IF NOT EXISTS execution_logs (
    id INTEGER PRIMARY KEY,
    execution_id INTEGER NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
    text TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS execution_logs_execution ON execution_logs(execution_id, id);
  `,
  /* 18: repository descriptions (issue 14) */ `
  -- Harbor's repository.description, set by PUT /projects/{p}/repositories/{r} (HTML-escaped there).
  ALTER TABLE repositories ADD COLUMN description TEXT NOT NULL DEFAULT '';
  `,
  /* 19: labels (issue 14) */ `
  -- Harbor's harbor_label and label_reference. A global label (scope g) has no project; names are
  -- unique within a scope's project (or among global labels).
  CREATE TABLE labels (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    color TEXT NOT NULL DEFAULT '',
    scope TEXT NOT NULL CHECK (scope IN ('g', 'p')),
    project_id INTEGER REFERENCES projects(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE UNIQUE INDEX labels_name ON labels(scope, coalesce(project_id, 0), name);
  CREATE TABLE label_references (
    label_id INTEGER NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    manifest_id INTEGER NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (label_id, manifest_id)
  );
  CREATE INDEX label_references_manifest ON label_references(manifest_id);
  `,
  /* 20: CVE allowlists (issue 14) */ `
  -- Harbor's cve_allowlist: project_id 0 is the system's; a project's goes with it (deleteProject).
  -- items is the JSON array of CVE ids; expires_at Unix seconds, NULL for never.
  CREATE TABLE cve_allowlists (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL UNIQUE,
    expires_at INTEGER,
    items TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  `,
  /* 21: OIDC identities and web sessions (issue 17) */ `
  -- Harbor's oidc_user: the provider's subject+issuer of a local user, its CLI secret and token set
  -- (both sealed by the service). Goes with the user.
  CREATE TABLE oidc_users (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    subiss TEXT NOT NULL UNIQUE,
    secret TEXT NOT NULL,
    token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  -- Short-lived server-side state of browser sign-ins: id is a hash of the cookie or code the client
  -- holds, data sealed JSON, expires_at Unix milliseconds.
  CREATE TABLE web_sessions (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX web_sessions_expiry ON web_sessions(expires_at);
  `,
  /* 22: scale-out (issue 16): leased named locks and shared secrets */ `
  -- locks: one row per held lock; lease_until Unix ms, after which anyone may take it.
  CREATE TABLE locks (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    lease_until BIGINT NOT NULL
  );
  -- secrets: the token signing key and the credential key, shared by every replica.
  CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  `,
  /* 23: replication (issue 18) */ `
  -- Harbor's replication_policy, and its execution/task rows of vendor REPLICATION. A NULL registry
  -- is this registry. Filters and trigger are JSON, read and written whole with the policy.
  CREATE TABLE replication_policies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    src_registry_id INTEGER REFERENCES registries(id),
    dest_registry_id INTEGER REFERENCES registries(id),
    dest_namespace TEXT NOT NULL DEFAULT '',
    dest_namespace_replace_count INTEGER NOT NULL DEFAULT -1,
    trigger_json TEXT NOT NULL,
    filters TEXT NOT NULL,
    replicate_deletion INTEGER NOT NULL DEFAULT 0,
    override INTEGER NOT NULL DEFAULT 0,
    enabled INTEGER NOT NULL DEFAULT 1,
    speed INTEGER NOT NULL DEFAULT 0,
    copy_by_chunk INTEGER NOT NULL DEFAULT 0,
    single_active INTEGER NOT NULL DEFAULT 0,
    creator TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE replication_executions (
    id INTEGER PRIMARY KEY,
    policy_id INTEGER NOT NULL REFERENCES replication_policies(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    status_text TEXT NOT NULL DEFAULT '',
    trigger_type TEXT NOT NULL,
    planned INTEGER NOT NULL DEFAULT 0,
    event TEXT,
    start_time TEXT NOT NULL,
    end_time TEXT
  );
  CREATE INDEX replication_executions_policy ON replication_executions(policy_id, id);
  CREATE TABLE replication_tasks (
    id INTEGER PRIMARY KEY,
    execution_id INTEGER NOT NULL REFERENCES replication_executions(id) ON DELETE CASCADE,
    operation TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    src_resource TEXT NOT NULL,
    dst_resource TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    status_message TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_until TEXT,
    bytes INTEGER NOT NULL DEFAULT 0,
    total_bytes INTEGER NOT NULL DEFAULT 0,
    log TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    start_time TEXT,
    end_time TEXT
  );
  CREATE INDEX replication_tasks_execution ON replication_tasks(execution_id, id);
  CREATE INDEX replication_tasks_due ON replication_tasks(status, next_attempt_at);
  `,
  /* 24: scanners, scan reports and paused job queues (issue 14) */ `
  -- Harbor's scanner_registration: name and url unique; at most one is_default (kept by the store).
  CREATE TABLE scanner_registrations (
    uuid TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL UNIQUE,
    auth TEXT NOT NULL DEFAULT '',
    access_credential TEXT,
    skip_cert_verify INTEGER NOT NULL DEFAULT 0,
    use_internal_addr INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    is_default INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE project_scanners (
    project_id INTEGER PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    registration_uuid TEXT NOT NULL
  );
  -- The latest report per manifest and MIME type; Pending/Running rows are the durable scan jobs.
  CREATE TABLE scan_reports (
    uuid TEXT PRIMARY KEY,
    manifest_id INTEGER NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
    registration_uuid TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    status TEXT NOT NULL,
    start_time TEXT,
    end_time TEXT,
    scan_request_id TEXT,
    report TEXT,
    execution_id INTEGER,
    log TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
  );
  CREATE INDEX scan_reports_manifest ON scan_reports(manifest_id, mime_type);
  CREATE INDEX scan_reports_execution ON scan_reports(execution_id);
  -- Paused job queues (/jobservice/queues), Harbor's queue_status.
  CREATE TABLE job_queue_status (
    job_type TEXT PRIMARY KEY,
    paused INTEGER NOT NULL
  );
  `,
  `
  -- A scan job is claimed with a lease by whichever replica is free (services/scans.ts); a stop
  -- asked on one replica reaches the replica running the scan through stop_requested.
  ALTER TABLE scan_reports ADD COLUMN claimed_by TEXT;
  ALTER TABLE scan_reports ADD COLUMN lease_until TEXT;
  ALTER TABLE scan_reports ADD COLUMN stop_requested INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX scan_reports_status ON scan_reports(status, created_at);
  `,
  /* 26: upload writers: the accepted size and the one request writing the bytes (compare-and-set across replicas) */ `
  ALTER TABLE uploads ADD COLUMN size INTEGER;
  ALTER TABLE uploads ADD COLUMN writer TEXT;
  ALTER TABLE uploads ADD COLUMN claimed_at INTEGER;
  `,
  /* 27: webhook claims (issue 19) */ `
  -- The claim's probes: the addresses with Pending rows, the oldest due of one address, the Running
  -- ones of an address (their lease). Without it a claim read the whole queue.
  CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries(status, address, next_attempt_at, id);
  `,
  /* 28: webhook_deliveries_open is read by no query since 27 (the claim reads webhook_deliveries_due); each
     delivery written or finished paid for it */ `
  DROP INDEX IF EXISTS webhook_deliveries_open;
  `,
  /* 29: repository lists filtered, sorted and paged in SQL (issue 20): counts kept by the content store */ `
  -- A repository's manifests, and a project's repositories holding at least one (what Harbor lists).
  ALTER TABLE repositories ADD COLUMN artifact_count INTEGER NOT NULL DEFAULT 0;
  UPDATE repositories SET artifact_count = (SELECT count(*) FROM manifests m WHERE m.repository_id = repositories.id);
  ALTER TABLE projects ADD COLUMN repo_count INTEGER NOT NULL DEFAULT 0;
  UPDATE projects SET repo_count = (SELECT count(*) FROM repositories r WHERE r.project_id = projects.id AND r.artifact_count > 0);
  -- A page by name or by update time reads its rows and skips its offset in these, never the rest.
  CREATE INDEX repositories_listed_name ON repositories(project_id, name) WHERE artifact_count > 0;
  CREATE INDEX repositories_listed_updated ON repositories(project_id, updated_at) WHERE artifact_count > 0;
  `,
  /* 30: the trigrams of repository names, for q=name=~ (issue 20) */ `
  -- Each distinct three-character piece of a repository's lowercased name. A substring of three or
  -- more characters is looked for among the repositories holding its rarest piece, not all of them.
  CREATE TABLE repository_name_trigrams (
    trigram TEXT NOT NULL,
    repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
    PRIMARY KEY (trigram, repository_id)
  ) WITHOUT ROWID;
  CREATE INDEX repository_name_trigrams_repository ON repository_name_trigrams(repository_id);
  WITH RECURSIVE piece(id, name, i) AS (
    SELECT id, lower(name), 1 FROM repositories WHERE length(name) >= 3
    UNION ALL SELECT id, name, i + 1 FROM piece WHERE i + 3 <= length(name))
  INSERT OR IGNORE INTO repository_name_trigrams (trigram, repository_id) SELECT substr(name, i, 3), id FROM piece;
  `,
];
