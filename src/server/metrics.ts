// /metrics in Prometheus' text format, on prom-client, under the names Harbor's dashboards query:
// Harbor core's request metrics (src/lib/metric/collector.go, namespace harbor, subsystem core),
// its exporter's gauges (src/pkg/exporter/*_collector.go), its job service's task metrics, and
// Distribution's registry_http_* (docker/go-metrics, one `handler` per route). Ours are harborctl_*.
//
// Per request: labels from small fixed sets (the method, the status code, and the route's name or
// template, never a path or a repository name), counted in plain numbers by RequestSeries: two Map
// lookups per series, a status-code count, sum and count, a histogram bucket found among 13 bounds,
// and for the summary a Math.log into a log-scale histogram per 2-minute age bucket
// (core/quantiles.ts: quantiles within 1% over client_golang's 10-minute window). prom-client reads
// them at scrape time through metric objects of its Registry that write what its Counter, Histogram
// and Summary would (test/unit/metrics.test.ts compares the two). On prom-client itself the same
// bookkeeping was label hashing for two counters and a histogram, and a summary pushing each value
// into five t-digests: requestEnded took 3.3-3.8 µs of CPU, now 0.27-0.36 µs, of which ~0.1 µs is
// registryHandler's regex and ~0.1 µs RequestSeries.add (1e6 calls of a manifest-GET mix with
// 0.2-5 ms durations, prom-client loaded, 3 runs each, alternating, load average ~5, 2026-12-06).
// Everything read from the database is read at scrape time (services/metrics.ts), on a listener
// of its own (serve --metrics-listen).
//
// prom-client (with @opentelemetry/api, ~90 modules, ~45 ms of CPU to import) loads at the first
// scrape, not at start; the requests served before it are counted all the same.
import http from 'node:http';
import type { Counter, Gauge, Metric, Registry } from 'prom-client';
import { inChunks } from '../core/chunks.js';
import { processStats, type ProcessStats } from '../core/process-stats.js';
import { WindowedQuantiles } from '../core/quantiles.js';
import type { Logger } from '../core/log.js';
import { MAX_PROJECT_SERIES, type InventoryService } from '../services/metrics.js';
import type { Project } from '../storage/meta/index.js';
import type { RequestContext } from './context.js';
import { ROUTE } from './registry/routes.js';

export interface MetricsSources {
  inventory: InventoryService;
  /** The SBOM generation queue (SbomService.queueStats). */
  sbomQueue: () => { waiting: number; succeeded: number; failed: number };
  /** As systeminfo reports it. */
  harborVersion: string;
  log: Logger;
}

/** Methods node's parser accepts that we name; any other is counted as OTHER (bounded labels). */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const LOWER_CASE = new Map([...METHODS, 'OTHER'].map((m) => [m, m.toLowerCase()]));
/** The summary's quantiles, as Harbor's. */
const QUANTILES = [0.5, 0.9, 0.99];
/** Distribution's route names (its handler label) → Harbor core's operation for the same request. */
const REGISTRY_OPERATION: Record<string, string> = {
  base: 'v2_others', catalog: 'v2_catalog', tags: 'v2_tags', manifest: 'v2_manifest', blob: 'v2_blob',
  blob_upload: 'v2_blob_upload', blob_upload_chunk: 'v2_blob_upload', referrers: 'v2_referrers',
};
/** Metrics formatted per event loop turn of a scrape (~25 µs each; the event loop lag's ~0.3 ms). */
export const METRICS_PER_TURN = 8;
/** docker/go-metrics' default duration buckets (registry_http_request_duration_seconds). */
const REGISTRY_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60];

/** Distribution's route name for a /v2 path, from its end as the router matches it; undefined: no route. */
export function registryHandler(path: string): string | undefined {
  if (path === '/v2/' || path === '/v2') return 'base';
  if (path === '/v2/_catalog') return 'catalog';
  const m = ROUTE.exec(path);
  if (!m) return undefined;
  if (m[2] !== undefined) return m[2] === '' ? 'blob_upload' : 'blob_upload_chunk';
  return m[3] === 'blobs' ? 'blob' : m[3] === 'manifests' ? 'manifest' : m[3] === 'referrers' ? 'referrers' : 'tags';
}

/** Cells keyed by two label values, in Maps (a label value is never an object key, `__proto__` is a value like any other). */
class Series<T> {
  private readonly rows = new Map<string, Map<string, T>>();
  constructor(private readonly create: () => T) {}

  get(a: string, b: string): T {
    let row = this.rows.get(a);
    if (row === undefined) this.rows.set(a, (row = new Map()));
    let cell = row.get(b);
    if (cell === undefined) row.set(b, (cell = this.create()));
    return cell;
  }

  *entries(): Generator<[string, string, T]> {
    for (const [a, row] of this.rows) for (const [b, cell] of row) yield [a, b, cell];
  }
}

/** One operation and method: requests per status code, and their durations. */
interface CoreCell { codes: Map<number, number>; sum: number; count: number; window: WindowedQuantiles }
/** One Distribution handler and method (lower case): requests per status code, and the histogram's counts. */
interface RegistryCell { codes: Map<number, number>; sum: number; count: number; buckets: Float64Array }

/** The request series, counted as plain numbers; prom-client reads them at scrape time. */
export class RequestSeries {
  /** `now`: the clock the summary's window is read with at scrape time, in seconds (add() is given the same). */
  constructor(readonly now: () => number = () => Number(process.hrtime.bigint()) / 1e9) {}

  readonly core = new Series<CoreCell>(() => ({ codes: new Map(), sum: 0, count: 0, window: new WindowedQuantiles() }));
  readonly registry = new Series<RegistryCell>(() => ({ codes: new Map(), sum: 0, count: 0, buckets: new Float64Array(REGISTRY_DURATION_BUCKETS.length) }));

  /** Counts one request; `now`: seconds on the clock this.now reads. */
  add(method: string, status: number, operation: string, handler: string | undefined, seconds: number, now: number): void {
    const core = this.core.get(operation, method);
    core.codes.set(status, (core.codes.get(status) ?? 0) + 1);
    core.sum += seconds;
    core.count++;
    core.window.observe(seconds, now);
    if (handler === undefined) return;
    // promhttp (which Distribution uses) writes the method in lower case.
    const reg = this.registry.get(handler, LOWER_CASE.get(method) ?? method.toLowerCase());
    reg.codes.set(status, (reg.codes.get(status) ?? 0) + 1);
    reg.sum += seconds;
    reg.count++;
    // The first bucket whose bound is ≥ the value; above the last one, only +Inf (the count) has it.
    let b = 0;
    while (b < REGISTRY_DURATION_BUCKETS.length && seconds > REGISTRY_DURATION_BUCKETS[b]) b++;
    if (b < REGISTRY_DURATION_BUCKETS.length) reg.buckets[b]++;
  }
}

export class ServerMetrics {
  private prom: PromMetrics | undefined;
  private loading: Promise<PromMetrics> | undefined;
  private inflight = 0;

  constructor(private readonly src: MetricsSources, readonly requests = new RequestSeries()) {}

  requestStarted(): void {
    this.inflight++;
  }

  /** Counts a finished (or abandoned) request; `started` is its process.hrtime.bigint(). */
  requestEnded(ctx: RequestContext, status: number, started: bigint): void {
    this.inflight--;
    const now = process.hrtime.bigint();
    const method = METHODS.has(ctx.method) ? ctx.method : 'OTHER';
    const handler = ctx.family === 'registry' ? registryHandler(ctx.path) : undefined;
    const operation = handler !== undefined ? REGISTRY_OPERATION[handler] : ctx.family === 'registry' ? 'v2_others' : ctx.route ?? 'unknown';
    this.requests.add(method, status, operation, handler, Number(now - started) / 1e9, Number(now) / 1e9);
  }

  /** A manifest GET (Harbor's pull count). */
  notePull(project: Project): void {
    this.src.inventory.notePull(project);
  }

  /** The exposition text, with the database's figures read (or taken from the short cache) now. */
  async render(): Promise<string> {
    return (await this.load()).render(this.inflight);
  }

  /** The exposition format's Content-Type (known once render() has run). */
  get contentType(): string {
    return this.prom!.registry.contentType;
  }

  private load(): Promise<PromMetrics> {
    this.loading ??= import('prom-client').then((lib) => (this.prom = new PromMetrics(lib, this.src, this.requests)), (e: unknown) => {
      this.loading = undefined;
      throw e;
    });
    return this.loading;
  }
}

type Value = { labels: Record<string, string | number>; value: number; metricName?: string };

/** A metric as prom-client's Registry takes one: its values are read from our own figures at scrape time. */
function metric(name: string, help: string, type: 'counter' | 'gauge' | 'summary' | 'histogram', values: () => Value[]): Metric {
  const get = async () => ({ name, help, type, aggregator: 'sum', values: values() });
  return { name, help, type, aggregator: 'sum', get } as unknown as Metric;
}

/** The request series as prom-client's Registry takes a metric: what its Counter, Histogram and Summary would write. */
function requestMetrics(requests: RequestSeries): Metric[] {
  const coreDuration = 'harbor_core_http_request_duration_seconds';
  const registryDuration = 'registry_http_request_duration_seconds';
  return [
    metric('harbor_core_http_request_total', 'The total number of requests', 'counter', () => {
      const values: Value[] = [];
      for (const [operation, method, cell] of requests.core.entries()) {
        for (const [code, value] of cell.codes) values.push({ labels: { method, code: String(code), operation }, value });
      }
      return values;
    }),
    // A summary, as Harbor's (its dashboards query the quantiles), over client_golang's default 10-minute window.
    metric(coreDuration, 'The time duration of the requests', 'summary', () => {
      const values: Value[] = [];
      const now = requests.now();
      for (const [operation, method, cell] of requests.core.entries()) {
        const labels = { method, operation };
        cell.window.quantiles(QUANTILES, now).forEach((value, i) => values.push({ labels: { quantile: QUANTILES[i], ...labels }, value }));
        values.push({ metricName: `${coreDuration}_sum`, labels, value: cell.sum }, { metricName: `${coreDuration}_count`, labels, value: cell.count });
      }
      return values;
    }),
    metric('registry_http_requests_total', 'Total number of HTTP requests made.', 'counter', () => {
      const values: Value[] = [];
      for (const [handler, method, cell] of requests.registry.entries()) {
        for (const [code, value] of cell.codes) values.push({ labels: { handler, code: String(code), method }, value });
      }
      return values;
    }),
    metric(registryDuration, 'The HTTP request latencies in seconds.', 'histogram', () => {
      const values: Value[] = [];
      for (const [handler, method, cell] of requests.registry.entries()) {
        let acc = 0;
        REGISTRY_DURATION_BUCKETS.forEach((le, i) => {
          acc += cell.buckets[i];
          values.push({ metricName: `${registryDuration}_bucket`, labels: { le, handler, method }, value: acc });
        });
        values.push(
          { metricName: `${registryDuration}_bucket`, labels: { le: '+Inf', handler, method }, value: cell.count },
          { metricName: `${registryDuration}_sum`, labels: { handler, method }, value: cell.sum },
          { metricName: `${registryDuration}_count`, labels: { handler, method }, value: cell.count },
        );
      }
      return values;
    }),
  ];
}

/**
 * The process collector's series (client_golang's names, which Harbor's components export, and
 * prom-client's for CPU by mode and V8's heap), from one processStats() per scrape: `now()` gives the
 * scrape's. In place of prom-client's collectDefaultMetrics, which under load made each scrape of a
 * busy server cost 3-6 % more CPU per manifest GET while scraped every second, and nothing measurable
 * without it (same process, scraping on and off in alternate rounds, 2026-12-07): it reads each of
 * its ~35 metrics on its own (the event-loop delay histogram 8 times, /proc/self/status 3 times) and
 * keeps a GC observer and a 100 Hz event-loop timer running between scrapes.
 */
function processMetrics(now: () => ProcessStats): Metric[] {
  const startTime = Math.round(Date.now() / 1000 - process.uptime());
  const [major, minor, patch] = process.versions.node.split('.');
  const one = (v: number | undefined): Value[] => (v === undefined ? [] : [{ labels: {}, value: v }]);
  return [
    metric('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', 'counter', () => one(now().cpuUserSeconds)),
    metric('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.', 'counter', () => one(now().cpuSystemSeconds)),
    metric('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', 'counter', () => one(now().cpuUserSeconds + now().cpuSystemSeconds)),
    metric('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', 'gauge', () => one(startTime)),
    metric('process_resident_memory_bytes', 'Resident memory size in bytes.', 'gauge', () => one(now().residentBytes)),
    metric('process_virtual_memory_bytes', 'Virtual memory size in bytes.', 'gauge', () => one(now().virtualBytes)),
    metric('process_open_fds', 'Number of open file descriptors.', 'gauge', () => one(now().openFds)),
    metric('process_max_fds', 'Maximum number of open file descriptors.', 'gauge', () => one(now().maxFds)),
    metric('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', 'gauge', () => one(now().heapTotalBytes)),
    metric('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', 'gauge', () => one(now().heapUsedBytes)),
    metric('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', 'gauge', () => one(now().externalBytes)),
    metric('nodejs_version_info', 'Node.js version info.', 'gauge', () => [{ labels: { version: process.version, major, minor, patch }, value: 1 }]),
  ];
}

/** The series, on prom-client. */
class PromMetrics {
  readonly registry: Registry;
  private readonly inflight: Gauge;
  private readonly projectTotal: Gauge<'public'>;
  private readonly projectRepoTotal: Gauge<'project_name' | 'public'>;
  private readonly projectQuotaUsage: Gauge<'project_name'>;
  private readonly projectQuota: Gauge<'project_name'>;
  private readonly artifactPulled: Gauge<'project_name'>;
  private readonly projectsOmitted: Gauge;
  private readonly uploadSessions: Gauge;
  private readonly health: Gauge;
  private readonly up: Gauge<'component'>;
  private readonly taskQueueSize: Gauge<'type'>;
  private readonly taskTotal: Counter<'type' | 'status'>;
  /** The process's figures for the scrape under way (read at its start). */
  private process: ProcessStats = processStats();

  constructor(lib: typeof import('prom-client'), private readonly src: MetricsSources, requests: RequestSeries) {
    const { Counter, Gauge, Registry } = lib;
    this.registry = new Registry();
    const registers = [this.registry];
    for (const m of processMetrics(() => this.process)) this.registry.registerMetric(m);
    this.inflight = new Gauge({ name: 'harbor_core_http_inflight_requests', help: 'The total number of requests', registers });
    for (const m of requestMetrics(requests)) this.registry.registerMetric(m);
    this.projectTotal = new Gauge({ name: 'harbor_project_total', help: 'Total projects number', labelNames: ['public'], registers });
    this.projectRepoTotal = new Gauge({ name: 'harbor_project_repo_total', help: 'Total project repos number', labelNames: ['project_name', 'public'], registers });
    this.projectQuotaUsage = new Gauge({ name: 'harbor_project_quota_usage_byte', help: 'The used resource of a project', labelNames: ['project_name'], registers });
    this.projectQuota = new Gauge({ name: 'harbor_project_quota_byte', help: 'The quota of a project', labelNames: ['project_name'], registers });
    this.artifactPulled = new Gauge({ name: 'harbor_artifact_pulled', help: 'The pull number of an artifact', labelNames: ['project_name'], registers });
    this.projectsOmitted = new Gauge({ name: 'harborctl_metrics_projects_omitted', help: `Projects without per-project series: only the ${MAX_PROJECT_SERIES} using the most storage have them`, registers });
    this.uploadSessions = new Gauge({ name: 'harborctl_upload_sessions', help: 'Blob upload sessions open (started, neither finished nor abandoned)', registers });
    this.health = new Gauge({ name: 'harbor_health', help: 'Running status of Harbor', registers });
    this.up = new Gauge({ name: 'harbor_up', help: 'Running status of harbor component', labelNames: ['component'], registers });
    this.taskQueueSize = new Gauge({ name: 'harbor_task_queue_size', help: 'Total number of tasks', labelNames: ['type'], registers });
    this.taskTotal = new Counter({ name: 'harbor_jobservice_task_total', help: 'The number of processed tasks', labelNames: ['type', 'status'], registers });
    new Gauge({ name: 'harbor_system_info', help: 'Information of Harbor system', labelNames: ['auth_mode', 'harbor_version', 'self_registration'], registers })
      .set({ auth_mode: 'db_auth', harbor_version: src.harborVersion, self_registration: 'false' }, 1);
  }

  async render(inflight: number): Promise<string> {
    this.process = processStats();
    this.inflight.set(inflight);
    let database = 1;
    try {
      const inv = await this.src.inventory.snapshot();
      this.projectTotal.set({ public: 'true' }, inv.publicProjects);
      this.projectTotal.set({ public: 'false' }, inv.privateProjects);
      for (const g of [this.projectRepoTotal, this.projectQuotaUsage, this.projectQuota, this.artifactPulled]) g.reset();
      for (const p of inv.projects) {
        const project_name = p.name;
        this.projectRepoTotal.set({ project_name, public: String(p.public) }, p.repoCount);
        this.projectQuotaUsage.set({ project_name }, p.quotaUsed);
        this.projectQuota.set({ project_name }, p.quotaLimit);
        this.artifactPulled.set({ project_name }, p.pulls);
      }
      this.projectsOmitted.set(inv.omittedProjects);
      this.uploadSessions.set(inv.uploadSessions);
    } catch (e) {
      // What the database would say is left out; harbor_up says why.
      database = 0;
      this.src.log.warn('metrics: reading the database failed', { error: e instanceof Error ? e.message : String(e) });
    }
    this.health.set(database);
    this.up.set({ component: 'core' }, 1);
    this.up.set({ component: 'database' }, database);
    this.up.set({ component: 'registry' }, 1);
    const sbom = this.src.sbomQueue();
    this.taskQueueSize.set({ type: 'SBOM' }, sbom.waiting);
    this.taskTotal.reset();
    this.taskTotal.inc({ type: 'SBOM', status: 'success' }, sbom.succeeded);
    this.taskTotal.inc({ type: 'SBOM', status: 'fail' }, sbom.failed);
    // registry.metrics() formats all ~50 metrics in one turn (1.2 ms back to back, 2-9 ms in a server
    // under load, measured 2026-12-06): a few per turn instead, joined as it joins them.
    const metrics = this.registry.getMetricsAsArray();
    const parts: string[] = new Array<string>(metrics.length);
    await inChunks(metrics.length, METRICS_PER_TURN, async (start, end) => {
      for (let i = start; i < end; i++) parts[i] = await this.registry.getSingleMetricAsString(metrics[i].name);
    });
    return `${parts.join('\n\n')}\n`;
  }
}

/**
 * The metrics listener: GET /metrics and nothing else. Plain HTTP; who may connect is decided by
 * the address it listens on (loopback by default).
 */
export function createMetricsServer(metrics: ServerMetrics, log: Logger): http.Server {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const text = (status: number, body: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (path !== '/metrics') return text(404, 'not found: the metrics are at /metrics\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    metrics.render().then((body) => {
      res.writeHead(200, { 'Content-Type': metrics.contentType, 'Content-Length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    }, (e: unknown) => {
      log.error('metrics scrape failed', { error: e });
      if (!res.headersSent) text(500, 'metrics scrape failed\n');
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return server;
}
