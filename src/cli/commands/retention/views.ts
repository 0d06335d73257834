import type { RetentionExecution, RetentionPolicy, RetentionRule, RetentionTask } from '../../../client/retention.js';
import { shortTime, type Column } from '../../output/render.js';

/** One line per rule: `latestPushedK=10 tags=v* repos=**`, the CLI's --rule syntax. */
export function ruleSpec(r: RetentionRule): string {
  const n = r.template && r.params && r.params[r.template] !== undefined ? `=${String(r.params[r.template])}` : '';
  const t = r.tag_selectors?.[0];
  const rp = r.scope_selectors?.repository?.[0];
  const tags = t ? `tags${t.decoration === 'excludes' ? '!=' : '='}${t.pattern}` : '';
  const repos = rp ? `repos${rp.decoration === 'repoExcludes' ? '!=' : '='}${rp.pattern}` : '';
  return [`${r.template}${n}`, tags, repos, r.disabled ? '(disabled)' : ''].filter(Boolean).join(' ');
}

export const POLICY_FIELDS: Column<RetentionPolicy>[] = [
  { header: 'ID', value: (p) => p.id },
  { header: 'PROJECT', value: (p) => p.scope.ref },
  { header: 'SCHEDULE', value: (p) => p.trigger?.settings?.cron || 'manual' },
  { header: 'RULES', value: (p) => p.rules.map(ruleSpec).join('; ') },
];

export const EXECUTION_COLUMNS: Column<RetentionExecution>[] = [
  { header: 'ID', value: (e) => e.id },
  { header: 'STATUS', value: (e) => e.status },
  { header: 'TRIGGER', value: (e) => e.trigger },
  { header: 'DRY RUN', value: (e) => (e.dry_run ? 'yes' : 'no') },
  { header: 'STARTED', value: (e) => shortTime(e.start_time) },
  { header: 'ENDED', value: (e) => shortTime(e.end_time) },
];

export const TASK_COLUMNS: Column<RetentionTask>[] = [
  { header: 'ID', value: (t) => t.id },
  { header: 'REPOSITORY', value: (t) => t.repository },
  { header: 'STATUS', value: (t) => t.status },
  { header: 'TOTAL', value: (t) => t.total },
  { header: 'RETAINED', value: (t) => t.retained },
];
