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
];
