// Projects, project metadata and members (tables projects, project_metadata, project_memberships).
// Beyond its own tables: deleteProject removes the project's manifest-less repositories and CVE allowlist, listMembers
// reads users and user_groups for the names and user_group_members for a user's roles through groups, and recountUsage reads repositories, repository_blobs, blobs and manifests.
import type Database from 'better-sqlite3';
import type { CveAllowlist, NewProject, Project, ProjectMember, ProjectPatch, ProjectStore, RoleId } from '../index.js';
import { type Clock, RECOUNT, SqliteStore, unique } from './common.js';

export class SqliteProjectStore extends SqliteStore implements ProjectStore {
  private readonly s;

  constructor(db: Database.Database, now: Clock) {
    super(db, now);
    this.s = {
      getProject: db.prepare(`${PROJECT_COLS} WHERE name = ?`),
      getProjectById: db.prepare(`${PROJECT_COLS} WHERE id = ?`),
      listProjects: db.prepare(`${PROJECT_COLS} ORDER BY id`),
      setProjectMeta: db.prepare(`INSERT INTO project_metadata (project_id, name, value) VALUES (?, ?, ?)
        ON CONFLICT (project_id, name) DO UPDATE SET value = excluded.value`),
      deleteProjectMeta: db.prepare('DELETE FROM project_metadata WHERE project_id = ? AND name = ?'),
      insertProject: db.prepare('INSERT INTO projects (name, public, owner_id, storage_limit, registry_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      updateProject: db.prepare(`UPDATE projects SET public = coalesce(?, public), storage_limit = coalesce(?, storage_limit),
        updated_at = ? WHERE id = ?`),
      deleteEmptyRepos: db.prepare('DELETE FROM repositories WHERE project_id = ? AND artifact_count = 0'),
      deleteProject: db.prepare('DELETE FROM projects WHERE id = ?'),
      deleteAllowlist: db.prepare('DELETE FROM cve_allowlists WHERE project_id = ?'),
      getAllowlist: db.prepare('SELECT * FROM cve_allowlists WHERE project_id = ?'),
      setAllowlist: db.prepare(`INSERT INTO cve_allowlists (project_id, expires_at, items, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (project_id) DO UPDATE SET expires_at = excluded.expires_at, items = excluded.items, updated_at = excluded.updated_at`),
      listMembers: db.prepare(`${MEMBER_COLS} WHERE m.project_id = ? ORDER BY m.id`),
      insertMember: db.prepare(`INSERT INTO project_memberships (project_id, user_id, role_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (project_id, user_id) DO NOTHING`),
      insertGroupMember: db.prepare(`INSERT INTO project_memberships (project_id, group_id, role_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (project_id, group_id) DO NOTHING`),
      getMember: db.prepare(`${MEMBER_COLS} WHERE m.id = ?`),
      updateMember: db.prepare('UPDATE project_memberships SET role_id = ?, updated_at = ? WHERE project_id = ? AND id = ?'),
      deleteMember: db.prepare('DELETE FROM project_memberships WHERE project_id = ? AND id = ?'),
      memberRoles: db.prepare(`SELECT role_id FROM project_memberships WHERE project_id = ? AND (user_id = ?
        OR group_id IN (SELECT group_id FROM user_group_members WHERE user_id = ?))`).pluck(),
      recount: db.prepare(RECOUNT).pluck(),
    };
  }

  async getProject(name: string): Promise<Project | null> {
    return toProject(this.s.getProject.get(name));
  }

  async getProjectById(id: number): Promise<Project | null> {
    return toProject(this.s.getProjectById.get(id));
  }

  async createProject(p: NewProject): Promise<Project> {
    return unique(`the project ${p.name}`, this.db.transaction(() => {
      const t = this.iso();
      const id = Number(this.s.insertProject.run(p.name, p.public ? 1 : 0, p.ownerId ?? null, p.storageLimit ?? -1, p.registryId ?? null, t, t).lastInsertRowid);
      for (const [k, v] of Object.entries(p.metadata ?? {})) this.s.setProjectMeta.run(id, k, v);
      return toProject(this.s.getProjectById.get(id))!;
    }));
  }

  async listProjects(): Promise<Project[]> {
    return (this.s.listProjects.all() as unknown[]).map((r) => toProject(r)!);
  }

  async updateProject(id: number, patch: ProjectPatch): Promise<Project | null> {
    return this.db.transaction(() => {
      const pub = patch.public === undefined ? null : patch.public ? 1 : 0;
      if (this.s.updateProject.run(pub, patch.storageLimit ?? null, this.iso(), id).changes === 0) return null;
      for (const [k, v] of Object.entries(patch.metadata ?? {})) {
        if (v === null) this.s.deleteProjectMeta.run(id, k);
        else this.s.setProjectMeta.run(id, k, v);
      }
      return toProject(this.s.getProjectById.get(id));
    })();
  }

  async deleteProject(id: number): Promise<boolean> {
    return this.db.transaction(() => {
      this.s.deleteEmptyRepos.run(id);
      this.s.deleteAllowlist.run(id);
      return this.s.deleteProject.run(id).changes > 0;
    })();
  }

  async getCveAllowlist(projectId: number): Promise<CveAllowlist | null> {
    const r = this.s.getAllowlist.get(projectId) as { id: number; project_id: number; expires_at: number | null; items: string; created_at: string; updated_at: string } | undefined;
    return r ? { id: r.id, projectId: r.project_id, expiresAt: r.expires_at, items: JSON.parse(r.items) as string[], createdAt: r.created_at, updatedAt: r.updated_at } : null;
  }

  async setCveAllowlist(projectId: number, l: { expiresAt: number | null; items: string[] }): Promise<CveAllowlist> {
    const t = this.iso();
    this.s.setAllowlist.run(projectId, l.expiresAt, JSON.stringify(l.items), t, t);
    return (await this.getCveAllowlist(projectId))!;
  }

  async listMembers(projectId: number): Promise<ProjectMember[]> {
    return (this.s.listMembers.all(projectId) as unknown[]).map((r) => toMember(r)!);
  }

  async addMember(projectId: number, userId: number, roleId: RoleId): Promise<ProjectMember | null> {
    const t = this.iso();
    const r = this.s.insertMember.run(projectId, userId, roleId, t, t);
    return r.changes ? toMember(this.s.getMember.get(r.lastInsertRowid)) : null;
  }

  async updateMember(projectId: number, memberId: number, roleId: RoleId): Promise<boolean> {
    return this.s.updateMember.run(roleId, this.iso(), projectId, memberId).changes > 0;
  }

  async deleteMember(projectId: number, memberId: number): Promise<boolean> {
    return this.s.deleteMember.run(projectId, memberId).changes > 0;
  }

  async addGroupMember(projectId: number, groupId: number, roleId: RoleId): Promise<ProjectMember | null> {
    const t = this.iso();
    const r = this.s.insertGroupMember.run(projectId, groupId, roleId, t, t);
    return r.changes ? toMember(this.s.getMember.get(r.lastInsertRowid)) : null;
  }

  async getMemberRoles(projectId: number, userId: number): Promise<RoleId[]> {
    return this.s.memberRoles.all(projectId, userId, userId) as RoleId[];
  }

  async recountUsage(projectId: number): Promise<number> {
    return this.s.recount.get(projectId, projectId) as number;
  }
}

// The metadata comes in the same statement (one lookup per /v2 request's project, not two).
const PROJECT_COLS = `SELECT id, name, public, owner_id, storage_limit, storage_used, registry_id, created_at, updated_at,
  (SELECT json_group_object(name, value) FROM (SELECT name, value FROM project_metadata WHERE project_id = projects.id ORDER BY name)) AS metadata
  FROM projects`;

function toProject(r: unknown): Project | null {
  if (!r) return null;
  const x = r as { id: number; name: string; public: number; owner_id: number | null; storage_limit: number; storage_used: number; registry_id: number | null;
    created_at: string; updated_at: string; metadata: string | null };
  return {
    id: x.id, name: x.name, public: x.public === 1, ownerId: x.owner_id, storageLimit: x.storage_limit, storageUsed: x.storage_used,
    metadata: x.metadata ? (JSON.parse(x.metadata) as Record<string, string>) : {}, registryId: x.registry_id,
    createdAt: x.created_at, updatedAt: x.updated_at,
  };
}

const MEMBER_COLS = `SELECT m.id, m.project_id, m.user_id, m.group_id, coalesce(u.username, g.group_name) AS entity_name, m.role_id
  FROM project_memberships m LEFT JOIN users u ON u.id = m.user_id LEFT JOIN user_groups g ON g.id = m.group_id`;

function toMember(r: unknown): ProjectMember | null {
  if (!r) return null;
  const x = r as { id: number; project_id: number; user_id: number | null; group_id: number | null; entity_name: string; role_id: RoleId };
  return {
    id: x.id, projectId: x.project_id, entityType: x.user_id !== null ? 'u' : 'g', entityId: x.user_id ?? x.group_id!, entityName: x.entity_name, roleId: x.role_id,
  };
}
