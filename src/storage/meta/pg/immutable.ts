// Immutable tag rules (table immutable_tag_rules), as sqlite/immutable.ts.
import type { ImmutableRuleRecord, ImmutableRuleStore } from '../index.js';
import { PgStore, unique } from './common.js';

type Row = { id: number; project_id: number; disabled: boolean; rule: string };
const record = (r: Row): ImmutableRuleRecord => ({ id: r.id, projectId: r.project_id, disabled: r.disabled, rule: r.rule });

export class PgImmutableRuleStore extends PgStore implements ImmutableRuleStore {
  async listImmutableRules(projectId: number): Promise<ImmutableRuleRecord[]> {
    return (await this.db.all<Row>('SELECT id, project_id, disabled, rule FROM immutable_tag_rules WHERE project_id = ? ORDER BY id', projectId)).map(record);
  }

  async getImmutableRule(id: number): Promise<ImmutableRuleRecord | null> {
    const r = await this.db.get<Row>('SELECT id, project_id, disabled, rule FROM immutable_tag_rules WHERE id = ?', id);
    return r ? record(r) : null;
  }

  async createImmutableRule(projectId: number, rule: string, disabled: boolean): Promise<ImmutableRuleRecord> {
    const id = await unique('immutable rule', () => this.db.value<number>('INSERT INTO immutable_tag_rules (project_id, disabled, rule) VALUES (?, ?, ?) RETURNING id',
      projectId, disabled, rule));
    return { id: id!, projectId, disabled, rule };
  }

  async updateImmutableRule(id: number, rule: string, disabled: boolean): Promise<boolean> {
    return await unique('immutable rule', () => this.db.run('UPDATE immutable_tag_rules SET disabled = ?, rule = ? WHERE id = ?', disabled, rule, id)) > 0;
  }

  async deleteImmutableRule(id: number): Promise<boolean> {
    return await this.db.run('DELETE FROM immutable_tag_rules WHERE id = ?', id) > 0;
  }
}
