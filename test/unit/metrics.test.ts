// /metrics without a server: hostile project names, the cap on per-project series, the database
// failing, and request labels that never take a path.
import { expect, it } from 'vitest';
import { createLogger } from '../../src/core/log.js';
import { QUANTILE_RELATIVE_ERROR } from '../../src/core/quantiles.js';
import type { RequestContext } from '../../src/server/context.js';
import { METRICS_PER_TURN, registryHandler, ServerMetrics } from '../../src/server/metrics.js';
import { InventoryService } from '../../src/services/metrics.js';
import type { MetaStores, Project } from '../../src/storage/meta/index.js';

type InventoryStores = ConstructorParameters<typeof InventoryService>[0];
import { expectPromtoolAccepts, HARBOR_NAME_LINT, nearestRank, prng, promtoolCheck, sample } from '../helpers/metrics.js';

function project(id: number, name: string, storageUsed = 0): Project {
  return { id, name, public: false, ownerId: null, storageLimit: -1, storageUsed, metadata: {}, registryId: null, createdAt: '', updatedAt: '' };
}

/** The three store reads the inventory makes, over a fixed list of projects. */
function fakeStore(projects: Project[], opts: { failing?: boolean } = {}): InventoryStores {
  return {
    projects: { listProjects: async () => { if (opts.failing) throw new Error('database is locked'); return projects; } },
    artifacts: { listProjectRepositories: async () => [] },
    uploads: { listUploadsBefore: async () => [] },
  } as unknown as Pick<MetaStores, 'projects' | 'artifacts' | 'uploads'>;
}

function metricsOver(store: InventoryStores, maxProjects?: number): { metrics: ServerMetrics; inventory: InventoryService; logs: string[] } {
  const logs: string[] = [];
  const inventory = new InventoryService(store, { ttlMs: 0, maxProjects });
  const metrics = new ServerMetrics({
    inventory, sbomQueue: () => ({ waiting: 0, succeeded: 0, failed: 0 }), harborVersion: 'harborctl-test',
    log: createLogger('info', { write: (s: string) => { logs.push(s); } }),
  });
  return { metrics, inventory, logs };
}

it('escapes label values taken from project names, and promtool parses the result', async () => {
  const names = ['quo"te', 'back\\slash', 'new\nline', '__proto__', 'constructor'];
  const { metrics, inventory } = metricsOver(fakeStore(names.map((n, i) => project(i + 1, n))));
  inventory.notePull(project(4, '__proto__'));
  const text = await metrics.render();
  expect(sample(text, 'harbor_project_quota_byte{project_name="quo\\"te"}')).toBe(-1);
  expect(sample(text, 'harbor_project_quota_byte{project_name="back\\\\slash"}')).toBe(-1);
  expect(sample(text, 'harbor_project_quota_byte{project_name="new\\nline"}')).toBe(-1);
  expect(sample(text, 'harbor_artifact_pulled{project_name="__proto__"}')).toBe(1);
  expect(sample(text, 'harbor_artifact_pulled{project_name="constructor"}')).toBe(0);
  const { code, problems } = await promtoolCheck(text);
  expect({ code, problems: problems.sort() }).toEqual({ code: 3, problems: HARBOR_NAME_LINT });
});

it('keeps per-project series for at most maxProjects projects, those using the most storage', async () => {
  const projects = [project(1, 'a', 10), project(2, 'b', 500), project(3, 'c', 0), project(4, 'd', 300), project(5, 'e', 20)];
  const { metrics } = metricsOver(fakeStore(projects), 2);
  const text = await metrics.render();
  const named = text.split('\n').filter((l) => l.startsWith('harbor_project_quota_usage_byte{'));
  expect(named).toEqual(['harbor_project_quota_usage_byte{project_name="b"} 500', 'harbor_project_quota_usage_byte{project_name="d"} 300']);
  expect(sample(text, 'harborctl_metrics_projects_omitted')).toBe(3);
  expect(sample(text, 'harbor_project_total{public="false"}')).toBe(5);
});

it('a deleted project leaves the per-project series at the next scrape', async () => {
  const projects = [project(1, 'kept'), project(2, 'gone')];
  const { metrics, inventory } = metricsOver(fakeStore(projects));
  inventory.notePull(projects[1]);
  expect(sample(await metrics.render(), 'harbor_artifact_pulled{project_name="gone"}')).toBe(1);
  projects.pop();
  const text = await metrics.render();
  expect(text).not.toContain('"gone"');
  expect(sample(text, 'harbor_artifact_pulled{project_name="kept"}')).toBe(0);
});

it('says the database is down in harbor_up and harbor_health when it cannot be read', async () => {
  const { metrics, logs } = metricsOver(fakeStore([], { failing: true }));
  const text = await metrics.render();
  expect(sample(text, 'harbor_health')).toBe(0);
  expect(sample(text, 'harbor_up{component="database"}')).toBe(0);
  expect(sample(text, 'harbor_up{component="core"}')).toBe(1);
  expect(logs.join('')).toContain('database is locked');
});

it('labels requests by route, never by path, and folds unknown methods into OTHER', async () => {
  expect(registryHandler('/v2/')).toBe('base');
  expect(registryHandler('/v2/_catalog')).toBe('catalog');
  // A repository may itself be called blobs/uploads or manifests: the route is read from the end.
  expect(registryHandler('/v2/p/blobs/uploads/manifests/latest')).toBe('manifest');
  expect(registryHandler('/v2/p/manifests/blobs/sha256:ab')).toBe('blob');
  expect(registryHandler('/v2/p/app/blobs/uploads/')).toBe('blob_upload');
  expect(registryHandler('/v2/p/app/blobs/uploads/abc')).toBe('blob_upload_chunk');
  expect(registryHandler('/v2/p/app/tags/list')).toBe('tags');
  expect(registryHandler('/v2/p/app/referrers/sha256:ab')).toBe('referrers');
  expect(registryHandler('/v2/p/app/nothing')).toBeUndefined();

  const { metrics } = metricsOver(fakeStore([]));
  const ctx = (c: Partial<RequestContext>): RequestContext => ({ method: 'GET', path: '', family: 'other', ...c }) as RequestContext;
  const t0 = process.hrtime.bigint();
  metrics.requestStarted();
  metrics.requestEnded(ctx({ family: 'registry', path: '/v2/secret-project/app/manifests/v1' }), 404, t0);
  metrics.requestStarted();
  metrics.requestEnded(ctx({ family: 'registry', path: '/v2/secret-project/nothing-here' }), 404, t0);
  metrics.requestStarted();
  metrics.requestEnded(ctx({ family: 'api', method: 'PROPFIND', path: '/api/v2.0/secret-project' }), 404, t0);
  const text = await metrics.render();
  expect(text).not.toContain('secret-project');
  expect(sample(text, 'registry_http_requests_total{handler="manifest",code="404",method="get"}')).toBe(1);
  expect(sample(text, 'harbor_core_http_request_total{method="GET",code="404",operation="v2_manifest"}')).toBe(1);
  expect(sample(text, 'harbor_core_http_request_total{method="GET",code="404",operation="v2_others"}')).toBe(1);
  expect(sample(text, 'harbor_core_http_request_total{method="OTHER",code="404",operation="unknown"}')).toBe(1);
  expect(sample(text, 'harbor_core_http_inflight_requests')).toBe(0);
});

/** The lines of one metric family, sorted (the order of series within a family means nothing). */
function family(text: string, name: string): string[] {
  const own = new RegExp(`^(# (HELP|TYPE) ${name} |${name}(_bucket|_sum|_count)?[{ ])`);
  return text.split('\n').filter((l) => own.test(l)).sort();
}

it('the request series are what prom-client\'s Counter, Histogram and Summary write for the same requests', async () => {
  const prom = await import('prom-client');
  const registry = new prom.Registry();
  const registers = [registry];
  const coreRequests = new prom.Counter({ name: 'harbor_core_http_request_total', help: 'The total number of requests', labelNames: ['method', 'code', 'operation'], registers });
  const coreDuration = new prom.Summary({
    name: 'harbor_core_http_request_duration_seconds', help: 'The time duration of the requests', labelNames: ['method', 'operation'],
    percentiles: [0.5, 0.9, 0.99], maxAgeSeconds: 600, ageBuckets: 5, registers,
  });
  const registryRequests = new prom.Counter({ name: 'registry_http_requests_total', help: 'Total number of HTTP requests made.', labelNames: ['handler', 'code', 'method'], registers });
  const registryDuration = new prom.Histogram({
    name: 'registry_http_request_duration_seconds', help: 'The HTTP request latencies in seconds.', labelNames: ['handler', 'method'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60], registers,
  });

  const { metrics } = metricsOver(fakeStore([project(1, 'p')]));
  const r = prng(7);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  // Bucket bounds exactly, zero and beyond the last bound among them; label values that are Object.prototype's keys.
  const durations = [0, 0.005, 0.01, 0.0050001, 60, 61, 1e-7];
  const seen = new Map<string, number[]>();
  const N = 5000;
  for (let i = 0; i < N; i++) {
    const method = pick(['GET', 'HEAD', 'PUT', 'OTHER']);
    const status = pick([200, 201, 404, 500]);
    const operation = pick(['v2_manifest', '/projects', '__proto__', 'constructor', 'hasOwnProperty']);
    const handler = pick(['manifest', 'blob', undefined, '__proto__', 'toString']);
    const seconds = i % 10 === 0 ? durations[(i / 10) % durations.length] : 0.0002 * Math.pow(1e4, r());
    metrics.requests.add(method, status, operation, handler, seconds, metrics.requests.now());
    coreRequests.inc({ method, code: String(status), operation });
    coreDuration.observe({ method, operation }, seconds);
    const key = `method="${method}",operation="${operation}"`;
    seen.set(key, [...(seen.get(key) ?? []), seconds]);
    if (handler !== undefined) {
      registryRequests.inc({ handler, code: String(status), method: method.toLowerCase() });
      registryDuration.observe({ handler, method: method.toLowerCase() }, seconds);
    }
  }
  const ours = await metrics.render();
  const theirs = await registry.metrics();
  for (const name of ['harbor_core_http_request_total', 'registry_http_requests_total', 'registry_http_request_duration_seconds']) {
    expect(family(ours, name), name).toEqual(family(theirs, name));
  }
  // The summary: the same series, _sum and _count exact; the quantiles our own (prom-client's t-digest is no reference).
  const withoutQuantiles = (lines: string[]): string[] => lines.map((l) => l.replace(/^(\S+\{quantile=.*\}) \S+$/, '$1 Q'));
  const summary = family(ours, 'harbor_core_http_request_duration_seconds');
  expect(withoutQuantiles(summary)).toEqual(withoutQuantiles(family(theirs, 'harbor_core_http_request_duration_seconds')));
  expect(summary.filter((l) => l.includes('quantile='))).toHaveLength(3 * seen.size);
  for (const [labels, values] of seen) {
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99]) {
      const want = nearestRank(sorted, q);
      const got = sample(ours, `harbor_core_http_request_duration_seconds{quantile="${q}",${labels}}`)!;
      expect(Math.abs(got - want), `${labels} q=${q}`).toBeLessThanOrEqual(QUANTILE_RELATIVE_ERROR * want + 1e-6);
    }
  }
  // And in plain figures, for one label set.
  const manifestGets = sample(ours, 'registry_http_request_duration_seconds_count{handler="manifest",method="get"}')!;
  expect(manifestGets).toBeGreaterThan(100);
  expect(sample(ours, 'registry_http_request_duration_seconds_bucket{le="+Inf",handler="manifest",method="get"}')).toBe(manifestGets);
  expect([...seen.values()].reduce((n, v) => n + v.length, 0)).toBe(N);
  await expectPromtoolAccepts(ours);
});

it('label values that are Object.prototype\'s keys, or that would join into the same string, are series of their own', async () => {
  const { metrics } = metricsOver(fakeStore([]));
  const now = metrics.requests.now();
  const requests: [string, string][] = [['__proto__', 'GET'], ['constructor', 'GET'], ['a', 'b c'], ['a b', 'c'], ['a,b', 'c'], ['a', 'b,c'], ['toString', 'valueOf']];
  requests.forEach(([operation, method], i) => { for (let k = 0; k <= i; k++) metrics.requests.add(method, 200, operation, operation, 0.001, now); });
  const text = await metrics.render();
  requests.forEach(([operation, method], i) => {
    expect(sample(text, `harbor_core_http_request_total{method="${method}",code="200",operation="${operation}"}`), operation).toBe(i + 1);
    expect(sample(text, `harbor_core_http_request_duration_seconds_count{method="${method}",operation="${operation}"}`), operation).toBe(i + 1);
    expect(sample(text, `registry_http_requests_total{handler="${operation}",code="200",method="${method.toLowerCase()}"}`), operation).toBe(i + 1);
  });
});

it('a scrape formats its metrics a few per event loop turn (requests run between them), as prom-client joins them', async () => {
  const { metrics } = metricsOver(fakeStore([project(1, 'p')])); // the inventory's reading waits for one turn (per project)
  await metrics.render(); // prom-client loaded
  let turns = 0;
  let on = true;
  const tick = (): void => {
    if (!on) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const text = await metrics.render();
  on = false;
  const registry = (metrics as unknown as { prom: { registry: import('prom-client').Registry } }).prom.registry;
  const count = registry.getMetricsAsArray().length;
  expect(turns).toBeGreaterThanOrEqual(Math.ceil(count / METRICS_PER_TURN));
  const headers = (t: string): string[] => t.split('\n').filter((l) => l.startsWith('# '));
  expect(headers(text)).toEqual(headers(await registry.metrics()));
  expect(text.endsWith('\n') && !text.endsWith('\n\n')).toBe(true);
  expect(text.split('\n\n')).toHaveLength(count);
  await expectPromtoolAccepts(text);
});
