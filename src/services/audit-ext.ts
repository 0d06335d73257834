// Harbor 2.13's extended audit log (auditlog-exts): create, update and delete of users, projects,
// members, robots, registries, webhook policies and (through the configuration API) the
// configuration, plus logins (success and failure, with the client address), and, as in Harbor 2.13,
// the artifact operations (pull, create, delete), which no longer go to the legacy log: the pull
// log (services/audit.ts) writes them here with its pull counts, in one transaction
// (inlineArtifactOperations), or, when records are forwarded, hands over each of its batches
// (artifactBatch).
//
// Three settings, Harbor's configuration items, decide what happens to a record:
// - disabled_audit_log_event_types: `operation_resourcetype` names (create_user, pull_artifact ...)
//   not recorded at all;
// - audit_log_forward_endpoint: host:port of a syslog server: every record is sent there (RFC 5424
//   over TCP, services/syslog.ts);
// - skip_audit_log_database: with a forward endpoint, records are only forwarded.
// They are configuration items (services/config.ts; `serve`'s flags seed them), read through an
// AuditSettingsSource on every record, so a PUT /configurations takes effect at once: a new endpoint
// gets a new forwarder (the old one sends what it holds and closes).
//
// event() never waits and never throws: records are buffered and written every FLUSH_MS (or
// MAX_BATCH at a time, and on close) in transactions of WRITE_CHUNK rows, a turn each, as the pull
// log is; a list flushes first.
import type { Logger } from '../core/log.js';
import type { AuditLogExtRecord, AuditQuery, MetaStores, NewAuditLog, NewAuditLogExt, Project } from '../storage/meta/index.js';
import { extArtifactDescription } from '../storage/meta/audit.js';
import { inChunks } from '../core/chunks.js';
import { ARTIFACT_OPERATIONS, visibleProjects, WRITE_CHUNK } from './audit.js';
import type { AccessControl, Principal } from './rbac.js';
import { SyslogForwarder } from './syslog.js';

export interface AuditSettings {
  /** `operation_resourcetype` event types that are not recorded (Harbor's disabled_audit_log_event_types). */
  disabledEventTypes: ReadonlySet<string>;
  /** host:port of a syslog server over TCP; '' for none (Harbor's audit_log_forward_endpoint). */
  forwardEndpoint: string;
  /** Keep records out of the database (Harbor's skip_audit_log_database; only with a forward endpoint). */
  skipDatabase: boolean;
}

/** Where the settings come from; called for every record, so it must be a cheap read of current values. */
export type AuditSettingsSource = () => AuditSettings;

export const DEFAULT_AUDIT_SETTINGS: AuditSettings = { disabledEventTypes: new Set(), forwardEndpoint: '', skipDatabase: false };

/** One management operation or login, as a caller reports it. */
export interface AuditEvent {
  /** create, update, delete, login, logout, pull ... */
  operation: string;
  /** user, project, project_member, robot, registry, configuration, webhook_policy, artifact ... */
  resourceType: string;
  /** The resource's name (a user name, a project name, an id when there is no name). */
  resource: string;
  /** Who did it ('' for nobody signed in). */
  username: string;
  /** The project it belongs to, if any. */
  projectId?: number;
  /** Harbor's operation_description; default "<operation> <resourceType> with name: <resource>". */
  description?: string;
  /** Default true. */
  success?: boolean;
}

export { AUDIT_EVENT_TYPES } from '../core/audit-settings.js';

const FLUSH_MS = 200;
const MAX_BATCH = 500;
const MAX_FIELD = 1024;

export interface AuditExtOptions {
  clock?: () => number; flushMs?: number; writeChunk?: number;
  /** Flushes what feeds artifactBatch() (the pull log), so a flush here writes every request already answered. */
  flushFeeds?: () => Promise<void> | undefined;
}

export class AuditExtService {
  private buffer: NewAuditLogExt[] = [];
  private timer: NodeJS.Timeout | undefined;
  private forwarder: SyslogForwarder | null = null;
  private closed = false;
  private readonly now: () => number;
  private readonly flushMs: number;
  private readonly writeChunk: number;
  private readonly flushFeeds: () => Promise<void> | undefined;
  /** The batches being written, in order (as services/audit.ts). */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly stores: Pick<MetaStores, 'audit' | 'projects'>,
    private readonly access: AccessControl,
    private readonly log: Logger,
    private readonly settings: AuditSettingsSource = () => DEFAULT_AUDIT_SETTINGS,
    opts: AuditExtOptions = {},
  ) {
    this.now = opts.clock ?? Date.now;
    this.flushMs = opts.flushMs ?? FLUSH_MS;
    this.writeChunk = opts.writeChunk ?? WRITE_CHUNK;
    this.flushFeeds = opts.flushFeeds ?? (() => undefined);
  }

  /** Records one event (subject to the settings); never throws and never waits. */
  event(e: AuditEvent): void {
    if (this.closed) return;
    const s = this.settings();
    const type = `${e.operation}_${e.resourceType}`;
    if (s.disabledEventTypes.has(type)) return;
    const resource = e.resource.slice(0, MAX_FIELD);
    this.add({
      projectId: e.projectId ?? 0, username: e.username.slice(0, MAX_FIELD), resource, resourceType: e.resourceType, operation: e.operation,
      operationDescription: (e.description ?? `${e.operation} ${e.resourceType} with name: ${resource}`).slice(0, MAX_FIELD),
      operationResult: e.success ?? true, opTime: new Date(this.now()).toISOString(),
    }, s);
  }

  /**
   * Which artifact operations the pull log writes here itself, in its own transaction with the
   * pull counts (one commit and no rows built here: this was ~9 µs of every pull): those not
   * disabled, unless records are forwarded (the forwarder needs each row: null, artifactBatch is
   * told them).
   */
  inlineArtifactOperations(): string[] | null {
    if (this.closed) return [];
    const s = this.settings();
    if (s.forwardEndpoint) return null;
    return ARTIFACT_OPERATIONS.filter((op) => !s.disabledEventTypes.has(`${op}_artifact`));
  }

  /** The artifact operations of one batch of the pull log (services/audit.ts), when records are forwarded. */
  artifactBatch(rows: NewAuditLog[]): void {
    if (this.closed || rows.length === 0) return;
    const s = this.settings();
    for (const r of rows) {
      if (s.disabledEventTypes.has(`${r.operation}_artifact`)) continue;
      this.add({ ...r, operationDescription: extArtifactDescription(r.operation, r.resource), operationResult: true }, s);
    }
  }

  private add(r: NewAuditLogExt, s: AuditSettings): void {
    if (!s.forwardEndpoint && this.forwarder) {
      // Forwarding was turned off: the old connection sends what it holds and closes.
      void this.forwarder.close();
      this.forwarder = null;
    }
    if (s.forwardEndpoint) {
      if (this.forwarder?.endpoint !== s.forwardEndpoint) {
        void this.forwarder?.close();
        this.forwarder = new SyslogForwarder(s.forwardEndpoint, this.log, this.now);
      }
      // Harbor's forwarded line: operator, time and resource type as fields, then the action.
      this.forwarder.send(`operator="${r.username}" resourceType="${r.resourceType}" result="${r.operationResult ? 'success' : 'failure'}" `
        + `time="${r.opTime}" action:${r.operation}, resource:${r.resource}, operation_description:${r.operationDescription}`, new Date(r.opTime));
      if (s.skipDatabase) return;
    }
    this.buffer.push(r);
    if (this.buffer.length >= MAX_BATCH) void this.write();
    else if (!this.timer) {
      this.timer = setTimeout(() => { this.timer = undefined; void this.flush(); }, this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes what the feeds (the pull log) and this buffer hold; resolves once written. */
  async flush(): Promise<void> {
    await this.flushFeeds();
    await this.write();
  }

  /** Takes the buffer as one batch, written after the batches before it, WRITE_CHUNK rows per transaction; a failure is logged, not thrown. */
  private write(): Promise<void> {
    if (this.buffer.length === 0) return this.writing;
    const rows = this.buffer;
    this.buffer = [];
    this.writing = this.writing.then(() => inChunks(rows.length, this.writeChunk, (start, end) =>
      this.stores.audit.insertExt(rows.slice(start, end)).catch((e: unknown) => {
        this.log.error('could not write audit log entries', { rows: end - start, error: e });
      })));
    return this.writing;
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
    this.closed = true;
    await this.forwarder?.close();
  }

  /** The entries the caller may see, as the legacy list (visibleProjects). */
  async list(actor: Principal, query: Omit<AuditQuery, 'projectIds'>, project?: Project): Promise<{ items: AuditLogExtRecord[]; total: number }> {
    const projectIds = await visibleProjects(this.stores, this.access, actor, project);
    await this.flush();
    return this.stores.audit.listExt({ ...query, projectIds });
  }
}
