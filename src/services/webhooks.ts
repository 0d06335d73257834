// Webhooks (issue 19; harbor-notes §9): a project's policies say which events go to which targets;
// an event becomes one queued delivery per (policy, target) in the database (WebhookStore), and a
// dispatcher delivers them in the background with retries and backoff.
//
// - Never on the request path: emit() only appends to an array when the project has a policy for
//   that event type (a Map lookup otherwise); the array is written within ENQUEUE_MS.
// - Durable: a delivery is a row from the moment it is queued; a restart finds the Pending ones, and a
//   Running one whose process died is taken again when its lease lapses (LEASE_MS).
// - Bounded: at most `concurrency` deliveries at once, at most `perTarget` per target address
//   (counted in the database, so replicas share the bound).
// - Retried: a non-2xx answer or a network error is tried again after backoff·2^(n-1), up to
//   `maxAttempts` attempts (Harbor: JOBSERVICE_WEBHOOK_JOB_MAX_RETRY, 3 retries), then Error.
// Every attempt is a line of the delivery's log (/executions/{id}/tasks/{id}/log); auth headers are
// sealed at rest (SecretBox) and never shown back, as registry credentials.
import { randomUUID } from 'node:crypto';
import { HarborError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type {
  FinishedAttempt, MetaStores, Project, SbomStatus, WebhookAttempt, WebhookDelivery, WebhookNotifyType, WebhookPayloadFormat, WebhookPolicy, WebhookPolicyPatch, WebhookTarget,
} from '../storage/meta/index.js';
import type { AuditOperation } from './audit.js';
import { humanBytes, UNLIMITED } from './quotas.js';
import { principalName, type AccessControl, type Principal } from './rbac.js';
import { ClaimLoop } from './claim-loop.js';
import { OutboundClient } from './outbound.js';
import { SECRET_MASK, type SecretBox } from './registries.js';
import { shortName, type RuleBody } from './selectors.js';

/** Harbor's webhook event types (src/pkg/notifier/model/const.go), in its order. */
export const WEBHOOK_EVENT_TYPES = ['DELETE_ARTIFACT', 'PULL_ARTIFACT', 'PUSH_ARTIFACT', 'QUOTA_EXCEED', 'QUOTA_WARNING', 'REPLICATION',
  'SCANNING_FAILED', 'SCANNING_COMPLETED', 'TAG_RETENTION'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** CloudEvents `type` of each event (Harbor's formats/cloudevents.go). */
const CLOUDEVENT_TYPE: Record<WebhookEventType, string> = {
  DELETE_ARTIFACT: 'harbor.artifact.deleted', PULL_ARTIFACT: 'harbor.artifact.pulled', PUSH_ARTIFACT: 'harbor.artifact.pushed',
  QUOTA_EXCEED: 'harbor.quota.exceeded', QUOTA_WARNING: 'harbor.quota.warned', REPLICATION: 'harbor.replication.status.changed',
  SCANNING_FAILED: 'harbor.scan.failed', SCANNING_COMPLETED: 'harbor.scan.completed', TAG_RETENTION: 'harbor.tag_retention.finished',
};

const ARTIFACT_EVENT: Record<AuditOperation, WebhookEventType> = { pull: 'PULL_ARTIFACT', create: 'PUSH_ARTIFACT', delete: 'DELETE_ARTIFACT' };

const NOTIFY_TYPES: readonly WebhookNotifyType[] = ['http', 'slack'];
const FORMATS: readonly WebhookPayloadFormat[] = ['Default', 'CloudEvents'];
const LEASE_MS = 60_000;
/**
 * Events are written as deliveries every ENQUEUE_MS, or at once when ENQUEUE_BATCH wait: a commit
 * costs ~150 µs of CPU on SQLite, and with a policy on PULL_ARTIFACT one per turn of the loop was
 * a commit per few pulls.
 */
const ENQUEUE_MS = 20;
const ENQUEUE_BATCH = 256;
const MAX_NAME = 255;
const MAX_TARGETS = 20;
const MAX_LOG_BODY = 200;

/**
 * One event as Harbor's webhook payload carries it (model.Payload): `data` is `event_data`.
 * The shapes of `data` per type (Harbor's, harbor-notes §9):
 * - *_ARTIFACT: `{resources: [{digest, tag, resource_url}], repository: {date_created, name, namespace, repo_full_name, repo_type}}`
 * - QUOTA_EXCEED / QUOTA_WARNING: `{resources: [{digest, tag}] (a manifest write only), repository: {name, namespace, repo_full_name,
 *   repo_type}, custom_attributes: {details}}`, details saying what was refused or how full the project is
 * - SCANNING_COMPLETED / SCANNING_FAILED: the same, resources with `sbom_overview`, and `scan: {scan_type: "sbom"}`
 * - REPLICATION: `{replication: {harbor_hostname, job_status, description, trigger_type, policy_creator, execution_timestamp,
 *   src_resource, dest_resource, successful_artifact, failed_artifact}}`
 * - TAG_RETENTION: `{retention: {total, retained, project_name, retention_policy_id, retention_rule, result, deleted_artifact: [{type, status, name_tag}]}}`
 */
export interface WebhookEvent {
  type: WebhookEventType;
  projectId: number;
  /** Seconds since the epoch. */
  occurAt: number;
  operator: string;
  data: Record<string, unknown>;
  /** The request it came from (CloudEvents' `requestid` extension). */
  requestId?: string;
}

/** Harbor's QUOTA_WARNING bar (its quota middleware's ResourcesWarningPercent). */
export const QUOTA_WARNING_PERCENT = 85;

/** What retention tells of one repository's task (services/retention.ts). */
export interface RetentionTaskResult {
  project: Project;
  repository: string;
  policyId: number;
  rules: RuleBody[];
  total: number;
  retained: number;
  /** The artifacts deleted: digest and first tag ('' when untagged). */
  deleted: { digest: string; tag: string }[];
  operator: string;
}

/** What the replication engine tells of one finished task (Harbor's replication webhook handler reads the same). */
export interface ReplicationTaskResult {
  /** The local project of the task: the source of a push-based policy, the destination of a pull-based one. */
  project: Project;
  mode: 'push' | 'pull';
  /** `Success` or `Error` (Harbor's job status). */
  status: 'Success' | 'Error';
  executionId: number;
  taskId: number;
  /** MANUAL, SCHEDULED or EVENT_BASED. */
  trigger: string;
  /** The execution's start, ISO 8601. */
  startTime: string;
  operator: string;
  policyCreator: string;
  description: string;
  override: boolean;
  /** The task's resource type (`image`, `artifact`). */
  artifactType: string;
  /** `repo:tag` or `repo@digest` without the namespace, as Harbor's payload names it. */
  nameAndTag: string;
  references: string[];
  remote: { name: string; type: string; url: string; namespace: string; credentialType: string };
  /** This registry's external URL and host name (Harbor's ext endpoint). */
  localEndpoint: string;
  hostname: string;
}

/** Harbor's quota event_data: the repository, the artifact when the write was a manifest, the message as details. */
function quotaEventData(repo: { name: string; project: Project }, message: string, artifact?: { digest: string; tag: string }): Record<string, unknown> {
  return {
    ...(artifact ? { resources: [{ digest: artifact.digest, tag: artifact.tag }] } : {}),
    repository: { name: shortName(repo.name), namespace: repo.project.name, repo_full_name: repo.name, repo_type: repo.project.public ? 'public' : 'private' },
    custom_attributes: { details: message },
  };
}

/** What is queued: the event with a CloudEvents id fixed once, so a retry sends the same event. */
interface QueuedEvent extends WebhookEvent { id: string }

/**
 * The body a delivery sends: Harbor's Default JSON, CloudEvents 1.0 (structured mode), or a Slack
 * message. It holds no secret, so it is also what /webhook/jobs shows as a job's `job_detail`.
 */
export function payload(d: WebhookDelivery): { contentType: string; body: string } {
  const e = d.event as QueuedEvent;
  if (d.target.type === 'slack') {
    const text = `*Harbor webhook event* ${e.type} by ${e.operator || 'anonymous'} at ${new Date(e.occurAt * 1000).toISOString()}`;
    return { contentType: 'application/json', body: JSON.stringify({ text, blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${JSON.stringify(e.data, null, 2).slice(0, 2800)}\`\`\`` } },
    ] }) };
  }
  if (d.target.payloadFormat === 'CloudEvents') {
    return { contentType: 'application/cloudevents+json', body: JSON.stringify({
      specversion: '1.0', id: e.id, requestid: e.requestId ?? '', source: `/projects/${d.projectId}/webhook/policies/${d.policyId}`,
      type: CLOUDEVENT_TYPE[e.type], datacontenttype: 'application/json', time: new Date(e.occurAt * 1000).toISOString(),
      data: e.data, operator: e.operator,
    }) };
  }
  return { contentType: 'application/json', body: JSON.stringify({ type: e.type, occur_at: e.occurAt, operator: e.operator, event_data: e.data }) };
}

/** Harbor's event_data of an artifact event. */
export function artifactEventData(host: string, project: Project, repository: string, digest: string, tag: string, repoCreatedAt?: string): Record<string, unknown> {
  const name = repository.slice(project.name.length + 1);
  const ref = tag ? `${repository}:${tag}` : `${repository}@${digest}`;
  return {
    resources: [{ digest, tag, resource_url: `${host}/${ref}` }],
    repository: {
      date_created: repoCreatedAt ? Math.floor(Date.parse(repoCreatedAt) / 1000) : undefined, name, namespace: project.name,
      repo_full_name: repository, repo_type: project.public ? 'public' : 'private',
    },
  };
}

export interface WebhookOptions {
  /** First retry delay (default 10 s), doubled per attempt. */
  backoffMs?: number;
  /** Attempts in all (default 4: Harbor's 3 retries). */
  maxAttempts?: number;
  /** Deliveries at once (default 8) and per target address (default 4). */
  concurrency?: number;
  perTarget?: number;
  /** How often the queue is looked at for retries that came due (default 1 s). */
  pollMs?: number;
  /** One attempt's time limit (default 10 s). */
  timeoutMs?: number;
  clock?: () => number;
}

type Stores = Pick<MetaStores, 'webhooks' | 'projects'>;

export class WebhookService {
  /** project id → event types some enabled policy of it wants: the only thing emit() reads. */
  private wanted = new Map<number, Set<string>>();
  private pending: QueuedEvent[] = [];
  /** Events still reading what they need (quotaCharged) before emit(): settle() waits for them. */
  private readonly reading = new Set<Promise<void>>();
  private flushTimer: NodeJS.Timeout | undefined;
  /** A full batch waits for the next turn of the loop. */
  private flushSoon = false;
  private readonly loop: ClaimLoop<WebhookDelivery>;
  /** Target address → this process's deliveries to it under way. */
  private readonly busy = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly clients = new Map<boolean, OutboundClient>();
  /** Attempts that ended and are not recorded yet: the next claim records them. */
  private finished: FinishedAttempt[] = [];
  private readonly o: Required<Omit<WebhookOptions, 'clock'>>;
  private readonly now: () => number;

  constructor(private readonly stores: Stores, private readonly access: AccessControl, private readonly box: SecretBox,
    private readonly log: Logger, opts: WebhookOptions = {}) {
    this.o = {
      backoffMs: opts.backoffMs ?? 10_000, maxAttempts: opts.maxAttempts ?? 4, concurrency: opts.concurrency ?? 8,
      perTarget: opts.perTarget ?? 4, pollMs: opts.pollMs ?? 1000, timeoutMs: opts.timeoutMs ?? 10_000,
    };
    this.now = opts.clock ?? Date.now;
    // Claims what is due while there is room, and delivers it. The attempts that ended since the last
    // claim are recorded by the claim that follows them, in its transaction (a delivery costs one
    // commit, not two: with a policy on PULL_ARTIFACT that is a commit per pull saved).
    this.loop = new ClaimLoop(this.o.concurrency, async (room) => {
      const now = this.now();
      const finished = this.finished;
      this.finished = [];
      try {
        return await this.stores.webhooks.claim(new Date(now).toISOString(), new Date(now + LEASE_MS).toISOString(), room, this.o.perTarget, finished);
      } catch (e) {
        this.finished.unshift(...finished); // recorded by the next claim (the poll kicks one)
        throw e;
      }
    }, (d) => {
      this.busy.set(d.target.address, (this.busy.get(d.target.address) ?? 0) + 1);
      return this.attempt(d).finally(() => {
        const n = this.busy.get(d.target.address)! - 1;
        if (n) this.busy.set(d.target.address, n); else this.busy.delete(d.target.address);
      });
    },
    (e) => this.log.error('could not claim webhook deliveries', { error: e }));
  }

  private kick(): void {
    if (!this.closed) this.loop.kick();
  }

  /** Loads which projects want which events and starts delivering what the queue holds. */
  async start(): Promise<void> {
    await this.reloadWanted();
    this.timer = setInterval(() => {
      // Policies changed by another replica are seen within one poll.
      this.reloadWanted().catch((e: unknown) => this.log.error('could not read webhook policies', { error: e }));
      this.kick();
    }, this.o.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Notes an event; never throws and never waits. Nothing is queued unless a policy wants it. */
  emit(e: WebhookEvent): void {
    if (this.closed || !this.wanted.get(e.projectId)?.has(e.type)) return;
    this.pending.push({ ...e, id: randomUUID() });
    if (this.flushSoon) return;
    if (this.pending.length >= ENQUEUE_BATCH) {
      this.flushSoon = true;
      clearTimeout(this.flushTimer);
      setImmediate(() => this.queuePending());
    } else this.flushTimer ??= setTimeout(() => this.queuePending(), ENQUEUE_MS);
  }

  private queuePending(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flushSoon = false;
    this.flush().catch((err: unknown) => this.log.error('could not queue webhook deliveries', { error: err }));
  }

  /** A pull, push or delete through /v2 (`digest` '' when a tag was deleted). Cheap when no policy wants it. */
  artifactEvent(op: AuditOperation, operator: string, requestId: string, host: string, repo: { name: string; project: Project },
    reference: string, digest: string): void {
    const type = ARTIFACT_EVENT[op];
    if (!this.wanted.get(repo.project.id)?.has(type)) return;
    const tag = reference.includes(':') ? '' : reference;
    this.emit({ type, projectId: repo.project.id, occurAt: Math.floor(this.now() / 1000), operator, requestId,
      data: artifactEventData(host, repo.project, repo.name, digest, tag) });
  }

  /** A write the quota refused: Harbor's QUOTA_EXCEED, with the refusal as custom_attributes.details. */
  quotaEvent(repo: { name: string; project: Project }, message: string): void {
    if (!this.wanted.get(repo.project.id)?.has('QUOTA_EXCEED')) return;
    this.emit({ type: 'QUOTA_EXCEED', projectId: repo.project.id, occurAt: Math.floor(this.now() / 1000), operator: '', data: quotaEventData(repo, message) });
  }

  /**
   * A write the quota let through: Harbor's QUOTA_WARNING when the project's usage is now at or above
   * QUOTA_WARNING_PERCENT of its limit. As Harbor's quota middleware, every such write warns (not
   * only the one that crossed the line). Reads the project only when a policy wants the event.
   */
  quotaCharged(repo: { name: string; project: Project }, artifact?: { digest: string; tag: string }): void {
    if (!this.wanted.get(repo.project.id)?.has('QUOTA_WARNING')) return;
    const occurAt = Math.floor(this.now() / 1000);
    const noted: Promise<void> = this.stores.projects.getProjectById(repo.project.id).then((p) => {
      if (!p || p.storageLimit === UNLIMITED || p.storageUsed * 100 < p.storageLimit * QUOTA_WARNING_PERCENT) return;
      const message = `quota usage reach ${QUOTA_WARNING_PERCENT}%: resource storage used ${humanBytes(p.storageUsed)} of ${humanBytes(p.storageLimit)}`;
      this.emit({ type: 'QUOTA_WARNING', projectId: p.id, occurAt, operator: '', data: quotaEventData({ name: repo.name, project: p }, message, artifact) });
    }).catch((e: unknown) => this.log.error('webhook quota warning failed', { error: e })).finally(() => this.reading.delete(noted));
    this.reading.add(noted);
  }

  /**
   * A retention task deleted artifacts of one repository (not a dry run): Harbor's TAG_RETENTION,
   * one event per repository with what was deleted and the policy's rules (its retention webhook handler).
   */
  retentionEvent(r: RetentionTaskResult): void {
    if (r.deleted.length === 0 || !this.wanted.get(r.project.id)?.has('TAG_RETENTION')) return;
    this.emit({
      type: 'TAG_RETENTION', projectId: r.project.id, occurAt: Math.floor(this.now() / 1000), operator: r.operator,
      data: { retention: {
        total: r.total, retained: r.retained, project_name: r.project.name, retention_policy_id: r.policyId, result: 'SUCCESS',
        retention_rule: r.rules.map((x) => ({ template: x.template, params: x.params, tag_selectors: x.tag_selectors, scope_selectors: x.scope_selectors })),
        deleted_artifact: r.deleted.map((a) => ({
          type: 'image', status: 'SUCCESS', name_tag: a.tag ? `${shortName(r.repository)}:${a.tag}` : `${shortName(r.repository)}@${a.digest}`,
        })),
      } },
    });
  }

  /**
   * The hook of the replication engine: one task of an execution ended (Harbor's REPLICATION event,
   * sent for the local project of the task: the source of a push, the destination of a pull).
   */
  replicationEvent(r: ReplicationTaskResult): void {
    if (!this.wanted.get(r.project.id)?.has('REPLICATION')) return;
    const local = { registry_type: 'harbor', endpoint: r.localEndpoint, namespace: r.project.name };
    const remote = { registry_name: r.remote.name, registry_type: r.remote.type, endpoint: r.remote.url, namespace: r.remote.namespace };
    const artifact = [{ type: r.artifactType, status: r.status, name_tag: r.nameAndTag, references: r.references }];
    this.emit({
      type: 'REPLICATION', projectId: r.project.id, occurAt: Math.floor(this.now() / 1000), operator: r.operator,
      data: { replication: {
        harbor_hostname: r.hostname || undefined, job_status: r.status, description: r.description || undefined, artifact_type: r.artifactType,
        authentication_type: r.remote.credentialType || undefined, override_mode: r.override || undefined, trigger_type: r.trigger,
        policy_creator: r.policyCreator || undefined, execution_timestamp: Math.floor(Date.parse(r.startTime) / 1000),
        src_resource: r.mode === 'push' ? local : remote, dest_resource: r.mode === 'push' ? remote : local,
        ...(r.status === 'Success' ? { successful_artifact: artifact } : { failed_artifact: artifact }),
        execution_id: r.executionId, task_id: r.taskId,
      } },
    });
  }

  /** An SBOM generation ended: SCANNING_COMPLETED or SCANNING_FAILED, resources with their sbom_overview. */
  async scanEvent(repository: string, digest: string, st: SbomStatus): Promise<void> {
    const type = st.status === 'Success' ? 'SCANNING_COMPLETED' : 'SCANNING_FAILED';
    const project = await this.stores.projects.getProject(repository.split('/')[0]);
    if (!project || !this.wanted.get(project.id)?.has(type)) return;
    const data = artifactEventData('', project, repository, digest, '');
    (data.resources as Record<string, unknown>[])[0].sbom_overview = {
      start_time: st.startTime, end_time: st.endTime, scan_status: st.status, sbom_digest: st.sbomDigest ?? '', report_id: st.reportId,
      ...(st.error ? { status_message: st.error } : {}),
    };
    this.emit({ type, projectId: project.id, occurAt: Math.floor(this.now() / 1000), operator: '', data: { ...data, scan: { scan_type: 'sbom' } } });
  }

  /**
   * A vulnerability scan ended (services/scans.ts): SCANNING_COMPLETED or SCANNING_FAILED, the
   * resource with its scan_overview (keyed by the report's MIME type, as Harbor sends it).
   */
  async vulnerabilityScanEvent(repository: string, digest: string, ok: boolean, scanOverview: Record<string, unknown>): Promise<void> {
    const type = ok ? 'SCANNING_COMPLETED' : 'SCANNING_FAILED';
    const project = await this.stores.projects.getProject(repository.split('/')[0]);
    if (!project || !this.wanted.get(project.id)?.has(type)) return;
    const data = artifactEventData('', project, repository, digest, '');
    (data.resources as Record<string, unknown>[])[0].scan_overview = scanOverview;
    this.emit({ type, projectId: project.id, occurAt: Math.floor(this.now() / 1000), operator: '', data: { ...data, scan: { scan_type: 'vulnerability' } } });
  }

  /** Writes the noted events as deliveries, one per enabled policy that wants them and target. */
  private async flush(): Promise<void> {
    const events = this.pending;
    this.pending = [];
    if (events.length === 0) return;
    const byProject = new Map<number, WebhookPolicy[]>();
    const items = [];
    for (const e of events) {
      let policies = byProject.get(e.projectId);
      if (!policies) byProject.set(e.projectId, policies = await this.stores.webhooks.listPolicies(e.projectId));
      for (const p of policies) {
        if (!p.enabled || !p.eventTypes.includes(e.type)) continue;
        for (const target of p.targets) items.push({ policyId: p.id, projectId: p.projectId, eventType: e.type, event: e, target });
      }
    }
    if (items.length) await this.stores.webhooks.enqueue(items);
    // Claim them now, unless each goes to a target whose every slot holds one of our deliveries: the
    // end of one of those claims again (a claim per flush was a transaction per pull under load).
    if (items.some((i) => (this.busy.get(i.target.address) ?? 0) < this.o.perTarget)) this.kick();
  }

  /** Deliveries in flight and how many may be (/jobservice workers). */
  deliveryLoad(): { running: number; concurrency: number } {
    return { running: this.loop.active, concurrency: this.o.concurrency };
  }

  /** Waits until every noted event is queued (tests and close()). */
  async settle(): Promise<void> {
    await Promise.all(this.reading);
    await new Promise((r) => setImmediate(r));
    await this.flush();
  }

  private async reloadWanted(): Promise<void> {
    const wanted = new Map<number, Set<string>>();
    for (const p of await this.stores.webhooks.listPolicies()) {
      if (!p.enabled) continue;
      let s = wanted.get(p.projectId);
      if (!s) wanted.set(p.projectId, s = new Set());
      for (const t of p.eventTypes) s.add(t);
    }
    this.wanted = wanted;
  }

  private async attempt(d: WebhookDelivery): Promise<void> {
    const n = d.attempts + 1;
    const started = this.now();
    let outcome: string;
    let ok = false;
    try {
      const { headers, body } = this.format(d);
      const res = await this.client(d.target.skipCertVerify).request(d.target.address, { method: 'POST', headers, body, deadlineMs: this.o.timeoutMs });
      const text = (await res.prefix(MAX_LOG_BODY)).replace(/\s+/g, ' ');
      ok = res.statusCode >= 200 && res.statusCode < 300;
      outcome = `HTTP ${res.statusCode}${text ? ` ${JSON.stringify(text)}` : ''}`;
    } catch (e) {
      outcome = `error: ${(e as Error).message}`;
    }
    const at = new Date(this.now()).toISOString();
    const line = `${at} attempt ${n}/${this.o.maxAttempts}: POST ${redactUrl(d.target.address)} (${d.target.type}, ${d.target.payloadFormat}) -> ${outcome} in ${this.now() - started} ms`;
    let attempt: WebhookAttempt;
    if (ok) attempt = { status: 'Success', logLine: line, statusMessage: '' };
    else if (n >= this.o.maxAttempts) attempt = { status: 'Error', logLine: line, statusMessage: outcome };
    else {
      const next = new Date(this.now() + this.o.backoffMs * 2 ** (n - 1)).toISOString();
      attempt = { status: 'Pending', nextAttemptAt: next, logLine: `${line}; next attempt at ${next}`, statusMessage: outcome };
    }
    this.finished.push({ id: d.id, attempt });
  }

  private client(insecure: boolean): OutboundClient {
    let c = this.clients.get(insecure);
    if (!c) this.clients.set(insecure, c = new OutboundClient({ rejectUnauthorized: !insecure, headersTimeoutMs: this.o.timeoutMs }));
    return c;
  }

  /** The request of one delivery: its payload with the target's auth header. */
  private format(d: WebhookDelivery): { headers: Record<string, string>; body: string } {
    const { contentType, body } = payload(d);
    const headers: Record<string, string> = { 'content-type': contentType, 'user-agent': 'harborctl-webhook' };
    if (d.target.authHeader) headers.authorization = this.box.open(d.target.authHeader);
    return { headers, body };
  }

  /** Waits until the noted events are queued and no attempt is under way (tests). */
  async idle(): Promise<void> {
    await this.settle();
    await this.loop.idle();
  }

  /** Stops claiming and waits for the attempts under way (each bounded by the timeout). */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.settle().catch((e: unknown) => this.log.error('could not queue webhook deliveries', { error: e }));
    this.closed = true;
    this.loop.close();
    clearInterval(this.timer);
    await this.idle();
    // What ended after the last claim (a closed loop claims no more).
    for (const f of this.finished.splice(0)) {
      await this.stores.webhooks.finishAttempt(f.id, f.attempt).catch((e: unknown) => this.log.error('webhook delivery failed to record', { id: f.id, error: e }));
    }
    for (const c of this.clients.values()) c.close();
  }

  // --- policies (RBAC: notification-policy of the project) ---

  async listPolicies(actor: Principal, project: Project): Promise<WebhookPolicy[]> {
    await this.access.require(actor, project, 'notification-policy', 'list');
    return this.stores.webhooks.listPolicies(project.id);
  }

  async getPolicy(actor: Principal, project: Project, id: number): Promise<WebhookPolicy> {
    await this.access.require(actor, project, 'notification-policy', 'read');
    return this.policyOf(project, id);
  }

  async createPolicy(actor: Principal, project: Project, body: Record<string, unknown>): Promise<WebhookPolicy> {
    await this.access.require(actor, project, 'notification-policy', 'create');
    const v = this.validate(body, null);
    const p = await this.stores.webhooks.createPolicy({
      projectId: project.id, name: v.name!, description: v.description ?? '', enabled: v.enabled ?? true, eventTypes: v.eventTypes!,
      targets: v.targets!, creator: principalName(actor),
    });
    await this.reloadWanted();
    return p;
  }

  async updatePolicy(actor: Principal, project: Project, id: number, body: Record<string, unknown>): Promise<WebhookPolicy> {
    await this.access.require(actor, project, 'notification-policy', 'update');
    const cur = await this.policyOf(project, id);
    const p = await this.stores.webhooks.updatePolicy(id, this.validate(body, cur));
    if (!p) throw new HarborError('NOT_FOUND', `webhook policy ${id} not found`);
    await this.reloadWanted();
    return p;
  }

  async deletePolicy(actor: Principal, project: Project, id: number): Promise<void> {
    await this.access.require(actor, project, 'notification-policy', 'delete');
    await this.policyOf(project, id);
    await this.stores.webhooks.deletePolicy(id);
    await this.reloadWanted();
  }

  /** A policy's deliveries (Harbor's executions, and its older "jobs"), newest first; only those of `statuses` when given. */
  async listDeliveries(actor: Principal, project: Project, policyId: number, page: { offset: number; limit: number },
    statuses?: string[]): Promise<{ items: WebhookDelivery[]; total: number }> {
    await this.access.require(actor, project, 'notification-policy', 'list');
    await this.policyOf(project, policyId);
    return this.stores.webhooks.listDeliveries(policyId, page, statuses);
  }

  /** Harbor's LastTrigger: each policy of the project and each of its event types, with when it last queued a delivery. */
  async lastTriggers(actor: Principal, project: Project): Promise<{ policy: WebhookPolicy; eventType: string; at: string | null }[]> {
    await this.access.require(actor, project, 'notification-policy', 'read');
    const out: { policy: WebhookPolicy; eventType: string; at: string | null }[] = [];
    for (const policy of await this.stores.webhooks.listPolicies(project.id)) {
      const times = await this.stores.webhooks.lastDeliveryTimes(policy.id);
      for (const eventType of policy.eventTypes) out.push({ policy, eventType, at: times.get(eventType) ?? null });
    }
    return out;
  }

  async getDelivery(actor: Principal, project: Project, policyId: number, id: number): Promise<WebhookDelivery> {
    await this.access.require(actor, project, 'notification-policy', 'read');
    const d = await this.stores.webhooks.getDelivery(id);
    if (!d || d.policyId !== policyId || d.projectId !== project.id) throw new HarborError('NOT_FOUND', `webhook execution ${id} not found`);
    return d;
  }

  /** Queues a sample event of the policy's first type to each of its targets (our extension); returns the delivery ids. */
  async test(actor: Principal, project: Project, id: number, host: string): Promise<number[]> {
    await this.access.require(actor, project, 'notification-policy', 'update');
    const p = await this.policyOf(project, id);
    const type = (p.eventTypes[0] ?? 'PUSH_ARTIFACT') as WebhookEventType;
    const data = { ...artifactEventData(host, project, `${project.name}/harborctl-webhook-test`, `sha256:${'0'.repeat(64)}`, 'test'),
      custom_attributes: { harborctl_test: 'true' } };
    const event: QueuedEvent = { id: randomUUID(), type, projectId: project.id, occurAt: Math.floor(this.now() / 1000), operator: principalName(actor), data };
    const ids = await this.stores.webhooks.enqueue(p.targets.map((target) => ({ policyId: p.id, projectId: project.id, eventType: type, event, target })));
    this.kick();
    return ids;
  }

  private async policyOf(project: Project, id: number): Promise<WebhookPolicy> {
    const p = await this.stores.webhooks.getPolicy(id);
    if (!p || p.projectId !== project.id) throw new HarborError('NOT_FOUND', `webhook policy ${id} not found`);
    return p;
  }

  /** A body → the fields it sets (all required on create); auth headers sealed, the mask keeping the old one. */
  private validate(b: Record<string, unknown>, cur: WebhookPolicy | null): WebhookPolicyPatch {
    const out: WebhookPolicyPatch = {};
    const str = (k: string): string | undefined => {
      const v = b[k];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'string') throw new HarborError('BAD_REQUEST', `${k} must be a string`);
      return v;
    };
    const name = str('name');
    if (name !== undefined) {
      if (!name.trim() || name.length > MAX_NAME) throw new HarborError('BAD_REQUEST', `name must be 1 to ${MAX_NAME} characters`);
      out.name = name.trim();
    } else if (!cur) throw new HarborError('BAD_REQUEST', 'name is required');
    const description = str('description');
    if (description !== undefined) out.description = description.slice(0, 1024);
    if (b.enabled !== undefined && b.enabled !== null) {
      if (typeof b.enabled !== 'boolean') throw new HarborError('BAD_REQUEST', 'enabled must be a boolean');
      out.enabled = b.enabled;
    }
    if (b.event_types !== undefined && b.event_types !== null) {
      const t = b.event_types;
      if (!Array.isArray(t) || t.length === 0 || t.length > 50) throw new HarborError('BAD_REQUEST', 'event_types must be a non-empty array');
      for (const x of t) {
        if (typeof x !== 'string' || !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(x)) {
          throw new HarborError('BAD_REQUEST', `unsupported event type ${JSON.stringify(String(x).slice(0, 60))}; supported: ${WEBHOOK_EVENT_TYPES.join(', ')}`);
        }
      }
      out.eventTypes = [...new Set(t as string[])];
    } else if (!cur) throw new HarborError('BAD_REQUEST', 'event_types is required');
    if (b.targets !== undefined && b.targets !== null) {
      const t = b.targets;
      if (!Array.isArray(t) || t.length === 0 || t.length > MAX_TARGETS) throw new HarborError('BAD_REQUEST', `targets must be an array of 1 to ${MAX_TARGETS} targets`);
      out.targets = t.map((x) => this.target(x, cur));
    } else if (!cur) throw new HarborError('BAD_REQUEST', 'targets is required');
    return out;
  }

  private target(x: unknown, cur: WebhookPolicy | null): WebhookTarget {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new HarborError('BAD_REQUEST', 'a target must be an object');
    const o = x as Record<string, unknown>;
    const type = o.type ?? 'http';
    if (!NOTIFY_TYPES.includes(type as WebhookNotifyType)) throw new HarborError('BAD_REQUEST', 'a target type must be http or slack');
    const address = o.address;
    if (typeof address !== 'string' || address.length > 2048) throw new HarborError('BAD_REQUEST', 'a target address must be an http(s) URL');
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      throw new HarborError('BAD_REQUEST', 'a target address must be an http(s) URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HarborError('BAD_REQUEST', 'a target address must be an http(s) URL');
    const format = o.payload_format ?? 'Default';
    if (!FORMATS.includes(format as WebhookPayloadFormat)) throw new HarborError('BAD_REQUEST', 'payload_format must be Default or CloudEvents');
    if (type === 'slack' && format !== 'Default') throw new HarborError('BAD_REQUEST', 'a slack target takes the Default payload format');
    if (o.skip_cert_verify !== undefined && o.skip_cert_verify !== null && typeof o.skip_cert_verify !== 'boolean') {
      throw new HarborError('BAD_REQUEST', 'skip_cert_verify must be a boolean');
    }
    const auth = o.auth_header ?? '';
    if (typeof auth !== 'string' || auth.length > 4096 || /[\r\n]/.test(auth)) throw new HarborError('BAD_REQUEST', 'auth_header must be one line of text');
    // The mask sent back unchanged keeps what the target at that address had.
    const kept = auth === SECRET_MASK ? cur?.targets.find((t) => t.address === address)?.authHeader ?? '' : undefined;
    return {
      type: type as WebhookNotifyType, address, payloadFormat: format as WebhookPayloadFormat, skipCertVerify: o.skip_cert_verify === true,
      authHeader: kept ?? (auth ? this.box.seal(auth) : ''),
    };
  }
}

/** An address without its user and password, for logs. */
function redactUrl(address: string): string {
  try {
    const u = new URL(address);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(invalid address)';
  }
}
