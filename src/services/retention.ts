// Tag retention (Harbor's /retentions, src/pkg/retention): one policy per project
// `{algorithm:"or", rules, trigger:{kind:"Schedule", settings:{cron}}, scope:{level:"project", ref}}`.
// A run makes one task per repository that some rule's repository selectors select; in it, each
// applicable rule's tag selectors pick candidates from the repository's artifacts and its template
// retains some of them; an artifact is kept when ANY rule keeps it (Harbor's `or` processor) and
// every other artifact is deleted, unless one of its tags is immutable (logged IMMUTABLE, kept).
// A dry run decides exactly as a real run and deletes nothing. The schedule's cron is stored in the
// policy (trigger.settings.cron) as Harbor does; the scheduler calls runRetention(id, {dryRun:false,
// trigger:'SCHEDULE'}).
import { HarborError } from '../core/errors.js';
import type { ArtifactInfo, MetaStores, Project, RetentionExecutionRecord, RetentionPolicyRecord, RetentionStatus, RetentionTaskRecord } from '../storage/meta/index.js';
import type { Locks } from './locks.js';
import type { ImmutableService } from './immutable.js';
import { principalName, type AccessControl, type Principal } from './rbac.js';
import type { RetentionTaskResult } from './webhooks.js';
import { parseRuleBody, repoSelects, type RuleBody, shortName, tagSelects } from './selectors.js';


/** The scheduler's job kind of a policy's scheduled runs, with `:<policy id>` (Harbor's RETENTION vendor type). */
export const RETENTION_KIND = 'RETENTION';
export const RETENTION_TEMPLATES = ['latestPushedK', 'latestPulledN', 'nDaysSinceLastPush', 'nDaysSinceLastPull', 'always'] as const;
type Template = (typeof RETENTION_TEMPLATES)[number];
const MAX_RULES = 15;
const DAY_MS = 24 * 3600_000;

export interface RetentionRule extends RuleBody { id: number; disabled: boolean }

export interface RetentionPolicy {
  id: number;
  algorithm: 'or';
  rules: RetentionRule[];
  trigger: { kind: string; settings: { cron?: string }; references: Record<string, never> };
  scope: { level: 'project'; ref: number };
}

/** Harbor's GET /retentions/metadatas (handler/retention.go). */
export const RETENTION_METADATA = {
  templates: [
    { rule_template: 'latestPushedK', display_text: 'the most recently pushed # artifacts', action: 'retain', params: [{ type: 'int', unit: 'COUNT', required: true }] },
    { rule_template: 'latestPulledN', display_text: 'the most recently pulled # artifacts', action: 'retain', params: [{ type: 'int', unit: 'COUNT', required: true }] },
    { rule_template: 'nDaysSinceLastPush', display_text: 'pushed within the last # days', action: 'retain', params: [{ type: 'int', unit: 'DAYS', required: true }] },
    { rule_template: 'nDaysSinceLastPull', display_text: 'pulled within the last # days', action: 'retain', params: [{ type: 'int', unit: 'DAYS', required: true }] },
    { rule_template: 'always', display_text: 'always', action: 'retain', params: [] },
  ],
  scope_selectors: [{ display_text: 'Repositories', kind: 'doublestar', decorations: ['repoMatches', 'repoExcludes'] }],
  tag_selectors: [{ display_text: 'Tags', kind: 'doublestar', decorations: ['matches', 'excludes'] }],
};

/** What a task decided for one artifact (Harbor's log marks). */
export type Mark = 'RETAIN' | 'DEL' | 'IMMUTABLE' | 'ERR';

export interface RetentionOptions {
  clock?: () => number;
  /** Writes the pull times still batched in memory (services/audit.ts): a run reads them. */
  flushPulls?: () => Promise<void>;
  /**
   * Told after a policy is created, updated (its cron, '' for manual only) or deleted (null): the
   * scheduler (re)registers runRetention(policyId, {dryRun:false, trigger:'SCHEDULE'}) on the cron.
   */
  onScheduleChange?: (policyId: number, cron: string | null) => void | Promise<void>;
  /** Told after each repository's task of a real run (not a dry run): webhooks' TAG_RETENTION. Must not throw. */
  onTaskDone?: (r: RetentionTaskResult) => void;
  /**
   * Database locks, for replicas sharing one database: a run holds `retention-exec:<id>`, and
   * recover() ends as Error only the Running executions whose holder is gone.
   */
  locks?: Locks;
}

/** How long a recovered execution's lock is kept, so a run that was only slow to take it never starts. */
const RECOVERED_CLAIM_MS = 10 * 60_000;

export class RetentionService {
  private readonly now: () => number;
  private readonly flushPulls: () => Promise<void>;
  /** Executions running in this process, with their stop flag. */
  private readonly running = new Map<number, { stop: boolean; done: Promise<void> }>();

  constructor(
    private readonly stores: Pick<MetaStores, 'retention' | 'projects' | 'artifacts' | 'content'>,
    private readonly access: AccessControl,
    private readonly immutable: ImmutableService,
    private readonly opts: RetentionOptions = {},
  ) {
    this.now = opts.clock ?? Date.now;
    this.flushPulls = opts.flushPulls ?? (async () => undefined);
  }

  // ---- policies

  async create(actor: Principal, body: Record<string, unknown>): Promise<number> {
    const policy = parsePolicy(body);
    const p = await this.projectOf(policy.scope.ref, true);
    await this.access.require(actor, p, 'tag-retention', 'create');
    if (p.metadata.retention_id) throw new HarborError('BAD_REQUEST', `project ${p.id} already has retention policy ${p.metadata.retention_id}`);
    const id = (await this.stores.retention.createRetentionPolicy(p.id, JSON.stringify(policy))).id;
    await this.opts.onScheduleChange?.(id, policy.trigger.settings.cron ?? '');
    return id;
  }

  async get(actor: Principal, id: number): Promise<RetentionPolicy> {
    return (await this.policyFor(actor, id, 'read')).policy;
  }

  async update(actor: Principal, id: number, body: Record<string, unknown>): Promise<void> {
    const { record } = await this.policyFor(actor, id, 'update');
    const policy = parsePolicy(body);
    if (policy.scope.ref !== record.projectId) throw new HarborError('BAD_REQUEST', 'the policy\'s scope cannot change to another project');
    await this.stores.retention.updateRetentionPolicy(id, JSON.stringify(policy));
    await this.opts.onScheduleChange?.(id, policy.trigger.settings.cron ?? '');
  }

  async delete(actor: Principal, id: number): Promise<void> {
    await this.policyFor(actor, id, 'delete');
    await this.stores.retention.deleteRetentionPolicy(id);
    await this.opts.onScheduleChange?.(id, null);
  }

  /** Every policy with a cron: what the scheduler registers at start. */
  async scheduled(): Promise<{ policyId: number; cron: string }[]> {
    return (await this.stores.retention.listRetentionPolicies())
      .map((r) => ({ policyId: r.id, cron: (JSON.parse(r.policy) as RetentionPolicy).trigger.settings.cron ?? '' }))
      .filter((x) => x.cron !== '');
  }

  // ---- executions

  /** POST …/executions: starts a run in the background; the execution's id. */
  async trigger(actor: Principal, id: number, dryRun: boolean): Promise<number> {
    await this.policyFor(actor, id, 'operate');
    return (await this.runRetention(id, { dryRun, operator: principalName(actor) })).executionId;
  }

  /**
   * Starts a run of policy `policyId` (the scheduler's entry point, trigger SCHEDULE; the API's is
   * MANUAL). Resolves once the execution is recorded; `done` once the run has finished.
   */
  async runRetention(policyId: number, opts: { dryRun: boolean; trigger?: 'MANUAL' | 'SCHEDULE'; operator?: string }): Promise<{ executionId: number; done: Promise<void> }> {
    const record = await this.stores.retention.getRetentionPolicy(policyId);
    if (!record) throw new HarborError('NOT_FOUND', `retention policy ${policyId} not found`);
    const exec = await this.stores.retention.createRetentionExecution(policyId, opts.trigger ?? 'MANUAL', opts.dryRun);
    const lease = this.opts.locks ? await this.opts.locks.tryAcquire(`retention-exec:${exec.id}`) : null;
    // Taken already: another replica's recover() found it Running without a holder and ended it.
    if (this.opts.locks && !lease) return { executionId: exec.id, done: Promise.resolve() };
    const state = { stop: false, done: Promise.resolve() };
    state.done = this.execute(record, exec, state, opts.operator ?? '').finally(async () => {
      this.running.delete(exec.id);
      await lease?.release();
    });
    this.running.set(exec.id, state);
    return { executionId: exec.id, done: state.done };
  }

  /** PATCH …/executions/{eid} `{"action":"stop"}`: a running execution stops before its next artifact. */
  async stop(actor: Principal, id: number, eid: number): Promise<void> {
    await this.executionFor(actor, id, eid, 'operate');
    const r = this.running.get(eid);
    if (r) r.stop = true;
  }

  async listExecutions(actor: Principal, id: number): Promise<RetentionExecutionRecord[]> {
    await this.policyFor(actor, id, 'list');
    return this.stores.retention.listRetentionExecutions(id);
  }

  async listTasks(actor: Principal, id: number, eid: number): Promise<RetentionTaskRecord[]> {
    await this.executionFor(actor, id, eid, 'list');
    return this.stores.retention.listRetentionTasks(eid);
  }

  async taskLog(actor: Principal, id: number, eid: number, tid: number): Promise<string> {
    await this.executionFor(actor, id, eid, 'read');
    const t = await this.stores.retention.getRetentionTask(tid);
    if (!t || t.executionId !== eid) throw new HarborError('NOT_FOUND', `task ${tid} of execution ${eid} not found`);
    return t.log;
  }

  /** Waits for every run this process has started (tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /**
   * At start (and, with replicas, periodically): executions a process that died left Running end as
   * Error (nothing resumes them). With locks, only those whose lock nobody holds.
   */
  async recover(): Promise<number> {
    const locks = this.opts.locks;
    if (!locks) return this.stores.retention.interruptRetentionRuns();
    let n = 0;
    for (const p of await this.stores.retention.listRetentionPolicies()) {
      for (const e of await this.stores.retention.listRetentionExecutions(p.id)) {
        if (e.status !== 'Running' || !(await locks.claim(`retention-exec:${e.id}`, RECOVERED_CLAIM_MS))) continue;
        n += await this.stores.retention.interruptRetentionRuns(e.id);
      }
    }
    return n;
  }

  /** Stops every running execution (each ends Stopped) and waits for them: shutdown. */
  async close(): Promise<void> {
    for (const r of this.running.values()) r.stop = true;
    await this.idle();
  }

  // ---- the run

  private async execute(record: RetentionPolicyRecord, exec: RetentionExecutionRecord, state: { stop: boolean }, operator: string): Promise<void> {
    let status: RetentionStatus = 'Success';
    try {
      const project = await this.projectOf(record.projectId);
      const policy = JSON.parse(record.policy) as RetentionPolicy;
      const rules = policy.rules.filter((r) => !r.disabled);
      const immutable = await this.immutable.matcher(record.projectId);
      await this.flushPulls();
      for (const repo of await this.stores.artifacts.listProjectRepositories(record.projectId)) {
        if (state.stop) { status = 'Stopped'; break; }
        const short = shortName(repo.name);
        const applicable = rules.filter((r) => r.scope_selectors.repository.every((s) => repoSelects(s, short)));
        if (applicable.length === 0) continue;
        const task = await this.stores.retention.addRetentionTask(exec.id, repo.name);
        const artifacts = await this.stores.artifacts.listArtifacts(repo.name);
        const plan = decide(artifacts, applicable, this.now(), (a) => immutable !== undefined && a.tags.some((t) => immutable(repo.name, t.name)));
        let failed = false;
        let stopped = false;
        const deleted: PlanItem[] = [];
        for (const item of plan) {
          if (item.mark !== 'DEL' || exec.dryRun) continue;
          if (state.stop) { stopped = true; break; }
          try {
            await this.stores.content.deleteManifest(repo.name, item.artifact.digest, await this.immutable.guard(record.projectId, repo.name));
            deleted.push(item);
          } catch (e) {
            item.mark = (e as { code?: string }).code === 'PRECONDITION' ? 'IMMUTABLE' : 'ERR';
            failed ||= item.mark === 'ERR';
          }
        }
        const taskStatus: RetentionStatus = stopped ? 'Stopped' : failed ? 'Error' : 'Success';
        if (taskStatus !== 'Success') status = taskStatus;
        const retained = plan.filter((i) => i.mark !== 'DEL').length;
        await this.stores.retention.finishRetentionTask(task.id, { status: taskStatus, total: plan.length, retained, log: logTable(plan, exec.dryRun) });
        if (!exec.dryRun) {
          this.opts.onTaskDone?.({
            project, repository: repo.name, policyId: record.id, rules: applicable, total: plan.length, retained, operator,
            deleted: deleted.map((i) => ({ digest: i.artifact.digest, tag: i.artifact.tags[0]?.name ?? '' })),
          });
        }
        if (stopped) break;
      }
    } catch {
      status = 'Error';
    }
    await this.stores.retention.finishRetentionExecution(exec.id, status);
  }

  // ---- lookups

  private async projectOf(id: number, forCreate = false): Promise<Project> {
    const p = await this.stores.projects.getProjectById(id);
    if (!p) throw new HarborError(forCreate ? 'BAD_REQUEST' : 'NOT_FOUND', forCreate ? `invalid Project id ${id}` : `project ${id} not found`);
    return p;
  }

  private async policyFor(actor: Principal, id: number, action: 'read' | 'update' | 'delete' | 'list' | 'operate'): Promise<{ record: RetentionPolicyRecord; policy: RetentionPolicy }> {
    const record = await this.stores.retention.getRetentionPolicy(id);
    if (!record) throw new HarborError('NOT_FOUND', 'retention policy is not found');
    await this.access.require(actor, await this.projectOf(record.projectId), 'tag-retention', action);
    return { record, policy: { ...(JSON.parse(record.policy) as RetentionPolicy), id } };
  }

  private async executionFor(actor: Principal, id: number, eid: number, action: 'read' | 'list' | 'operate'): Promise<RetentionExecutionRecord> {
    const { record } = await this.policyFor(actor, id, action);
    const e = await this.stores.retention.getRetentionExecution(eid);
    if (!e || e.policyId !== id) throw new HarborError('NOT_FOUND', `project: ${record.projectId}, execution id ${eid} not found`);
    return e;
  }
}

export interface PlanItem { artifact: ArtifactInfo; mark: Mark }

/** Harbor's `or` algorithm over one repository's artifacts: what each rule retains, the rest deleted unless immutable. */
export function decide(artifacts: ArtifactInfo[], rules: RetentionRule[], now: number, isImmutable: (a: ArtifactInfo) => boolean): PlanItem[] {
  const retained = new Set<ArtifactInfo>();
  for (const rule of rules) {
    const candidates = artifacts.filter((a) => rule.tag_selectors.every((s) => tagSelects(s, a.tags.map((t) => t.name))));
    for (const a of evaluate(rule, candidates, now)) retained.add(a);
  }
  return artifacts.map((artifact) => ({ artifact, mark: retained.has(artifact) ? 'RETAIN' : isImmutable(artifact) ? 'IMMUTABLE' : 'DEL' }));
}

const time = (iso: string | null): number => (iso ? Date.parse(iso) : 0);

/** The artifacts a rule's template retains (src/pkg/retention/policy/rule/*\/evaluator.go). */
function evaluate(rule: RetentionRule, candidates: ArtifactInfo[], now: number): ArtifactInfo[] {
  const template = rule.template as Template;
  const n = rule.params[template] ?? 0;
  const byDesc = (key: (a: ArtifactInfo) => number) => [...candidates].sort((x, y) => key(y) - key(x) || y.id - x.id);
  switch (template) {
    case 'always': return candidates;
    case 'latestPushedK': return byDesc((a) => time(a.pushedAt)).slice(0, n);
    case 'latestPulledN': return byDesc((a) => time(a.pulledAt)).slice(0, n);
    case 'nDaysSinceLastPush': return candidates.filter((a) => time(a.pushedAt) >= now - n * DAY_MS);
    case 'nDaysSinceLastPull': return candidates.filter((a) => a.pulledAt !== null && time(a.pulledAt) >= now - n * DAY_MS);
  }
}

/** The task log: Harbor's table (digest, tags, pushed, pulled, decision). */
function logTable(plan: PlanItem[], dryRun: boolean): string {
  const rows = plan.map((i) => [i.artifact.digest, i.artifact.tags.map((t) => t.name).join(','), i.artifact.pushedAt, i.artifact.pulledAt ?? '', i.mark]);
  const head = ['Digest', 'Tag', 'PushedTime', 'PulledTime', 'Retention'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]): string => `| ${cells.map((x, c) => x.padEnd(widths[c])).join(' | ')} |`;
  return [dryRun ? 'dry run: nothing was deleted' : '', line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line), '']
    .filter((l, k) => k > 0 || l !== '').join('\n');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates a RetentionPolicy body into its stored form. */
export function parsePolicy(b: Record<string, unknown>): Omit<RetentionPolicy, 'id'> {
  const algorithm = b.algorithm ?? 'or';
  if (algorithm !== 'or') throw new HarborError('BAD_REQUEST', 'algorithm must be "or"');
  const scope = b.scope;
  if (!isObject(scope) || scope.level !== 'project' || typeof scope.ref !== 'number' || !Number.isSafeInteger(scope.ref)) {
    throw new HarborError('BAD_REQUEST', 'scope must be {"level":"project","ref":<project id>}');
  }
  const rulesIn = b.rules ?? [];
  if (!Array.isArray(rulesIn)) throw new HarborError('BAD_REQUEST', 'rules must be an array');
  if (rulesIn.length > MAX_RULES) throw new HarborError('BAD_REQUEST', `only ${MAX_RULES} rules are allowed at most`);
  const rules = rulesIn.map((r, i): RetentionRule => {
    if (!isObject(r)) throw new HarborError('BAD_REQUEST', `rules[${i}] must be an object`);
    const body = parseRuleBody(r, { action: 'retain', template: '' }, RETENTION_TEMPLATES);
    if (!(RETENTION_TEMPLATES as readonly string[]).includes(body.template)) {
      throw new HarborError('BAD_REQUEST', `rules[${i}].template must be one of ${RETENTION_TEMPLATES.join(', ')}`);
    }
    if (body.action !== 'retain') throw new HarborError('BAD_REQUEST', `rules[${i}].action must be "retain"`);
    if (body.template !== 'always' && body.params[body.template] === undefined) {
      throw new HarborError('BAD_REQUEST', `rules[${i}].params.${body.template} is required`);
    }
    const params = body.template === 'always' ? {} : { [body.template]: body.params[body.template] };
    return { id: i + 1, disabled: r.disabled === true, ...body, params };
  });
  const seen = new Map<string, number>();
  rules.forEach((r, i) => {
    const key = JSON.stringify({ ...r, id: 0, priority: 0 });
    const old = seen.get(key);
    if (old !== undefined) throw new HarborError('CONFLICT', `rule ${i} is conflict with rule ${old}`);
    seen.set(key, i);
  });
  const trig = b.trigger ?? { kind: 'Schedule', settings: {} };
  if (!isObject(trig)) throw new HarborError('BAD_REQUEST', 'trigger must be an object');
  const settings = trig.settings ?? {};
  if (!isObject(settings)) throw new HarborError('BAD_REQUEST', 'trigger.settings must be an object');
  const cron = settings.cron ?? '';
  if (typeof cron !== 'string' || cron.length > 128 || (cron !== '' && cron.trim().split(/\s+/).length !== 6)) {
    throw new HarborError('BAD_REQUEST', 'trigger.settings.cron must be empty or a 6-field cron (seconds first)');
  }
  return {
    algorithm: 'or', rules,
    trigger: { kind: 'Schedule', settings: cron ? { cron } : {}, references: {} },
    scope: { level: 'project', ref: scope.ref },
  };
}
