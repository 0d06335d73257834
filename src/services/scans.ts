// Vulnerability scans through a scanner adapter (Harbor's src/controller/scan and its IMAGE_SCAN job):
// - a scan is a report row (store scanReports) that is also the durable job: Pending → Running →
//   Success | Error | Stopped. Every replica on the database claims from the same rows (a claim
//   loop, as replication tasks and webhook deliveries): a scan asked on one replica runs once, on
//   whichever claims it, with a lease its runner renews; a Running one whose replica died or shut
//   down is claimed again once its lease has run out (it keeps the adapter's scan request id, so
//   it only polls again). A stop asked on any replica is a flag on the row its runner reads when it
//   renews (every second);
// - a job asks the adapter to scan (POST /api/v1/scan) giving it our registry's URL and a pull-only
//   token for the one repository (TokenService.pullToken, what Harbor's scanner robot is), then polls
//   the report (302 + Refresh-After while not ready) and keeps it;
// - at most `concurrency` jobs run at once per replica; the IMAGE_SCAN queue can be paused
//   (/jobservice): the pause is read from the store at every claim, so it holds on every replica;
// - scan-all is a scheduler kind (SCAN_ALL): it asks a scan of every image and waits for them,
//   wherever they run.
// No HTTP server code and no SQL here.
import { randomUUID } from 'node:crypto';
import { HarborError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { ClaimLoop } from './claim-loop.js';
import { DEFAULT_LEASE_MS } from './locks.js';
import { parseStoredJson } from '../core/json.js';
import { isIndexMediaType, MediaType } from '../oci/mediatypes.js';
import type { MetaStores, Project, ScanReport, ScanReportStatus } from '../storage/meta/index.js';
import { viewArtifact } from './artifacts.js';
import { JobStopped, type JobContext } from './scheduler.js';
import { SBOM_REPORT_MIME, VULN_REPORT_MIME, VULN_REPORT_MIME_V10, type AdapterEndpoint, type AdapterMetadata, type ScanRequest, type ScannerAdapterClient } from './scanner-adapter.js';
import type { ScannerService, ScannerView } from './scanners.js';

export const IMAGE_SCAN_JOB = 'IMAGE_SCAN';
export const SCAN_ALL_KIND = 'SCAN_ALL';
/** The report MIME types Harbor accepts by default (X-Accept-Vulnerabilities), first preferred. */
export const DEFAULT_ACCEPT = [VULN_REPORT_MIME, VULN_REPORT_MIME_V10];
/** Harbor's severities, lowest first. */
const SEVERITIES = ['None', 'Unknown', 'Negligible', 'Low', 'Medium', 'High', 'Critical'];
/** The SBOM format Harbor asks adapters for. */
const SPDX_JSON = 'application/spdx+json';
/** The token subject of a scanner's pulls (never a user's or robot's name). */
export const SCANNER_SUBJECT_PREFIX = 'scanner:';

/** A severity's rank, case-insensitive (a project's `severity` is lower case); Unknown for anything else. */
function severityOf(s: string): number {
  const i = SEVERITIES.findIndex((x) => x.toLowerCase() === s.toLowerCase());
  return i < 0 ? 1 : i;
}
/** What Harbor's scan job pulls: images (manifests and indexes). */
const SCANNABLE = new Set<string>([MediaType.ociManifest, MediaType.dockerManifest, MediaType.ociIndex, MediaType.dockerManifestList]);

export interface ScanServiceOptions {
  log: Logger;
  clock?: () => number;
  /** Jobs at once (default 2). */
  concurrency?: number;
  /** The registry URL given to adapters (where they pull from); null while the server is not listening. */
  registryUrl: () => string | null;
  /** A pull-only token for one repository (TokenService.pullToken). */
  pullToken: (subject: string, repository: string, ttlSec: number) => string;
  /** How long an adapter may take for one scan before it is an Error (default 1 h). */
  timeoutMs?: number;
  /** Told when a scan ends (webhooks' SCANNING_COMPLETED / SCANNING_FAILED). */
  onFinished?: (r: ScanReport, overview: Record<string, unknown>) => void;
  /** How often the queue is looked at for scans asked on other replicas and lapsed leases (default 1 s). */
  pollMs?: number;
  /** How long a claimed scan stays this replica's without a renewal (default 15 s). */
  leaseMs?: number;
}

/** Harbor's VulnerabilitySummary of a report: counts per severity and how many have a fix. */
export function summarize(report: unknown): { severity: string; total: number; fixable: number; summary: Record<string, number> } {
  const vulns = Array.isArray((report as { vulnerabilities?: unknown })?.vulnerabilities) ? (report as { vulnerabilities: unknown[] }).vulnerabilities : [];
  const summary: Record<string, number> = {};
  let fixable = 0;
  let top = -1;
  for (const v of vulns) {
    const x = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
    const sev = SEVERITIES[severityOf(typeof x.severity === 'string' ? x.severity : '')];
    summary[sev] = (summary[sev] ?? 0) + 1;
    if (typeof x.fix_version === 'string' && x.fix_version !== '') fixable++;
    top = Math.max(top, SEVERITIES.indexOf(sev));
  }
  return { severity: SEVERITIES[Math.max(top, 0)], total: vulns.length, fixable, summary };
}

/** A scan this replica runs; `why` says what aborted it: a stop, the report gone (or taken by another replica), shutdown. */
interface Run { controller: AbortController; done: Promise<void>; startedAt: number; repository: string; why: 'stop' | 'gone' | 'close' | null }

/** Lease times are wall-clock ISO times (Date.now, as services/locks.ts): replicas compare them. */
const isoIn = (ms: number): string => new Date(Date.now() + ms).toISOString();

export class ScanService {
  private readonly now: () => number;
  private readonly loop: ClaimLoop<ScanReport>;
  private readonly running = new Map<string, Run>();
  /** Woken when a run here ends (scan-all looks at its scans again). */
  private readonly settled = new Set<() => void>();
  private poller: NodeJS.Timeout | undefined;
  private closed = false;
  /** This replica's name on the scans it claims. */
  private readonly owner = randomUUID();

  constructor(
    private readonly stores: Pick<MetaStores, 'scanReports' | 'jobs' | 'artifacts' | 'projects'>,
    private readonly scanners: ScannerService,
    private readonly client: ScannerAdapterClient,
    private readonly opts: ScanServiceOptions,
  ) {
    this.now = opts.clock ?? Date.now;
    this.loop = new ClaimLoop(this.concurrency, (room) => this.claim(room), (r) => this.start(r),
      (e) => opts.log.error('could not claim scan jobs', { error: e }));
  }

  get concurrency(): number {
    return this.opts.concurrency ?? 2;
  }

  private get leaseMs(): number {
    return this.opts.leaseMs ?? DEFAULT_LEASE_MS;
  }

  /**
   * Starts claiming: what a previous run left Pending or Running, what any replica asks, and (every
   * pollMs) what another replica left behind when its lease ran out.
   */
  async resume(): Promise<void> {
    this.poller = setInterval(() => this.loop.kick(), this.opts.pollMs ?? 1000);
    this.poller.unref();
    this.loop.kick();
  }

  /** Whether the IMAGE_SCAN queue is paused, on any replica (read from the store). */
  async isPaused(): Promise<boolean> {
    return (await this.stores.jobs.listPausedQueues()).includes(IMAGE_SCAN_JOB);
  }

  private async claim(room: number): Promise<ScanReport[]> {
    if (this.closed || (await this.isPaused())) return [];
    return this.stores.scanReports.claimReports(this.owner, new Date().toISOString(), isoIn(this.leaseMs), room);
  }

  /** Runs a claimed scan here, renewing its lease every second (at most a third of it) until it ends. */
  private start(r: ScanReport): Promise<void> {
    const entry: Run = { controller: new AbortController(), startedAt: this.now(), repository: r.repository, why: null, done: Promise.resolve() };
    this.running.set(r.uuid, entry);
    const renew = setInterval(() => {
      this.stores.scanReports.renewReport(r.uuid, this.owner, isoIn(this.leaseMs)).then((cur) => {
        if (!cur) this.abort(entry, 'gone');
        else if (cur.stopRequested) this.abort(entry, 'stop');
      }, (e: unknown) => this.opts.log.warn('could not renew the lease of a scan', { report: r.uuid, error: e }));
    }, Math.max(1, Math.min(1000, Math.floor(this.leaseMs / 3))));
    renew.unref();
    if (this.closed) this.abort(entry, 'close'); // claimed while shutting down: its lease ends at once
    else if (r.stopRequested) this.abort(entry, 'stop'); // asked while the replica that ran it died
    entry.done = this.run(r, entry)
      .catch((e: unknown) => this.opts.log.error('scan job failed', { report: r.uuid, error: e }))
      .finally(() => {
        clearInterval(renew);
        this.running.delete(r.uuid);
        for (const wake of this.settled) wake();
      });
    return entry.done;
  }

  private abort(run: Run, why: NonNullable<Run['why']>): void {
    run.why ??= why;
    run.controller.abort();
  }

  /**
   * Asks for a vulnerability scan of one artifact with the project's scanner: PRECONDITION when that
   * scanner cannot scan for vulnerabilities or is disabled, CONFLICT while a scan of it is unfinished.
   */
  async request(projectId: number, repository: string, digest: string, mediaType: string, executionId: number | null = null, start = true): Promise<ScanReport> {
    const reg = await this.scanners.ofProject(projectId);
    if (reg.builtin) {
      throw new HarborError('PRECONDITION', `no available scanner for project: ${projectId}: its scanner ${reg.name} makes SBOMs only (scan_type "sbom"); register a vulnerability scanner (POST /scanners)`);
    }
    if (reg.disabled) throw new HarborError('PRECONDITION', `scanner ${reg.name} is deactivated`);
    if (!SCANNABLE.has(mediaType)) throw new HarborError('BAD_REQUEST', `the configured scanner ${reg.name} does not support scanning artifact with mime type ${mediaType}`);
    const r = await this.stores.scanReports.startReport({ uuid: randomUUID(), repository, digest, registrationUuid: reg.uuid, mimeType: VULN_REPORT_MIME, executionId });
    if (r === null) throw new HarborError('NOT_FOUND', `artifact ${repository.slice(0, 300)}@${digest} not found`);
    if (r === 'running') throw new HarborError('CONFLICT', `a previous scan process is running for ${repository.slice(0, 300)}@${digest}`);
    await this.log(r.uuid, `scan of ${repository}@${digest} queued for scanner ${reg.name} (${reg.url})`);
    if (start) this.loop.kick();
    return r;
  }

  private async log(uuid: string, line: string): Promise<void> {
    await this.stores.scanReports.appendReportLog(uuid, `${new Date(this.now()).toISOString()} ${line}\n`);
  }

  private async run(r: ScanReport, entry: Run): Promise<void> {
    const { uuid } = r;
    const signal = entry.controller.signal;
    if (!r.startTime) await this.stores.scanReports.updateReport(uuid, { startTime: new Date(this.now()).toISOString() });
    let status: ScanReportStatus = 'Error';
    let report: string | undefined;
    try {
      signal.throwIfAborted();
      const endpoint = await this.scanners.endpoint(r.registrationUuid);
      const meta = await this.client.metadata(endpoint);
      const mime = reportMime(meta);
      const doc = await this.onAdapter(endpoint, meta, { repository: r.repository, digest: r.digest, subject: `${SCANNER_SUBJECT_PREFIX}${uuid}` },
        { type: 'vulnerability', produces_mime_types: [mime] }, mime, {
          id: r.scanRequestId, signal, log: (line) => this.log(uuid, line), accepted: (id) => this.stores.scanReports.updateReport(uuid, { scanRequestId: id }),
        });
      const s = summarize(doc);
      report = JSON.stringify(doc);
      await this.log(uuid, `report received: ${s.total} vulnerabilities, ${s.fixable} fixable, severity ${s.severity}`);
      status = 'Success';
    } catch (e) {
      if (!signal.aborted) {
        await this.log(uuid, `failed: ${(e as Error).message}`);
      } else if (entry.why === 'stop') {
        status = 'Stopped';
        await this.log(uuid, 'stopped');
      } else {
        // Shutting down: the lease ends now, so another replica (or the next start) takes it up at
        // once. Gone: the artifact was deleted, or another replica took it over.
        if (entry.why === 'close') await this.stores.scanReports.renewReport(uuid, this.owner, new Date().toISOString());
        return;
      }
    }
    // Only while it is still ours: a replica that stalled past its lease leaves the end to the one that took over.
    if (!(await this.stores.scanReports.renewReport(uuid, this.owner, isoIn(this.leaseMs)))) return;
    const endTime = new Date(this.now()).toISOString();
    if (!(await this.stores.scanReports.updateReport(uuid, { status, endTime, report }))) return; // the artifact went meanwhile
    if (status !== 'Stopped') {
      const done = await this.stores.scanReports.getReport(uuid);
      if (done) this.opts.onFinished?.(done, { [done.mimeType]: await this.overviewOf(done) });
    }
  }

  /**
   * One scan on an adapter: submits it (unless `id` says it was accepted before a restart), giving
   * the adapter our registry's URL and a pull-only token for the repository, then polls the report
   * (302 + Refresh-After) until it is there or the time is up.
   */
  private async onAdapter(endpoint: AdapterEndpoint, meta: AdapterMetadata, art: { repository: string; digest: string; subject: string },
    capability: ScanRequest['enabled_capabilities'][number], mime: string,
    o: { id: string | null; signal?: AbortSignal; log(line: string): Promise<void>; accepted(id: string): Promise<unknown>; query?: string }): Promise<unknown> {
    let id = o.id;
    const timeoutMs = this.opts.timeoutMs ?? 3600_000;
    if (!id) {
      const base = this.opts.registryUrl();
      if (!base) throw new Error('the registry is not listening: there is no URL for the scanner to pull from');
      const m = await this.stores.artifacts.getArtifact(art.repository, art.digest);
      if (!m) throw new Error('the artifact is gone');
      id = await this.client.scan(endpoint, {
        registry: { url: base, authorization: `Bearer ${this.opts.pullToken(art.subject, art.repository, Math.ceil(timeoutMs / 1000))}` },
        artifact: { repository: art.repository, digest: art.digest, mime_type: m.mediaType, size: m.size, ...(m.tags[0] ? { tag: m.tags[0].name } : {}) },
        enabled_capabilities: [capability],
      }, o.signal);
      await o.accepted(id);
      await o.log(`${meta.scanner.name} ${meta.scanner.version} accepted the scan as ${id}; waiting for its report (${mime})`);
    } else {
      await o.log(`resumed: waiting for the report of scan ${id}`);
    }
    const deadline = this.now() + timeoutMs;
    for (;;) {
      const poll = await this.client.report(endpoint, id, mime, o.signal, o.query);
      if (poll.ready) return poll.report;
      if (this.now() >= deadline) throw new Error(`the scanner gave no report within ${Math.round(timeoutMs / 1000)} s`);
      await sleep(Math.min(60_000, Math.max(200, poll.retryAfterSec * 1000)), o.signal ?? new AbortController().signal);
    }
  }

  /**
   * The SPDX SBOM of an image from the project's scanner, when that is an adapter with the sbom
   * capability (Harbor asks SPDX JSON only: sbom_media_types, ?sbom_media_type=); null when the
   * project scans with the built-in generator. Called by the SBOM service's job.
   */
  async sbomDocument(projectId: number, repository: string, digest: string): Promise<{ document: Buffer; scanner: string } | null> {
    const reg = await this.scanners.ofProject(projectId);
    if (reg.builtin || reg.disabled) return null;
    const endpoint = await this.scanners.endpoint(reg.uuid);
    const meta = await this.client.metadata(endpoint);
    if (!meta.capabilities.some((c) => c.type === 'sbom' && c.produces_mime_types.includes(SBOM_REPORT_MIME))) return null;
    const report = await this.onAdapter(endpoint, meta, { repository, digest, subject: `${SCANNER_SUBJECT_PREFIX}sbom-${randomUUID()}` },
      { type: 'sbom', produces_mime_types: [SBOM_REPORT_MIME], parameters: { sbom_media_types: [SPDX_JSON] } }, SBOM_REPORT_MIME,
      { id: null, log: async (line) => this.opts.log.info(line, { repository, digest }), accepted: async () => undefined, query: `sbom_media_type=${encodeURIComponent(SPDX_JSON)}` });
    const sbom = (report as { sbom?: unknown }).sbom;
    if (typeof sbom !== 'object' || sbom === null || Array.isArray(sbom)) throw new Error(`${meta.scanner.name}'s SBOM report has no "sbom" document`);
    return { document: Buffer.from(JSON.stringify(sbom)), scanner: `${meta.scanner.name} ${meta.scanner.version}` };
  }

  /** Stops the unfinished scan of an artifact: BAD_REQUEST when there is none (Harbor's answer). */
  async stop(repository: string, digest: string): Promise<void> {
    const r = await this.stores.scanReports.latestReport(repository, digest, VULN_REPORT_MIME);
    if (!r || (r.status !== 'Pending' && r.status !== 'Running')) throw new HarborError('BAD_REQUEST', `no scan job for artifact digest=${digest}`);
    await this.stopReport(r.uuid);
  }

  /**
   * Stops a scan: one running here at once; a Pending one is Stopped before any replica claims it;
   * one running on another replica is flagged, and that replica stops it within a second.
   */
  private async stopReport(uuid: string): Promise<void> {
    const run = this.running.get(uuid);
    if (run) {
      this.abort(run, 'stop');
      await run.done;
      return;
    }
    if ((await this.stores.scanReports.stopReport(uuid, new Date(this.now()).toISOString())) === 'stopped') {
      await this.log(uuid, 'stopped before it started');
    }
  }

  /** A report's log, when the report belongs to this artifact; null otherwise. */
  async reportLog(repository: string, digest: string, reportId: string): Promise<string | null> {
    const r = await this.stores.scanReports.getReport(reportId);
    if (!r || r.repository !== repository || r.digest !== digest) return null;
    return this.stores.scanReports.getReportLog(reportId);
  }

  /** A report's log by its id (/jobservice/jobs/{id}/log); null when there is no such report. */
  async logOf(reportId: string): Promise<string | null> {
    return this.stores.scanReports.getReportLog(reportId);
  }

  /** The latest report in the first accepted MIME type there is one for. */
  private async latest(repository: string, digest: string, accept: string[]): Promise<ScanReport | null> {
    for (const mime of accept) {
      // Reports are asked in v1.1; a v1.0 reader gets the same summary.
      const r = await this.stores.scanReports.latestReport(repository, digest, mime === VULN_REPORT_MIME_V10 ? VULN_REPORT_MIME : mime);
      if (r) return r;
    }
    return null;
  }

  private async overviewOf(r: ScanReport): Promise<Record<string, unknown>> {
    const o: Record<string, unknown> = { report_id: r.uuid, scan_status: r.status, complete_percent: r.status === 'Success' ? 100 : 0 };
    if (r.startTime) o.start_time = r.startTime;
    if (r.endTime) o.end_time = r.endTime;
    if (r.startTime && r.endTime) o.duration = Math.max(0, Math.round((Date.parse(r.endTime) - Date.parse(r.startTime)) / 1000));
    const reg = await this.scanners.find(r.registrationUuid).catch(() => null);
    const doc = r.report ? JSON.parse(r.report) as { scanner?: unknown } : null;
    const sc = doc?.scanner as { name?: unknown; vendor?: unknown; version?: unknown } | undefined;
    o.scanner = { name: typeof sc?.name === 'string' ? sc.name : reg?.name ?? '', vendor: typeof sc?.vendor === 'string' ? sc.vendor : '', version: typeof sc?.version === 'string' ? sc.version : '' };
    if (doc) {
      const s = summarize(doc);
      o.severity = s.severity;
      o.summary = { total: s.total, fixable: s.fixable, summary: s.summary };
    }
    return o;
  }

  /** Harbor's scan_overview: `{<mime>: NativeReportSummary}`, null when the artifact was never scanned. */
  async overview(repository: string, digest: string, accept: string[] = DEFAULT_ACCEPT): Promise<Record<string, unknown> | null> {
    const r = await this.latest(repository, digest, accept);
    if (!r) return null;
    const mime = accept.find((m) => m === r.mimeType || (m === VULN_REPORT_MIME_V10 && r.mimeType === VULN_REPORT_MIME)) ?? r.mimeType;
    return { [mime]: await this.overviewOf(r) };
  }

  /** The `vulnerabilities` addition: `{<mime>: report}` of the latest finished report, `{}` when there is none. */
  async vulnerabilities(repository: string, digest: string, accept: string[] = DEFAULT_ACCEPT): Promise<Record<string, unknown>> {
    const r = await this.latest(repository, digest, accept);
    if (!r?.report) return {};
    const mime = accept.find((m) => m === r.mimeType || (m === VULN_REPORT_MIME_V10 && r.mimeType === VULN_REPORT_MIME)) ?? r.mimeType;
    return { [mime]: JSON.parse(r.report) as unknown };
  }

  /**
   * Harbor's vulnerability prevention on pull (middleware/vulnerable): in a project with prevent_vul,
   * refuses (412 PROJECTPOLICYVIOLATION) an image its scanner could scan but has no report for, one
   * whose scan did not succeed, and one with a vulnerability of the project's `severity` or higher
   * that the effective CVE allowlist (the project's, or the system's with reuse_sys_cve_allowlist;
   * none once expired) does not exempt. The scanner's own pulls and image indexes pass.
   */
  async checkVulnerable(project: Project, repository: string, digest: string, mediaType: string, puller: string): Promise<void> {
    if (project.metadata.prevent_vul !== 'true' || puller.startsWith(SCANNER_SUBJECT_PREFIX) || isIndexMediaType(mediaType)) return;
    const threshold = severityOf(project.metadata.severity ?? '');
    const policy = `'Prevent images with vulnerability severity of "${SEVERITIES[threshold]}" or higher from running.'`;
    const r = await this.stores.scanReports.latestReport(repository, digest, VULN_REPORT_MIME);
    if (!r) {
      const reg = await this.scanners.ofProject(project.id);
      if (reg.builtin || reg.disabled || !SCANNABLE.has(mediaType)) return;
      throw new HarborError('PROJECTPOLICYVIOLATION', `current image without vulnerability scanning cannot be pulled due to configured policy in ${policy} To continue with pull, please contact your project administrator for help.`);
    }
    if (r.status !== 'Success' || !r.report) {
      throw new HarborError('PROJECTPOLICYVIOLATION', `current image with "${r.status}" status of vulnerability scanning cannot be pulled due to configured policy in ${policy} To continue with pull, please contact your project administrator for help.`);
    }
    const list = await this.stores.projects.getCveAllowlist(project.metadata.reuse_sys_cve_allowlist === 'true' ? 0 : project.id);
    const now = Math.floor(this.now() / 1000);
    const allowed = new Set(list && (list.expiresAt === null || list.expiresAt > now) ? list.items : []);
    const vulns = (JSON.parse(r.report) as { vulnerabilities?: unknown }).vulnerabilities;
    const count = (Array.isArray(vulns) ? vulns : []).filter((v) => {
      const x = (typeof v === 'object' && v !== null ? v : {}) as { id?: unknown; severity?: unknown };
      return !(typeof x.id === 'string' && allowed.has(x.id)) && severityOf(typeof x.severity === 'string' ? x.severity : '') >= threshold;
    }).length;
    if (count > 0) {
      throw new HarborError('PROJECTPOLICYVIOLATION', `current image with ${count} ${count > 1 ? 'vulnerabilities' : 'vulnerability'} cannot be pulled due to configured policy in ${policy} To continue with pull, please contact your project administrator to exempt matched vulnerabilities through configuring the CVE allowlist.`);
    }
  }

  /** The scan-all job (scheduler kind SCAN_ALL): a scan of every image, then waits for them all. */
  async scanAll(ctx: JobContext): Promise<Record<string, unknown>> {
    const started: string[] = [];
    for (const repo of await this.stores.artifacts.listAllRepositories(null)) {
      for (const a of await this.stores.artifacts.listArtifacts(repo.name)) {
        if (ctx.signal.aborted) break;
        // Images only: not accessories (an SBOM or a signature has a subject), not other artifacts.
        const v = viewArtifact(a);
        if (v.type !== 'IMAGE' || (parseStoredJson(a.content.toString('utf8')) as { subject?: unknown } | null)?.subject) continue;
        try {
          started.push((await this.request(repo.projectId, repo.name, a.digest, a.mediaType, ctx.execution.id, false)).uuid);
        } catch (e) {
          await ctx.log(`${repo.name}@${a.digest}: ${(e as Error).message}`);
        }
      }
    }
    // Every report exists before the first scan starts: the metrics count them all from then on.
    this.loop.kick();
    await ctx.log(`${started.length} scans asked for`);
    // They run on any replica: wait until none is Pending or Running, looking again whenever a run
    // here ends and every pollMs.
    while (!ctx.signal.aborted) {
      const by = await this.stores.scanReports.countReportsByExecution(ctx.execution.id);
      if (!by.Pending && !by.Running) break;
      await this.settle(ctx.signal);
    }
    if (ctx.signal.aborted) {
      // Stopped by a user: its scans stop too. Shut down: they stay queued for the next start.
      if (!this.closed) for (const u of started) await this.stopReport(u).catch(() => undefined);
      throw new JobStopped();
    }
    return { total: started.length };
  }

  /** Resolves when a run here ends, after pollMs, or when `signal` aborts. */
  private settle(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.settled.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      const timer = setTimeout(wake, this.opts.pollMs ?? 1000);
      this.settled.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  /** Harbor's Stats of a scan-all execution. */
  async scanAllStats(executionId: number, running: boolean, trigger: string): Promise<Record<string, unknown>> {
    const by = await this.stores.scanReports.countReportsByExecution(executionId);
    const total = Object.values(by).reduce((a, b) => a + (b ?? 0), 0);
    const completed = (by.Success ?? 0) + (by.Error ?? 0) + (by.Stopped ?? 0);
    return { total, completed, metrics: by, ongoing: running, trigger };
  }

  /** The scans running on this replica (its /jobservice workers). */
  runningJobs(): { id: string; repository: string; startedAt: number }[] {
    return [...this.running.entries()].map(([id, r]) => ({ id, repository: r.repository, startedAt: r.startedAt }));
  }

  /** How many scans wait to be claimed, on every replica. */
  async waiting(): Promise<number> {
    return (await this.stores.scanReports.listUnfinishedReports()).filter((r) => r.status === 'Pending').length;
  }

  /** Pauses or resumes claiming on every replica (kept in the store, across restarts). */
  async setPaused(paused: boolean): Promise<void> {
    await this.stores.jobs.setQueuePaused(IMAGE_SCAN_JOB, paused);
    if (!paused) this.loop.kick();
  }

  /** Stops every waiting job (/jobservice/queues/IMAGE_SCAN stop). */
  async stopPending(): Promise<void> {
    for (const r of await this.stores.scanReports.listUnfinishedReports()) if (r.status === 'Pending') await this.stopReport(r.uuid);
  }

  /** Stops a running job by report id, on whichever replica runs it; false when it is not Running. */
  async stopRunning(uuid: string): Promise<boolean> {
    if ((await this.stores.scanReports.getReport(uuid))?.status !== 'Running') return false;
    await this.stopReport(uuid);
    return true;
  }

  /** Stops every running job, on every replica. */
  async stopAllRunning(): Promise<void> {
    for (const r of await this.stores.scanReports.listUnfinishedReports()) if (r.status === 'Running') await this.stopReport(r.uuid);
  }

  /**
   * Resolves once this replica has nothing running and nothing it could claim (tests): no Pending
   * scan, no Running one with a lapsed lease, unless the queue is paused.
   */
  async idle(): Promise<void> {
    for (;;) {
      await this.loop.idle();
      if (this.closed || (await this.isPaused())) return;
      const now = new Date().toISOString();
      const due = (await this.stores.scanReports.listUnfinishedReports()).some((r) => r.status === 'Pending' || (r.leaseUntil ?? '') <= now);
      if (!due) return;
      this.loop.kick();
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Stops claiming; running jobs stay Running with their lease ended, for another replica or the next start. */
  async close(): Promise<void> {
    this.closed = true;
    this.loop.close();
    clearInterval(this.poller);
    const runs = [...this.running.values()];
    for (const r of runs) this.abort(r, 'close');
    await Promise.all(runs.map((r) => r.done));
    await this.loop.idle();
  }
}

/** The report MIME type to ask for: v1.1 when the adapter produces it, else v1.0; NOT a vulnerability scanner otherwise. */
function reportMime(meta: AdapterMetadata): string {
  const produced = meta.capabilities.filter((c) => c.type === 'vulnerability').flatMap((c) => c.produces_mime_types);
  if (produced.includes(VULN_REPORT_MIME)) return VULN_REPORT_MIME;
  if (produced.includes(VULN_REPORT_MIME_V10)) return VULN_REPORT_MIME_V10;
  throw new Error(`${meta.scanner.name} produces no vulnerability report Harbor reads (${VULN_REPORT_MIME})`);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new JobStopped());
    const t = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = (): void => { clearTimeout(t); reject(new JobStopped()); };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export type { ScannerView };
