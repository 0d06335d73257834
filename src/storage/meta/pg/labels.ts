// Labels (tables labels, label_references), as sqlite/labels.ts: a global label has a NULL
// project_id (0 on the way out).
import type { Label, LabelChange, LabelScope, LabelStore, NewLabel } from '../index.js';
import { PgStore, isUniqueViolation } from './common.js';

type Row = { id: number; name: string; description: string; color: string; scope: LabelScope; project_id: number | null; created_at: string; updated_at: string };

const label = (r: Row): Label => ({
  id: r.id, name: r.name, description: r.description, color: r.color, scope: r.scope, projectId: r.project_id ?? 0, createdAt: r.created_at, updatedAt: r.updated_at,
});

export class PgLabelStore extends PgStore implements LabelStore {
  async createLabel(l: NewLabel): Promise<Label | null> {
    const t = this.iso();
    try {
      return label((await this.db.get<Row>(`INSERT INTO labels (name, description, color, scope, project_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
        RETURNING *`, l.name, l.description, l.color, l.scope, l.scope === 'g' ? null : l.projectId, t, t))!);
    } catch (e) {
      if (isUniqueViolation(e)) return null;
      throw e;
    }
  }

  async getLabel(id: number): Promise<Label | null> {
    const r = await this.db.get<Row>('SELECT * FROM labels WHERE id = ?', id);
    return r ? label(r) : null;
  }

  async listLabels(scope: LabelScope, projectId?: number): Promise<Label[]> {
    const rows = scope === 'g'
      ? await this.db.all<Row>("SELECT * FROM labels WHERE scope = 'g' ORDER BY id")
      : await this.db.all<Row>("SELECT * FROM labels WHERE scope = 'p' AND project_id = ? ORDER BY id", projectId ?? 0);
    return rows.map(label);
  }

  async updateLabel(id: number, c: LabelChange): Promise<Label | 'conflict' | null> {
    try {
      const r = await this.db.get<Row>('UPDATE labels SET name = ?, description = ?, color = ?, updated_at = ? WHERE id = ? RETURNING *', c.name, c.description, c.color, this.iso(), id);
      return r ? label(r) : null;
    } catch (e) {
      if (isUniqueViolation(e)) return 'conflict';
      throw e;
    }
  }

  async deleteLabel(id: number): Promise<boolean> {
    return await this.db.run('DELETE FROM labels WHERE id = ?', id) > 0;
  }

  async addLabelToArtifact(labelId: number, artifactId: number): Promise<'ok' | 'exists' | 'unknown'> {
    return this.tx(async (c) => {
      // Both rows locked (KEY SHARE, as the foreign keys would): neither can go before the reference is in.
      if (!(await c.value('SELECT 1 FROM labels WHERE id = ? FOR KEY SHARE', labelId)) || !(await c.value('SELECT 1 FROM manifests WHERE id = ? FOR KEY SHARE', artifactId))) {
        return 'unknown';
      }
      return await c.run('INSERT INTO label_references (label_id, manifest_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', labelId, artifactId, this.iso()) > 0
        ? 'ok' : 'exists';
    });
  }

  async removeLabelFromArtifact(labelId: number, artifactId: number): Promise<boolean> {
    return await this.db.run('DELETE FROM label_references WHERE label_id = ? AND manifest_id = ?', labelId, artifactId) > 0;
  }

  async labelsOfArtifacts(artifactIds: number[]): Promise<Map<number, Label[]>> {
    const out = new Map<number, Label[]>();
    if (artifactIds.length === 0) return out;
    for (const r of await this.db.all<Row & { manifest_id: number }>(`SELECT x.manifest_id, l.* FROM label_references x JOIN labels l ON l.id = x.label_id
        WHERE x.manifest_id = ANY(?::bigint[]) ORDER BY l.id`, artifactIds)) {
      const list = out.get(r.manifest_id) ?? [];
      list.push(label(r));
      out.set(r.manifest_id, list);
    }
    return out;
  }
}
