// Immutable tag rules (table immutable_tag_rules); a project's rules go with it (foreign key).
import type Database from 'better-sqlite3';
import type { ImmutableRuleRecord, ImmutableRuleStore } from '../index.js';
import { type Clock, SqliteStore, unique } from './common.js';

type Row = { id: number; project_id: number; disabled: number; rule: string };
const record = (r: Row): ImmutableRuleRecord => ({ id: r.id, projectId: r.project_id, disabled: r.disabled === 1, rule: r.rule });

export class SqliteImmutableRuleStore extends SqliteStore implements ImmutableRuleStore {
  private readonly s;

  constructor(db: Database.Database, now: Clock) {
    super(db, now);
    this.s = {
      list: db.prepare('SELECT id, project_id, disabled, rule FROM immutable_tag_rules WHERE project_id = ? ORDER BY id'),
      get: db.prepare('SELECT id, project_id, disabled, rule FROM immutable_tag_rules WHERE id = ?'),
      insert: db.prepare('INSERT INTO immutable_tag_rules (project_id, disabled, rule) VALUES (?, ?, ?)'),
      update: db.prepare('UPDATE immutable_tag_rules SET disabled = ?, rule = ? WHERE id = ?'),
      delete: db.prepare('DELETE FROM immutable_tag_rules WHERE id = ?'),
    };
  }

  async listImmutableRules(projectId: number): Promise<ImmutableRuleRecord[]> {
    return (this.s.list.all(projectId) as Row[]).map(record);
  }

  async getImmutableRule(id: number): Promise<ImmutableRuleRecord | null> {
    const r = this.s.get.get(id) as Row | undefined;
    return r ? record(r) : null;
  }

  async createImmutableRule(projectId: number, rule: string, disabled: boolean): Promise<ImmutableRuleRecord> {
    const id = unique('immutable rule', () => Number(this.s.insert.run(projectId, disabled ? 1 : 0, rule).lastInsertRowid));
    return { id, projectId, disabled, rule };
  }

  async updateImmutableRule(id: number, rule: string, disabled: boolean): Promise<boolean> {
    return unique('immutable rule', () => this.s.update.run(disabled ? 1 : 0, rule, id).changes > 0);
  }

  async deleteImmutableRule(id: number): Promise<boolean> {
    return this.s.delete.run(id).changes > 0;
  }
}
