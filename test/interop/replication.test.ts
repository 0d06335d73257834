// Replication (issue 18) between real processes: `harborctl serve` (A, where the policies live),
// Debian's docker-registry (distribution 2.8, no referrers API) and a second `harborctl serve` (C,
// registered as type harbor). Images are real (skopeo copies the test layout into A) and are checked
// with skopeo on the far side: the digest and the manifest bytes survive. Also: a pull-based policy
// from docker-registry, an event-based policy following a push and a delete, an index with an SBOM
// and a signature arriving with its subject (on docker-registry through the referrers tag schema),
// a stopped execution, and an execution that resumes after A is restarted in the middle of it.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { api, createProject } from '../helpers/api.js';
import { ContainerClients } from '../helpers/clients.js';
import { buildTestImages, type TestImages } from '../helpers/images.js';
import { call, MT, pushBlob, pushImage, pushManifest } from '../helpers/oci.js';
import { startDistribution, startHarborctl, type RegistryProcess } from '../helpers/registry-process.js';
import { createPolicy, createRegistry, pushIndexWithAccessories, startExecution, taskLog, waitExecution, waitExecutions } from '../helpers/replication.js';

let images: TestImages;
let a: RegistryProcess;
let c: RegistryProcess;
let dist: RegistryProcess;
let clients: ContainerClients;
let regDist: number;
let regC: number;
const copyFlags = ['--src-tls-verify=false', '--dest-tls-verify=false'];

beforeAll(async () => {
  images = await buildTestImages();
  [a, c, dist] = await Promise.all([startHarborctl(), startHarborctl(), startDistribution()]);
  clients = await ContainerClients.create([a.host, c.host, dist.host]);
  regDist = await createRegistry(a.url, 'dist', dist.url, 'docker-registry');
  regC = await createRegistry(a.url, 'c', c.url, 'harbor', { username: 'admin', password: 'Harbor12345' });
  for (const p of ['apps', 'events', 'pulled', 'slow']) await createProject(a.url, p);
});
afterEach((ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  console.error(`A log (last 40 lines):\n${a.logs.slice(-40).join('\n')}`);
  console.error(`docker-registry access log (last 20 lines):\n${dist.accessLog().slice(-20).join('\n')}`);
});
afterAll(async () => {
  await a?.stop();
  await c?.stop();
  await dist?.stop();
  await clients?.dispose();
  await images?.dispose();
});

async function inspect(ref: string): Promise<{ digest: string; raw: Buffer }> {
  const d = (JSON.parse((await clients.skopeo(['inspect', '--tls-verify=false', ref])).stdout) as { Digest: string }).Digest;
  const raw = Buffer.from((await clients.skopeo(['inspect', '--raw', '--tls-verify=false', ref])).stdout, 'utf8');
  return { digest: d, raw };
}

async function headDigest(base: string, repo: string, ref: string): Promise<string | null> {
  const r = await call(base, `/v2/${repo}/manifests/${ref}`, { method: 'HEAD', headers: { accept: `${MT.ociManifest}, ${MT.ociIndex}, ${MT.dockerManifest}` } });
  return r.status === 200 ? r.headers['docker-content-digest'] : null;
}

describe('push-based', () => {
  test('to docker-registry and to a second harborctl: an image and a two-platform index keep digest and bytes', async () => {
    await clients.skopeo(['copy', ...copyFlags, `oci:${images.layout}:tiny`, `docker://${a.host}/apps/tiny:1`]);
    await clients.skopeo(['copy', '--all', ...copyFlags, `oci:${images.layout}:multi`, `docker://${a.host}/apps/multi:1`]);
    for (const [reg, target, ns] of [[regDist, dist, 'mirror'], [regC, c, 'mirror']] as const) {
      const id = await createPolicy(a.url, { name: `to-${target.host}`, dest_registry: { id: reg }, dest_namespace: ns, filters: [{ type: 'name', value: 'apps/**' }] });
      const { execution, tasks } = await waitExecution(a.url, await startExecution(a.url, id));
      expect(execution, JSON.stringify(tasks)).toMatchObject({ status: 'Succeed', total: 2, succeed: 2 });
      const tiny = await inspect(`docker://${target.host}/${ns}/tiny:1`);
      expect(tiny.digest).toBe(images.tiny.digest);
      expect(tiny.raw.equals(images.tiny.manifest)).toBe(true);
      const multi = await inspect(`docker://${target.host}/${ns}/multi:1`);
      expect(multi.raw.equals(images.multi.index)).toBe(true);
      for (const child of [images.multi.children.amd64, images.multi.children.arm64]) {
        expect(await headDigest(target.url, `${ns}/multi`, child.digest)).toBe(child.digest);
      }
      // skopeo can pull what arrived: every blob is there.
      await clients.skopeo(['copy', ...copyFlags, `docker://${target.host}/${ns}/tiny:1`, `docker://${dist.host}/check/tiny-from-${target.name}:1`]);
    }
  });

  test('an index with an SBOM and a signature arrives with its subject; on docker-registry they are listed under the referrers tag', async () => {
    const pushed = await pushIndexWithAccessories(a.url, 'apps/signed', 'v1');
    const id = await createPolicy(a.url, { name: 'signed', dest_registry: { id: regDist }, filters: [{ type: 'name', value: 'apps/signed' }, { type: 'tag', value: 'v1' }] });
    expect((await waitExecution(a.url, await startExecution(a.url, id))).execution.status).toBe('Succeed');
    for (const d of [pushed.index, ...pushed.children, pushed.sbom, pushed.sig]) expect(await headDigest(dist.url, 'apps/signed', d.digest)).toBe(d.digest);
    const fallback = await call(dist.url, `/v2/apps/signed/manifests/${pushed.index.digest.replace(':', '-')}`, { headers: { accept: MT.ociIndex } });
    expect(fallback.status).toBe(200);
    expect(fallback.json<{ manifests: { digest: string; artifactType: string }[] }>().manifests)
      .toEqual([expect.objectContaining({ digest: pushed.sbom.digest, artifactType: 'application/vnd.goharbor.harbor.sbom.v1' })]);
    const sigTag = await call(dist.url, `/v2/apps/signed/manifests/${pushed.sbom.digest.replace(':', '-')}`, { headers: { accept: MT.ociIndex } });
    expect(sigTag.json<{ manifests: { digest: string }[] }>().manifests.map((m) => m.digest)).toEqual([pushed.sig.digest]);

    // And back, pull-based from docker-registry: the accessories come along, found through that tag.
    const back = await createPolicy(a.url, { name: 'signed-back', src_registry: { id: regDist }, dest_namespace: 'pulled',
      filters: [{ type: 'name', value: 'apps/signed' }, { type: 'tag', value: 'v1' }] });
    expect((await waitExecution(a.url, await startExecution(a.url, back))).execution.status).toBe('Succeed');
    const refs = await call(a.url, `/v2/pulled/signed/referrers/${pushed.index.digest}`);
    expect(refs.json<{ manifests: { digest: string }[] }>().manifests.map((m) => m.digest)).toEqual([pushed.sbom.digest]);
    const sigRefs = await call(a.url, `/v2/pulled/signed/referrers/${pushed.sbom.digest}`);
    expect(sigRefs.json<{ manifests: { digest: string }[] }>().manifests.map((m) => m.digest)).toEqual([pushed.sig.digest]);
  });
});

describe('pull-based', () => {
  test('from docker-registry into a local project, with a tag filter', async () => {
    await clients.skopeo(['copy', ...copyFlags, `oci:${images.layout}:tiny`, `docker://${dist.host}/upstream/tool:1.0`]);
    await clients.skopeo(['copy', ...copyFlags, `oci:${images.layout}:tiny`, `docker://${dist.host}/upstream/tool:nightly`]);
    const id = await createPolicy(a.url, { name: 'from-dist', src_registry: { id: regDist }, dest_namespace: 'pulled', dest_namespace_replace_count: 1,
      filters: [{ type: 'name', value: 'upstream/**' }, { type: 'tag', value: '1.*' }] });
    const { execution } = await waitExecution(a.url, await startExecution(a.url, id));
    expect(execution.status).toBe('Succeed');
    const got = await inspect(`docker://${a.host}/pulled/tool:1.0`);
    expect(got.digest).toBe(images.tiny.digest);
    expect(got.raw.equals(images.tiny.manifest)).toBe(true);
    expect(await headDigest(a.url, 'pulled/tool', 'nightly')).toBeNull();
  });
});

describe('event-based', () => {
  test('a push to A reaches docker-registry, and a delete follows it', async () => {
    const id = await createPolicy(a.url, { name: 'follow', dest_registry: { id: regDist }, trigger: { type: 'event_based' }, replicate_deletion: true,
      filters: [{ type: 'name', value: 'events/**' }] });
    await clients.skopeo(['copy', ...copyFlags, `oci:${images.layout}:tiny`, `docker://${a.host}/events/app:v1`]);
    const [pushRun] = await waitExecutions(a.url, id, 1);
    expect(pushRun).toMatchObject({ status: 'Succeed', trigger: 'event_based' });
    expect((await inspect(`docker://${dist.host}/events/app:v1`)).digest).toBe(images.tiny.digest);
    await clients.skopeo(['delete', '--tls-verify=false', `docker://${a.host}/events/app@${images.tiny.digest}`]);
    const [deleteRun] = await waitExecutions(a.url, id, 2);
    expect(deleteRun.status).toBe('Succeed');
    expect(await headDigest(dist.url, 'events/app', images.tiny.digest)).toBeNull();
  });
});

/** A 3 MiB single-layer image in `repo`; at 256 KB/s its copy takes about 12 s. */
async function pushSlowImage(repo: string, tag: string, seed: number): Promise<string> {
  const layer = await pushBlob(a.url, repo, Buffer.alloc(3 * 1024 * 1024, seed));
  const config = await pushBlob(a.url, repo, Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', seed })), MT.ociConfig);
  return (await pushManifest(a.url, repo, tag, { schemaVersion: 2, mediaType: MT.ociManifest, config, layers: [layer] }, MT.ociManifest)).digest;
}

async function waitBytes(base: string, eid: number): Promise<void> {
  for (;;) {
    const t = await api(base, 'GET', `/replication/executions/${eid}/tasks`);
    if (t.body[0]?.bytes > 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('executions', () => {
  test('a stopped execution ends Stopped', async () => {
    await pushSlowImage('slow/stop', 'v1', 1);
    const id = await createPolicy(a.url, { name: 'stop-me', dest_registry: { id: regC }, speed: 256, filters: [{ type: 'name', value: 'slow/stop' }] });
    const eid = await startExecution(a.url, id);
    await waitBytes(a.url, eid);
    expect((await api(a.url, 'PUT', `/replication/executions/${eid}`)).status).toBe(200);
    const { execution, tasks } = await waitExecution(a.url, eid);
    expect(execution).toMatchObject({ status: 'Stopped', stopped: 1 });
    expect(tasks[0].status).toBe('Stopped');
    expect(await taskLog(a.url, eid, tasks[0].id)).toMatch(/stopped by request/);
  });

  test('an execution interrupted by a restart of the server resumes and completes', async () => {
    const digest = await pushSlowImage('slow/resume', 'v1', 2);
    const id = await createPolicy(a.url, { name: 'resume', dest_registry: { id: regC }, speed: 256, filters: [{ type: 'name', value: 'slow/resume' }] });
    const eid = await startExecution(a.url, id);
    await waitBytes(a.url, eid);
    const dataDir = a.dataDir;
    expect(await a.stop({ keepData: true })).toEqual({ code: 0, signal: null });
    a = await startHarborctl({ dataDir });
    const { execution, tasks } = await waitExecution(a.url, eid);
    expect(execution).toMatchObject({ status: 'Succeed', succeed: 1 });
    const log = await taskLog(a.url, eid, tasks[0].id);
    expect(log).toMatch(/interrupted by a shutdown; it resumes at the next start/);
    expect(log).toMatch(/attempt 2\/3/);
    expect(await headDigest(c.url, 'slow/resume', 'v1')).toBe(digest);
  });
});
