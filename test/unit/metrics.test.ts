// /metrics without a server: hostile project names, the cap on per-project series, the database
// failing, and request labels that never take a path.
import { expect, it } from 'vitest';
import { createLogger } from '../../src/core/log.js';
import type { RequestContext } from '../../src/server/context.js';
import { registryHandler, ServerMetrics } from '../../src/server/metrics.js';
import { InventoryService } from '../../src/services/metrics.js';
import type { MetaStores, Project } from '../../src/storage/meta/index.js';

type InventoryStores = ConstructorParameters<typeof InventoryService>[0];
import { HARBOR_NAME_LINT, promtoolCheck, sample } from '../helpers/metrics.js';

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
