// Replication (issue 18; Harbor's src/controller/replication): policies, executions and their
// tasks, and the workers that run them.
//
// - An execution is started by hand, by its policy's cron (the shared scheduler, kind
//   REPLICATION:<id>), or by a push or delete through /v2/ (event_based, push-based policies only).
// - Planning (Harbor's flow): the source's repositories and artifacts through the filters, the
//   destination names through the namespace rules, the destination prepared (projects created), then
//   one task per repository, all written with the execution's `planned` mark in one transaction. An
//   execution a restart interrupted before that is planned again at start.
// - Tasks are durable rows claimed with a lease by at most `concurrency` workers; a worker renews
//   the lease with its progress (bytes, log lines), so a task whose process died is taken again when
//   the lease lapses, by this process after a restart or by another replica. A failed attempt is
//   tried again after backoff·2^(n-1), up to `maxAttempts`. A stop ends the execution and its tasks
//   at once; the workers of running tasks abort at their next step.
import { HarborError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type {
  MetaStores, NewReplicationTask, ReplicationExecution, ReplicationExecutionQuery, ReplicationFilter, ReplicationPolicy, ReplicationPolicyPatch,
  ReplicationTask, ReplicationTaskQuery, ReplicationTrigger, ReplicationTriggerType,
} from '../../storage/meta/index.js';
import type { Principal } from '../rbac.js';
import { principalName } from '../rbac.js';
import type { RegistryService } from '../registry.js';
import type { ReplicationTaskResult } from '../webhooks.js';
import { parseCron } from '../scheduler.js';
import { UpstreamClient, type UpstreamEndpoint } from '../upstream.js';
import { requireSysadmin } from '../users.js';
import { ClaimLoop } from '../claim-loop.js';
import type { Adapter } from './adapter.js';
import { createAdapter, hasAdapter } from './adapters/index.js';
import {
  destinationRepository, hasLabelFilter, imagesOnly, isImageManifest, matchesLabels, matchesName, parseFilters, passingTags, type PathRule,
} from './filters.js';
import { LocalSide, RemoteSide, Stopped, Transfer, type Side } from './transfer.js';

export const REPLICATION_KIND = 'REPLICATION';

export type EndpointLookup = (id: number) => Promise<(UpstreamEndpoint & { id: number; name: string }) | null>;

export interface ReplicationOptions {
  /** Tasks run at once (default 4). */
  concurrency?: number;
  /** How often the queue is looked at for retries that came due and lapsed leases (default 1 s). */
  pollMs?: number;
  /** How long a claimed task is this worker's without a sign of life (default 30 s). */
  leaseMs?: number;
  /** First retry delay (default 10 s), doubled per attempt; attempts in all (default 3). */
  backoffMs?: number;
  maxAttempts?: number;
  /** copy_by_chunk's chunk size (default 10 MiB, Harbor's). */
  chunkSize?: number;
  /** Timeout of one request to another registry (default 60 s). */
  timeoutMs?: number;
  clock?: () => number;
  /** Told when a policy's cron changes (null: none): app.ts keeps the scheduler in step. */
  onScheduleChange?: (policyId: number, cron: string | null) => Promise<void>;
  /** Creates a local project a pull-based policy needs (private, the system's default quota). */
  ensureProject?: (name: string) => Promise<void>;
  /**
   * Told when a task has ended Succeed or Failed, with the name of the local project it concerns (a
   * push's source, a pull's destination): WebhookService.replicationEvent's input. Must not throw.
   */
  onTaskEnd?: (e: Omit<ReplicationTaskResult, 'project'> & { projectName: string }) => void;
}

/** What a task does, kept with it (JSON): a snapshot of its policy's settings. */
export interface TaskPayload {
  src: number | null;
  dst: number | null;
  srcRepo: string;
  dstRepo: string;
  /** copy: the artifacts (a digest with its tags, or a tag to resolve at the source). */
  artifacts?: { digest: string | null; tags: string[] }[];
  /** deletion: a digest or a tag. */
  reference?: string;
  override: boolean;
  speed: number;
  copyByChunk: boolean;
  imagesOnly: boolean;
}

/** An artifact event that starts event-based executions. */
export interface ReplicationEvent { op: 'push' | 'delete'; repository: string; digest: string; tag: string }

const MAX_NAME = 255;
const EMPTY = 'no resources need to be replicated';
const FLUSH_MS = 1000;

function str(o: Record<string, unknown>, k: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new HarborError('BAD_REQUEST', `${k} must be a string`);
  return v;
}

function bool(o: Record<string, unknown>, k: string): boolean | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new HarborError('BAD_REQUEST', `${k} must be a boolean`);
  return v;
}

function int(o: Record<string, unknown>, k: string): number | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new HarborError('BAD_REQUEST', `${k} must be an integer`);
  return v;
}

/** `{id}` of a registry in a policy body: null (or id 0) is this registry. */
function registryRef(o: Record<string, unknown>, k: string): number | null | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw new HarborError('BAD_REQUEST', `${k} must be an object`);
  const id = int(v as Record<string, unknown>, 'id');
  return id === undefined || id === 0 ? null : id;
}

export class ReplicationService {
  private readonly o: Required<Omit<ReplicationOptions, 'clock' | 'onScheduleChange' | 'ensureProject' | 'onTaskEnd'>>;
  private readonly now: () => number;
  private readonly local: LocalSide;
  /** Enabled event-based policies: all an artifact event reads. */
  private eventPolicies: ReplicationPolicy[] = [];
  private readonly active = new Map<number, AbortController>();
  private readonly background = new Set<Promise<unknown>>();
  /** Per execution in progress that ran tasks here: digest → a destination repository it was pushed to (mount sources). */
  private readonly pushed = new Map<number, Map<string, string>>();
  private readonly loop: ClaimLoop<ReplicationTask>;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly stores: Pick<MetaStores, 'replication' | 'registries' | 'content' | 'artifacts' | 'labels'>,
    registry: RegistryService,
    private readonly endpoints: EndpointLookup,
    private readonly log: Logger,
    private readonly opts: ReplicationOptions = {},
  ) {
    this.o = {
      concurrency: opts.concurrency ?? 4, pollMs: opts.pollMs ?? 1000, leaseMs: opts.leaseMs ?? 30_000, backoffMs: opts.backoffMs ?? 10_000,
      maxAttempts: opts.maxAttempts ?? 3, chunkSize: opts.chunkSize ?? 10 * 1024 * 1024, timeoutMs: opts.timeoutMs ?? 60_000,
    };
    this.now = opts.clock ?? Date.now;
    this.local = new LocalSide(registry, stores);
    // Claims due tasks while there is room, and runs them.
    this.loop = new ClaimLoop(this.o.concurrency, (room) => {
      const now = this.now();
      return this.stores.replication.claimTasks(new Date(now).toISOString(), new Date(now + this.o.leaseMs).toISOString(), room);
    }, (t) => this.runTask(t), (e) => this.log.error('replication task not run', { error: e }));
  }

  // ---- lifecycle

  /** Plans the executions a restart interrupted and starts taking tasks. */
  async start(): Promise<void> {
    await this.reloadEventPolicies();
    for (const e of await this.stores.replication.listUnplannedExecutions()) {
      const p = await this.stores.replication.getPolicy(e.policyId);
      if (p) this.track(this.plan(e, p));
    }
    this.timer = setInterval(() => {
      this.reloadEventPolicies().catch((e: unknown) => this.log.error('could not read replication policies', { error: e }));
      this.kick();
    }, this.o.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Tasks being copied now and how many may be (/jobservice workers). */
  workerLoad(): { running: number; concurrency: number } {
    return { running: this.loop.active, concurrency: this.o.concurrency };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.loop.close();
    clearInterval(this.timer);
    for (const c of this.active.values()) c.abort(new Error('shutdown'));
    await this.loop.idle();
    while (this.background.size) await Promise.allSettled([...this.background]);
  }

  private track<T>(p: Promise<T>): void {
    const q = p.catch((e: unknown) => this.log.error('replication failed', { error: e })).finally(() => this.background.delete(q));
    this.background.add(q);
  }

  // ---- policies

  async listPolicies(actor: Principal): Promise<ReplicationPolicy[]> {
    requireSysadmin(actor);
    return this.stores.replication.listPolicies();
  }

  async getPolicy(actor: Principal, id: number): Promise<ReplicationPolicy> {
    requireSysadmin(actor);
    return this.policy(id);
  }

  private async policy(id: number): Promise<ReplicationPolicy> {
    const p = await this.stores.replication.getPolicy(id);
    if (!p) throw new HarborError('NOT_FOUND', `replication policy ${id} not found`);
    return p;
  }

  async createPolicy(actor: Principal, body: Record<string, unknown>): Promise<ReplicationPolicy> {
    const me = requireSysadmin(actor);
    const p = await this.parsePolicy(body, null);
    const created = await this.stores.replication.createPolicy({ ...p, creator: principalName(actor) || me.username });
    await this.policyChanged(created);
    return created;
  }

  async updatePolicy(actor: Principal, id: number, body: Record<string, unknown>): Promise<ReplicationPolicy> {
    requireSysadmin(actor);
    const cur = await this.policy(id);
    const patch = await this.parsePolicy(body, cur);
    const p = await this.stores.replication.updatePolicy(id, patch);
    if (!p) throw new HarborError('NOT_FOUND', `replication policy ${id} not found`);
    await this.policyChanged(p);
    return p;
  }

  async deletePolicy(actor: Principal, id: number): Promise<void> {
    requireSysadmin(actor);
    const r = await this.stores.replication.deletePolicy(id);
    if (r === 'running') throw new HarborError('PRECONDITION', `replication policy ${id} has executions in progress: stop them first`);
    if (!r) throw new HarborError('NOT_FOUND', `replication policy ${id} not found`);
    await this.opts.onScheduleChange?.(id, null);
    await this.reloadEventPolicies();
  }

  /** The scheduled policies and their crons, for the scheduler at start. */
  async scheduled(): Promise<{ policyId: number; cron: string }[]> {
    return (await this.stores.replication.listPolicies()).filter((p) => p.enabled && p.trigger.type === 'scheduled' && p.trigger.cron)
      .map((p) => ({ policyId: p.id, cron: p.trigger.cron }));
  }

  private async policyChanged(p: ReplicationPolicy): Promise<void> {
    await this.opts.onScheduleChange?.(p.id, p.enabled && p.trigger.type === 'scheduled' ? p.trigger.cron : null);
    await this.reloadEventPolicies();
  }

  private async reloadEventPolicies(): Promise<void> {
    this.eventPolicies = (await this.stores.replication.listPolicies()).filter((p) => p.enabled && p.trigger.type === 'event_based');
  }

  /** Harbor's ReplicationPolicy body: everything for a create; the fields given over `cur` for an update. */
  private async parsePolicy(b: Record<string, unknown>, cur: ReplicationPolicy | null): Promise<Omit<ReplicationPolicy, 'id' | 'createdAt' | 'updatedAt' | 'creator'>> {
    const name = str(b, 'name') ?? cur?.name ?? '';
    if (name.trim() === '' || name.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(name)) throw new HarborError('BAD_REQUEST', `name must be 1 to ${MAX_NAME} printable characters`);
    if (name !== cur?.name && (await this.stores.replication.listPolicies()).some((p) => p.name === name)) {
      throw new HarborError('CONFLICT', `a replication policy named ${JSON.stringify(name)} already exists`);
    }
    const src = registryRef(b, 'src_registry');
    const dst = registryRef(b, 'dest_registry');
    const srcRegistryId = src === undefined ? cur?.srcRegistryId ?? null : src;
    const destRegistryId = dst === undefined ? cur?.destRegistryId ?? null : dst;
    if ((srcRegistryId === null) === (destRegistryId === null)) {
      throw new HarborError('BAD_REQUEST', 'one of src_registry and dest_registry must be a remote registry, the other this registry (push-based or pull-based)');
    }
    const remote = (srcRegistryId ?? destRegistryId)!;
    const reg = await this.stores.registries.getRegistryById(remote);
    if (!reg) throw new HarborError('BAD_REQUEST', `registry ${remote} not found`);
    if (!hasAdapter(reg.type)) throw new HarborError('BAD_REQUEST', `replication does not support registries of type ${reg.type}`);
    const destNamespace = str(b, 'dest_namespace') ?? cur?.destNamespace ?? '';
    if (destNamespace !== '' && !/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(destNamespace)) {
      throw new HarborError('BAD_REQUEST', 'dest_namespace must be a repository path (lower-case letters, digits, separators)');
    }
    const replaceCount = int(b, 'dest_namespace_replace_count') ?? cur?.destNamespaceReplaceCount ?? -1;
    if (replaceCount < -1 || replaceCount > 127) throw new HarborError('BAD_REQUEST', 'dest_namespace_replace_count must be -1 to 127');
    const trigger = b.trigger === undefined || b.trigger === null ? cur?.trigger ?? { type: 'manual' as const, cron: '' } : this.parseTrigger(b.trigger);
    if (trigger.type === 'event_based' && srcRegistryId !== null) throw new HarborError('BAD_REQUEST', 'an event_based trigger is for push-based policies only');
    const filters: ReplicationFilter[] = b.filters === undefined ? cur?.filters ?? [] : parseFilters(b.filters);
    const speed = int(b, 'speed') ?? cur?.speed ?? -1;
    if (speed < -1 || speed > 2 ** 31 - 1) throw new HarborError('BAD_REQUEST', 'speed must be -1 (no limit) or a number of KB/s');
    return {
      name, description: (str(b, 'description') ?? cur?.description ?? '').slice(0, 1024), srcRegistryId, destRegistryId, destNamespace,
      destNamespaceReplaceCount: replaceCount, trigger, filters,
      replicateDeletion: bool(b, 'replicate_deletion') ?? bool(b, 'deletion') ?? cur?.replicateDeletion ?? false,
      override: bool(b, 'override') ?? cur?.override ?? false, enabled: bool(b, 'enabled') ?? cur?.enabled ?? false, speed,
      copyByChunk: bool(b, 'copy_by_chunk') ?? cur?.copyByChunk ?? false,
      singleActiveReplication: bool(b, 'single_active_replication') ?? cur?.singleActiveReplication ?? false,
    };
  }

  private parseTrigger(v: unknown): ReplicationTrigger {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HarborError('BAD_REQUEST', 'trigger must be an object');
    const o = v as Record<string, unknown>;
    const type = str(o, 'type') ?? 'manual';
    if (type !== 'manual' && type !== 'scheduled' && type !== 'event_based') throw new HarborError('BAD_REQUEST', 'trigger.type must be manual, scheduled or event_based');
    const settings = o.trigger_settings;
    const cron = settings && typeof settings === 'object' && !Array.isArray(settings) ? str(settings as Record<string, unknown>, 'cron') ?? '' : '';
    if (type === 'scheduled') {
      if (!cron) throw new HarborError('BAD_REQUEST', 'a scheduled trigger needs trigger_settings.cron');
      parseCron(cron);
    }
    return { type, cron: type === 'scheduled' ? cron : '' };
  }

  // ---- executions

  /** POST /replication/executions: starts a run of an enabled policy now; the execution's id. */
  async startByHand(actor: Principal, policyId: number): Promise<number> {
    requireSysadmin(actor);
    const p = await this.stores.replication.getPolicy(policyId);
    if (!p) throw new HarborError('BAD_REQUEST', `replication policy ${policyId} not found`);
    if (!p.enabled) throw new HarborError('BAD_REQUEST', `the policy ${policyId} is disabled`);
    const e = await this.startExecution(p, 'manual', null);
    if (!e) throw new HarborError('BAD_REQUEST', `the policy ${policyId} allows one execution at a time and one is in progress`);
    return e.id;
  }

  /** A scheduled run (the scheduler's REPLICATION:<id> job). */
  async startScheduled(policyId: number): Promise<void> {
    const p = await this.stores.replication.getPolicy(policyId);
    if (p?.enabled) await this.startExecution(p, 'scheduled', null);
  }

  private async startExecution(p: ReplicationPolicy, trigger: ReplicationTriggerType, event: ReplicationEvent | null): Promise<ReplicationExecution | null> {
    const e = await this.stores.replication.createExecution(p.id, trigger, event, p.singleActiveReplication);
    if (e) this.track(this.plan(e, p));
    return e;
  }

  /**
   * A push or delete through /v2/ (http.ts, beside the webhooks). Cheap when no event-based policy
   * exists; never throws, never waits.
   */
  artifactEvent(op: 'create' | 'delete', repository: string, reference: string, digest: string): void {
    if (this.closed || this.eventPolicies.length === 0) return;
    const tag = reference.includes(':') ? '' : reference;
    const event: ReplicationEvent = { op: op === 'create' ? 'push' : 'delete', repository, digest: digest || (tag ? '' : reference), tag };
    for (const p of this.eventPolicies) {
      if (event.op === 'delete' && !p.replicateDeletion) continue;
      if (!matchesName(p.filters, repository) || passingTags(p.filters, tag ? [tag] : []) === null) continue;
      this.track(this.startExecution(p, 'event_based', event));
    }
  }

  async listExecutions(actor: Principal, q: ReplicationExecutionQuery, page: { offset: number; limit: number }): Promise<{ items: ReplicationExecution[]; total: number }> {
    requireSysadmin(actor);
    return this.stores.replication.listExecutions(q, page);
  }

  async getExecution(actor: Principal, id: number): Promise<ReplicationExecution> {
    requireSysadmin(actor);
    const e = await this.stores.replication.getExecution(id);
    if (!e) throw new HarborError('NOT_FOUND', `replication execution ${id} not found`);
    return e;
  }

  /** PUT /replication/executions/{id}: stops it (harmless on a finished one). */
  async stop(actor: Principal, id: number): Promise<void> {
    const e = await this.getExecution(actor, id);
    if (e.status !== 'InProgress') return;
    const running = await this.stores.replication.stopExecution(id);
    for (const t of running ?? []) this.active.get(t)?.abort(new Stopped());
  }

  async listTasks(actor: Principal, executionId: number, q: ReplicationTaskQuery, page: { offset: number; limit: number }): Promise<{ items: ReplicationTask[]; total: number }> {
    await this.getExecution(actor, executionId);
    return this.stores.replication.listTasks(executionId, q, page);
  }

  async task(actor: Principal, executionId: number, taskId: number): Promise<ReplicationTask> {
    await this.getExecution(actor, executionId);
    const t = await this.stores.replication.getTask(taskId);
    if (!t || t.executionId !== executionId) throw new HarborError('NOT_FOUND', `replication task ${taskId} not found`);
    return t;
  }

  // ---- planning

  private async plan(e: ReplicationExecution, p: ReplicationPolicy): Promise<void> {
    try {
      const tasks = await this.tasksFor(p, e.event as ReplicationEvent | null);
      await this.stores.replication.planExecution(e.id, tasks, EMPTY);
      this.kick();
    } catch (err) {
      this.log.warn('a replication execution could not be planned', { execution: e.id, policy: p.id, reason: (err as Error).message });
      await this.stores.replication.failExecution(e.id, (err as Error).message);
    }
  }

  private async pathRule(registryId: number | null): Promise<PathRule> {
    if (registryId === null) return 'atLeastTwo';
    const r = await this.stores.registries.getRegistryById(registryId);
    return r?.type === 'harbor' ? 'atLeastTwo' : 'any';
  }

  private async tasksFor(p: ReplicationPolicy, event: ReplicationEvent | null): Promise<NewReplicationTask[]> {
    const rule = await this.pathRule(p.destRegistryId);
    const dstName = (repo: string): string => destinationRepository(repo, p.destNamespace, p.destNamespaceReplaceCount, rule);
    const base = { src: p.srcRegistryId, dst: p.destRegistryId, override: p.override, speed: p.speed, copyByChunk: p.copyByChunk, imagesOnly: imagesOnly(p.filters) };
    const resourceType = base.imagesOnly ? 'image' : 'artifact';
    let work: { srcRepo: string; artifacts: { digest: string | null; tags: string[] }[] }[];
    if (event) {
      const dstRepo = dstName(event.repository);
      if (event.op === 'delete') {
        const reference = event.tag || event.digest;
        return [{ operation: 'deletion', resourceType, srcResource: `${event.repository}:${reference}`, dstResource: `${dstRepo}:${reference}`,
          payload: { ...base, srcRepo: event.repository, dstRepo, reference } satisfies TaskPayload }];
      }
      work = [{ srcRepo: event.repository, artifacts: [{ digest: event.digest || null, tags: event.tag ? [event.tag] : [] }] }];
    } else {
      work = p.srcRegistryId === null ? await this.localCandidates(p.filters) : await this.remoteCandidates(p.srcRegistryId, p.filters);
    }
    work = work.filter((w) => w.artifacts.length > 0);
    const named = work.map((w) => ({ ...w, dstRepo: dstName(w.srcRepo) }));
    if (named.length) await this.prepare(p.destRegistryId, named.map((w) => w.dstRepo));
    return named.map((w) => {
      const n = w.artifacts.reduce((k, a) => k + Math.max(1, a.tags.length), 0);
      return {
        operation: 'copy', resourceType, srcResource: `${w.srcRepo} [${n} item(s) in total]`, dstResource: `${w.dstRepo} [${n} item(s) in total]`,
        payload: { ...base, srcRepo: w.srcRepo, dstRepo: w.dstRepo, artifacts: w.artifacts } satisfies TaskPayload,
      };
    });
  }

  /** This registry's artifacts through the filters, per repository. */
  private async localCandidates(filters: ReplicationFilter[]): Promise<{ srcRepo: string; artifacts: { digest: string; tags: string[] }[] }[]> {
    const out = [];
    const labelled = hasLabelFilter(filters);
    for (const r of await this.stores.artifacts.listAllRepositories(null)) {
      if (!matchesName(filters, r.name)) continue;
      const arts = await this.stores.artifacts.listArtifacts(r.name);
      const labels = labelled ? await this.stores.labels.labelsOfArtifacts(arts.map((a) => a.id)) : new Map();
      const artifacts = [];
      for (const a of arts) {
        const tags = passingTags(filters, a.tags.map((t) => t.name));
        if (tags === null) continue;
        if (!matchesLabels(filters, (labels.get(a.id) ?? []).map((l: { name: string }) => l.name))) continue;
        if (imagesOnly(filters) && !isImageManifest(a.mediaType, a.content)) continue;
        artifacts.push({ digest: a.digest, tags });
      }
      out.push({ srcRepo: r.name, artifacts });
    }
    return out;
  }

  /**
   * Another registry's artifacts through the filters, per repository: from the adapter's artifact
   * list where it has one (digests, labels, types), else from its tags (digests resolved by the task).
   */
  private async remoteCandidates(registryId: number, filters: ReplicationFilter[]): Promise<{ srcRepo: string; artifacts: { digest: string | null; tags: string[] }[] }[]> {
    return this.withAdapter(registryId, async (adapter) => {
      if (hasLabelFilter(filters) && !adapter.listArtifacts) {
        throw new HarborError('BAD_REQUEST', `a ${adapter.info.type} source registry cannot filter by label`);
      }
      const out = [];
      for (const repo of await adapter.listRepositories()) {
        if (!matchesName(filters, repo)) continue;
        if (adapter.listArtifacts) {
          const artifacts = [];
          for (const a of await adapter.listArtifacts(repo)) {
            const tags = passingTags(filters, a.tags);
            if (tags === null || !matchesLabels(filters, a.labels) || (imagesOnly(filters) && a.type !== 'IMAGE')) continue;
            artifacts.push({ digest: a.digest, tags });
          }
          out.push({ srcRepo: repo, artifacts });
          continue;
        }
        const tags = await adapter.listTags(repo);
        const pass = tags.length ? passingTags(filters, tags) ?? [] : [];
        out.push({ srcRepo: repo, artifacts: pass.map((t) => ({ digest: null, tags: [t] })) });
      }
      return out;
    });
  }

  /** What a push into these repositories needs first: local projects, or the adapter's preparation. */
  private async prepare(registryId: number | null, repos: string[]): Promise<void> {
    if (registryId === null) {
      for (const project of new Set(repos.map((r) => r.split('/')[0]))) await this.opts.ensureProject?.(project);
      return;
    }
    await this.withAdapter(registryId, (a) => a.prepareForPush(repos));
  }

  private async endpoint(id: number): Promise<UpstreamEndpoint & { id: number; name: string }> {
    const ep = await this.endpoints(id);
    if (!ep) throw new HarborError('NOT_FOUND', `registry ${id} no longer exists`);
    return ep;
  }

  private async withAdapter<T>(registryId: number, run: (a: Adapter) => Promise<T>): Promise<T> {
    const a = createAdapter(await this.endpoint(registryId));
    try {
      return await run(a);
    } finally {
      await a.close?.();
    }
  }

  // ---- workers

  private kick(): void {
    if (!this.closed) this.loop.kick();
  }

  private async side(registryId: number | null, closers: (() => Promise<void>)[]): Promise<{ side: Side; adapter?: Adapter }> {
    if (registryId === null) return { side: this.local };
    const ep = await this.endpoint(registryId);
    const adapter = createAdapter(ep);
    const client = new UpstreamClient(ep, this.o.timeoutMs, { base: adapter.v2Base(), auth: () => adapter.auth() });
    closers.push(() => client.close(), async () => { await adapter.close?.(); });
    return { side: new RemoteSide(`${ep.name} (${ep.url})`, client), adapter };
  }

  private async runTask(t: ReplicationTask): Promise<void> {
    if (this.closed) {
      // Claimed while shutting down: given back at once, for the next start.
      await this.stores.replication.progressTask(t.id, { bytes: t.bytes, totalBytes: t.totalBytes, leaseUntil: new Date(this.now()).toISOString(), log: '' });
      return;
    }
    const controller = new AbortController();
    this.active.set(t.id, controller);
    const pushed = this.pushed.get(t.executionId) ?? new Map<string, string>();
    this.pushed.set(t.executionId, pushed);
    let lines = '';
    let bytes = t.bytes;
    let total = t.totalBytes;
    const stamp = (line: string): string => `${new Date(this.now()).toISOString()} ${line}`;
    const log = (line: string): void => { lines += `${stamp(line)}\n`; };
    const flush = async (): Promise<void> => {
      const text = lines;
      lines = '';
      const alive = await this.stores.replication.progressTask(t.id, { bytes, totalBytes: total, leaseUntil: new Date(this.now() + this.o.leaseMs).toISOString(), log: text });
      if (!alive) controller.abort(new Stopped());
    };
    const beat = setInterval(() => void flush().catch((e: unknown) => this.log.error('replication progress not recorded', { task: t.id, error: e })),
      Math.min(FLUSH_MS, this.o.leaseMs / 3));
    beat.unref();
    const closers: (() => Promise<void>)[] = [];
    const p = t.payload as TaskPayload;
    let ended: { status: 'Succeed' | 'Failed' | 'Stopped'; reason: string } | null = null;
    try {
      log(`attempt ${t.attempts}/${this.o.maxAttempts}: ${t.operation} ${t.srcResource} → ${t.dstResource}`);
      const src = (await this.side(p.src, closers)).side;
      const { side: dst, adapter: dstAdapter } = await this.side(p.dst, closers);
      bytes = 0;
      total = 0;
      const transfer = new Transfer(src, dst, {
        override: p.override, speed: p.speed, chunkSize: p.copyByChunk ? this.o.chunkSize : undefined, imagesOnly: p.imagesOnly,
        signal: controller.signal, log, progress: (d) => { bytes += d.bytes ?? 0; total += d.total ?? 0; },
      }, pushed);
      if (t.operation === 'deletion') {
        const ref = p.reference!;
        if (ref.includes(':')) {
          log(`${await transfer.deleteArtifact(p.dstRepo, ref)} ${p.dstRepo}@${ref} on ${dst.label}`);
        } else {
          // A deleted tag deletes only that tag, where the destination can (Harbor's DeleteTag).
          if (!dstAdapter?.deleteTag) throw new HarborError('UNSUPPORTED', `the tag deletion isn't supported by the destination ${dst.label}`);
          log(`${(await dstAdapter.deleteTag(p.dstRepo, ref)) ? 'deleted' : 'absent'} tag ${p.dstRepo}:${ref} on ${dst.label}`);
        }
      } else {
        for (const a of await this.resolve(src, p)) {
          const r = await transfer.copyArtifact(p.srcRepo, p.dstRepo, a);
          log(`${r} ${p.srcRepo}@${a.digest ?? a.tags[0]} → ${dst.label} ${p.dstRepo}`);
        }
      }
      clearInterval(beat);
      await flush();
      await this.stores.replication.finishTask(t.id, { status: 'Succeed', logLine: stamp('done'), statusMessage: '' });
      ended = { status: 'Succeed', reason: '' };
    } catch (e) {
      clearInterval(beat);
      if (this.closed) {
        // Shutting down: the task stays InProgress with its lease ended now, so the next start (or
        // another replica) takes it again at once.
        log('interrupted by a shutdown; it resumes at the next start');
        await this.stores.replication.progressTask(t.id, { bytes, totalBytes: total, leaseUntil: new Date(this.now()).toISOString(), log: lines }).catch(() => undefined);
        return;
      }
      const stopped = controller.signal.aborted;
      const why = stopped ? 'stopped' : (e as Error).message;
      await flush().catch(() => undefined);
      if (stopped) {
        await this.stores.replication.finishTask(t.id, { status: 'Stopped', logLine: stamp('stopped'), statusMessage: 'stopped' });
        ended = { status: 'Stopped', reason: 'stopped' };
      } else if (t.attempts < this.o.maxAttempts) {
        const next = new Date(this.now() + this.o.backoffMs * 2 ** (t.attempts - 1)).toISOString();
        await this.stores.replication.finishTask(t.id, { status: 'Pending', nextAttemptAt: next, logLine: stamp(`failed: ${why}; next attempt at ${next}`), statusMessage: why });
      } else {
        this.log.warn('a replication task failed', { task: t.id, execution: t.executionId, reason: why });
        await this.stores.replication.finishTask(t.id, { status: 'Failed', logLine: stamp(`failed: ${why}`), statusMessage: why });
        ended = { status: 'Failed', reason: why };
      }
    } finally {
      clearInterval(beat);
      this.active.delete(t.id);

      for (const c of closers) await c().catch(() => undefined);
    }
    // The execution's mount sources go when it has ended.
    if ((await this.stores.replication.getExecution(t.executionId).catch(() => null))?.status !== 'InProgress') this.pushed.delete(t.executionId);
    if (ended && this.opts.onTaskEnd) await this.taskEnded(t, p, ended.status).catch((e: unknown) => this.log.error('replication event failed', { error: e }));
  }

  /** What the REPLICATION webhook tells of a task that ended (WebhookService.replicationEvent builds Harbor's payload). */
  private async taskEnded(t: ReplicationTask, p: TaskPayload, status: string): Promise<void> {
    if (status === 'Stopped') return;
    const policy = await this.stores.replication.getPolicy(t.policyId);
    const e = await this.stores.replication.getExecution(t.executionId);
    const reg = await this.stores.registries.getRegistryById((p.src ?? p.dst)!);
    if (!policy || !e || !reg) return;
    const push = p.src === null;
    const [local, remote] = push ? [p.srcRepo, p.dstRepo] : [p.dstRepo, p.srcRepo];
    const name = p.srcRepo.split('/').slice(1).join('/');
    const tags = (p.artifacts ?? []).flatMap((a) => a.tags);
    const digest = p.artifacts?.find((a) => a.digest)?.digest ?? (p.reference?.includes(':') ? p.reference : undefined);
    this.opts.onTaskEnd!({
      projectName: local.split('/')[0], mode: push ? 'push' : 'pull', status: status === 'Succeed' ? 'Success' : 'Error',
      executionId: e.id, taskId: t.id, trigger: e.trigger.toUpperCase(), startTime: e.startTime, operator: policy.creator,
      policyCreator: policy.creator, description: policy.description, override: policy.override, artifactType: t.resourceType,
      nameAndTag: tags.length === 1 ? `${name}:${tags[0]}` : tags.length ? `${name}:[${tags.join(',')}]` : digest ? `${name}@${digest}` : name,
      references: tags.length ? tags : digest ? [digest] : [],
      remote: { name: reg.name, type: reg.type, url: reg.url, namespace: remote.split('/').slice(0, -1).join('/'), credentialType: reg.credentialType ?? '' },
      localEndpoint: '', hostname: '',
    });
  }

  /** The task's artifacts with their digests: tags resolved at the source, tags of one digest together. */
  private async resolve(src: Side, p: TaskPayload): Promise<{ digest: string | null; tags: string[] }[]> {
    const byDigest = new Map<string, string[]>();
    const out: { digest: string | null; tags: string[] }[] = [];
    for (const a of p.artifacts ?? []) {
      if (a.digest) {
        out.push(a);
        continue;
      }
      const d = await src.manifestDigest(p.srcRepo, a.tags[0]);
      if (!d) continue; // gone since planning
      const tags = byDigest.get(d);
      if (tags) tags.push(...a.tags);
      else {
        const group = [...a.tags];
        byDigest.set(d, group);
        out.push({ digest: d, tags: group });
      }
    }
    return out;
  }
}
