// Projects, project metadata and members (tables projects, project_metadata, project_memberships),
// as sqlite/projects.ts keeps them.
import type { CveAllowlist, NewProject, Project, ProjectMember, ProjectPatch, ProjectStore, RoleId } from '../index.js';
import { PgStore, RECOUNT, unique } from './common.js';

// The metadata comes in the same statement (one lookup per /v2 request's project, not two).
const PROJECT_COLS = `SELECT id, name, public, owner_id, storage_limit, storage_used, registry_id, created_at, updated_at,
  (SELECT json_object_agg(name, value ORDER BY name) FROM project_metadata WHERE project_id = projects.id) AS metadata
  FROM projects`;

const MEMBER_COLS = `SELECT m.id, m.project_id, m.user_id, m.group_id, coalesce(u.username, g.group_name) AS entity_name, m.role_id
  FROM project_memberships m LEFT JOIN users u ON u.id = m.user_id LEFT JOIN user_groups g ON g.id = m.group_id`;

const SET_META = `INSERT INTO project_metadata (project_id, name, value) VALUES (?, ?, ?)
  ON CONFLICT (project_id, name) DO UPDATE SET value = excluded.value`;

type ProjectRow = { id: number; name: string; public: boolean; owner_id: number | null; storage_limit: number; storage_used: number; registry_id: number | null;
  created_at: string; updated_at: string; metadata: Record<string, string> | null };

function toProject(x: ProjectRow | undefined): Project | null {
  if (!x) return null;
  return {
    id: x.id, name: x.name, public: x.public, ownerId: x.owner_id, storageLimit: x.storage_limit, storageUsed: x.storage_used,
    metadata: x.metadata ?? {}, registryId: x.registry_id, createdAt: x.created_at, updatedAt: x.updated_at,
  };
}

type MemberRow = { id: number; project_id: number; user_id: number | null; group_id: number | null; entity_name: string; role_id: RoleId };

function toMember(x: MemberRow | undefined): ProjectMember | null {
  if (!x) return null;
  return {
    id: x.id, projectId: x.project_id, entityType: x.user_id !== null ? 'u' : 'g', entityId: x.user_id ?? x.group_id!, entityName: x.entity_name, roleId: x.role_id,
  };
}

export class PgProjectStore extends PgStore implements ProjectStore {
  async getProject(name: string): Promise<Project | null> {
    return toProject(await this.db.get<ProjectRow>(`${PROJECT_COLS} WHERE name = ?`, name));
  }

  async getProjectById(id: number): Promise<Project | null> {
    return toProject(await this.db.get<ProjectRow>(`${PROJECT_COLS} WHERE id = ?`, id));
  }

  async createProject(p: NewProject): Promise<Project> {
    return unique(`the project ${p.name}`, () => this.tx(async (c) => {
      const t = this.iso();
      const id = (await c.value<number>(`INSERT INTO projects (name, public, owner_id, storage_limit, registry_id, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, p.name, p.public, p.ownerId ?? null, p.storageLimit ?? -1, p.registryId ?? null, t, t))!;
      for (const [k, v] of Object.entries(p.metadata ?? {})) await c.run(SET_META, id, k, v);
      return toProject(await c.get<ProjectRow>(`${PROJECT_COLS} WHERE id = ?`, id))!;
    }));
  }

  async listProjects(): Promise<Project[]> {
    return (await this.db.all<ProjectRow>(`${PROJECT_COLS} ORDER BY id`)).map((r) => toProject(r)!);
  }

  async updateProject(id: number, patch: ProjectPatch): Promise<Project | null> {
    return this.tx(async (c) => {
      const n = await c.run(`UPDATE projects SET public = coalesce(?::boolean, public), storage_limit = coalesce(?::bigint, storage_limit),
        updated_at = ? WHERE id = ?`, patch.public ?? null, patch.storageLimit ?? null, this.iso(), id);
      if (n === 0) return null;
      for (const [k, v] of Object.entries(patch.metadata ?? {})) {
        if (v === null) await c.run('DELETE FROM project_metadata WHERE project_id = ? AND name = ?', id, k);
        else await c.run(SET_META, id, k, v);
      }
      return toProject(await c.get<ProjectRow>(`${PROJECT_COLS} WHERE id = ?`, id));
    });
  }

  async deleteProject(id: number): Promise<boolean> {
    return this.tx(async (c) => {
      await c.run('DELETE FROM repositories WHERE project_id = ? AND artifact_count = 0', id);
      await c.run('DELETE FROM cve_allowlists WHERE project_id = ?', id);
      return await c.run('DELETE FROM projects WHERE id = ?', id) > 0;
    });
  }

  async getCveAllowlist(projectId: number): Promise<CveAllowlist | null> {
    const r = await this.db.get<{ id: number; project_id: number; expires_at: number | null; items: string; created_at: string; updated_at: string }>(
      'SELECT * FROM cve_allowlists WHERE project_id = ?', projectId);
    return r ? { id: r.id, projectId: r.project_id, expiresAt: r.expires_at, items: JSON.parse(r.items) as string[], createdAt: r.created_at, updatedAt: r.updated_at } : null;
  }

  async setCveAllowlist(projectId: number, l: { expiresAt: number | null; items: string[] }): Promise<CveAllowlist> {
    const t = this.iso();
    await this.db.run(`INSERT INTO cve_allowlists (project_id, expires_at, items, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (project_id) DO UPDATE SET expires_at = excluded.expires_at, items = excluded.items, updated_at = excluded.updated_at`,
    projectId, l.expiresAt, JSON.stringify(l.items), t, t);
    return (await this.getCveAllowlist(projectId))!;
  }

  async listMembers(projectId: number): Promise<ProjectMember[]> {
    return (await this.db.all<MemberRow>(`${MEMBER_COLS} WHERE m.project_id = ? ORDER BY m.id`, projectId)).map((r) => toMember(r)!);
  }

  private async insertMember(column: 'user_id' | 'group_id', projectId: number, entityId: number, roleId: RoleId): Promise<ProjectMember | null> {
    const t = this.iso();
    const id = await this.db.value<number>(`INSERT INTO project_memberships (project_id, ${column}, role_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (project_id, ${column}) DO NOTHING RETURNING id`, projectId, entityId, roleId, t, t);
    return id === undefined ? null : toMember(await this.db.get<MemberRow>(`${MEMBER_COLS} WHERE m.id = ?`, id));
  }

  async addMember(projectId: number, userId: number, roleId: RoleId): Promise<ProjectMember | null> {
    return this.insertMember('user_id', projectId, userId, roleId);
  }

  async addGroupMember(projectId: number, groupId: number, roleId: RoleId): Promise<ProjectMember | null> {
    return this.insertMember('group_id', projectId, groupId, roleId);
  }

  async updateMember(projectId: number, memberId: number, roleId: RoleId): Promise<boolean> {
    return await this.db.run('UPDATE project_memberships SET role_id = ?, updated_at = ? WHERE project_id = ? AND id = ?', roleId, this.iso(), projectId, memberId) > 0;
  }

  async deleteMember(projectId: number, memberId: number): Promise<boolean> {
    return await this.db.run('DELETE FROM project_memberships WHERE project_id = ? AND id = ?', projectId, memberId) > 0;
  }

  async getMemberRoles(projectId: number, userId: number): Promise<RoleId[]> {
    return this.db.column<RoleId>(`SELECT role_id FROM project_memberships WHERE project_id = ? AND (user_id = ?
      OR group_id IN (SELECT group_id FROM user_group_members WHERE user_id = ?))`, projectId, userId, userId);
  }

  async recountUsage(projectId: number): Promise<number> {
    return (await this.db.value<number>(RECOUNT, projectId, projectId))!;
  }
}
