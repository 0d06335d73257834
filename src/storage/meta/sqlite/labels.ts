// Labels (tables labels, label_references). A global label has a NULL project_id (0 on the way
// out); a project's labels are deleted with it, references with their label or manifest.
import type Database from 'better-sqlite3';
import type { Label, LabelChange, LabelScope, LabelStore, NewLabel } from '../index.js';
import { type Clock, SqliteStore } from './common.js';

type Row = { id: number; name: string; description: string; color: string; scope: LabelScope; project_id: number | null; created_at: string; updated_at: string };

const label = (r: Row): Label => ({
  id: r.id, name: r.name, description: r.description, color: r.color, scope: r.scope, projectId: r.project_id ?? 0, createdAt: r.created_at, updatedAt: r.updated_at,
});

const isUnique = (e: unknown): boolean => (e as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE';

export class SqliteLabelStore extends SqliteStore implements LabelStore {
  private readonly s;

  constructor(db: Database.Database, now: Clock) {
    super(db, now);
    this.s = {
      insert: db.prepare('INSERT INTO labels (name, description, color, scope, project_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      get: db.prepare('SELECT * FROM labels WHERE id = ?'),
      listGlobal: db.prepare("SELECT * FROM labels WHERE scope = 'g' ORDER BY id"),
      listProject: db.prepare("SELECT * FROM labels WHERE scope = 'p' AND project_id = ? ORDER BY id"),
      update: db.prepare('UPDATE labels SET name = ?, description = ?, color = ?, updated_at = ? WHERE id = ?'),
      delete: db.prepare('DELETE FROM labels WHERE id = ?'),
      hasManifest: db.prepare('SELECT 1 FROM manifests WHERE id = ?').pluck(),
      addRef: db.prepare('INSERT INTO label_references (label_id, manifest_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      removeRef: db.prepare('DELETE FROM label_references WHERE label_id = ? AND manifest_id = ?'),
      refsOf: db.prepare(`SELECT x.manifest_id, l.* FROM label_references x JOIN labels l ON l.id = x.label_id
        WHERE x.manifest_id IN (SELECT value FROM json_each(?)) ORDER BY l.id`),
    };
  }

  async createLabel(l: NewLabel): Promise<Label | null> {
    const t = this.iso();
    try {
      const id = Number(this.s.insert.run(l.name, l.description, l.color, l.scope, l.scope === 'g' ? null : l.projectId, t, t).lastInsertRowid);
      return label(this.s.get.get(id) as Row);
    } catch (e) {
      if (isUnique(e)) return null;
      throw e;
    }
  }

  async getLabel(id: number): Promise<Label | null> {
    const r = this.s.get.get(id) as Row | undefined;
    return r ? label(r) : null;
  }

  async listLabels(scope: LabelScope, projectId?: number): Promise<Label[]> {
    const rows = (scope === 'g' ? this.s.listGlobal.all() : this.s.listProject.all(projectId ?? 0)) as Row[];
    return rows.map(label);
  }

  async updateLabel(id: number, c: LabelChange): Promise<Label | 'conflict' | null> {
    try {
      if (this.s.update.run(c.name, c.description, c.color, this.iso(), id).changes === 0) return null;
    } catch (e) {
      if (isUnique(e)) return 'conflict';
      throw e;
    }
    return label(this.s.get.get(id) as Row);
  }

  async deleteLabel(id: number): Promise<boolean> {
    return this.s.delete.run(id).changes > 0;
  }

  async addLabelToArtifact(labelId: number, artifactId: number): Promise<'ok' | 'exists' | 'unknown'> {
    return this.db.transaction(() => {
      if (!this.s.get.get(labelId) || !this.s.hasManifest.get(artifactId)) return 'unknown';
      return this.s.addRef.run(labelId, artifactId, this.iso()).changes > 0 ? 'ok' : 'exists';
    })();
  }

  async removeLabelFromArtifact(labelId: number, artifactId: number): Promise<boolean> {
    return this.s.removeRef.run(labelId, artifactId).changes > 0;
  }

  async labelsOfArtifacts(artifactIds: number[]): Promise<Map<number, Label[]>> {
    const out = new Map<number, Label[]>();
    if (artifactIds.length === 0) return out;
    for (const r of this.s.refsOf.all(JSON.stringify(artifactIds)) as (Row & { manifest_id: number })[]) {
      const list = out.get(r.manifest_id) ?? [];
      list.push(label(r));
      out.set(r.manifest_id, list);
    }
    return out;
  }
}
