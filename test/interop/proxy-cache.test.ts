// A proxy-cache project in front of Debian's docker-registry, pulled through with skopeo and podman
// (issue 5). The upstream's own access log is the judge of "one fetch per blob"; then the upstream is
// stopped and the same images are pulled again, by tag and by digest, from the cache alone.
// harborctl runs with --proxy-revalidate 0s so every pull by tag does ask the upstream first.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { adminFetch as fetch } from '../helpers/admin-auth.js';
import { ContainerClients } from '../helpers/clients.js';
import { buildTestImages, type TestImages } from '../helpers/images.js';
import { startDistribution, startHarborctl, type RegistryProcess } from '../helpers/registry-process.js';

let images: TestImages;
let harbor: RegistryProcess;
let upstream: RegistryProcess;
let clients: ContainerClients;
let upstreamStopped = false;

const tls = ['--src-tls-verify=false', '--dest-tls-verify=false'];

beforeAll(async () => {
  images = await buildTestImages();
  upstream = await startDistribution();
  harbor = await startHarborctl({ args: ['--proxy-revalidate', '0s', '--proxy-timeout', '2s'] });
  clients = await ContainerClients.create([harbor.host, upstream.host]);
  await clients.skopeo(['copy', ...tls, `oci:${images.layout}:tiny`, `docker://${upstream.host}/library/tiny:1`]);
  await clients.skopeo(['copy', '--all', ...tls, `oci:${images.layout}:multi`, `docker://${upstream.host}/library/multi:1`]);
  const reg = await fetch(`${harbor.url}/api/v2.0/registries`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'upstream', type: 'docker-registry', url: upstream.url }),
  });
  expect(reg.status).toBe(201);
  const id = Number(/(\d+)$/.exec(reg.headers.get('location')!)![1]);
  const proj = await fetch(`${harbor.url}/api/v2.0/projects`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ project_name: 'mirror', registry_id: id, metadata: { public: 'true' } }),
  });
  expect(proj.status).toBe(201);
}, 120_000);

afterEach((ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  console.error(`harborctl log (last 40 lines):\n${harbor.logs.slice(-40).join('\n')}`);
  console.error(`upstream access log:\n${upstream.accessLog().join('\n')}`);
});

afterAll(async () => {
  const exit = await harbor?.stop();
  if (!upstreamStopped) await upstream?.stop();
  await clients?.dispose();
  await images?.dispose();
  expect(exit, 'harborctl exits 0 on SIGTERM').toEqual({ code: 0, signal: null });
});

/** How many times the upstream's access log shows a GET of this blob. */
function upstreamBlobGets(digest: string): number {
  return upstream.accessLog().filter((l) => l.includes(`"GET /v2/library/`) && l.includes(`/blobs/${digest} `)).length;
}

async function digestOf(ref: string): Promise<string> {
  return (JSON.parse((await clients.skopeo(['inspect', '--tls-verify=false', ref])).stdout) as { Digest: string }).Digest;
}

describe('pull through a proxy-cache project', () => {
  test('skopeo and podman pull through it; the upstream serves each blob once', async () => {
    const dir = `${clients.dir}/tiny-copy`;
    await clients.skopeo(['copy', ...tls, `docker://${harbor.host}/mirror/library/tiny:1`, `oci:${dir}:tiny`]);
    expect(await digestOf(`docker://${harbor.host}/mirror/library/tiny:1`)).toBe(images.tiny.digest);
    // Twice more, by tag and by digest: nothing new from the upstream.
    await clients.skopeo(['copy', ...tls, `docker://${harbor.host}/mirror/library/tiny:1`, `oci:${dir}:again`]);
    await clients.skopeo(['copy', ...tls, `docker://${harbor.host}/mirror/library/tiny@${images.tiny.digest}`, `oci:${dir}:bydigest`]);

    const { amd64, arm64 } = images.multi.children;
    for (const arch of ['amd64', 'arm64']) {
      await clients.podman(['pull', '--arch', arch, `${harbor.host}/mirror/library/multi:1`]);
    }
    const [img] = JSON.parse((await clients.podman(['image', 'inspect', `${harbor.host}/mirror/library/multi:1`])).stdout) as { Architecture: string }[];
    expect(img.Architecture).toBe('arm64');

    for (const d of [images.tiny.config, ...images.tiny.layers, amd64.config, ...amd64.layers, arm64.config, ...arm64.layers]) {
      expect(upstreamBlobGets(d.digest), `upstream GETs of ${d.digest}`).toBe(1);
    }
  });

  test('with the upstream stopped, the same images pull from the cache by tag and by digest', async () => {
    await upstream.stop();
    upstreamStopped = true;
    const dir = `${clients.dir}/offline-copy`;
    await clients.skopeo(['copy', ...tls, `docker://${harbor.host}/mirror/library/tiny:1`, `oci:${dir}:tiny`]);
    await clients.skopeo(['copy', ...tls, `docker://${harbor.host}/mirror/library/tiny@${images.tiny.digest}`, `oci:${dir}:bydigest`]);
    expect(await digestOf(`docker://${harbor.host}/mirror/library/tiny:1`)).toBe(images.tiny.digest);

    await clients.podman(['rmi', '--all', '--force']);
    await clients.podman(['pull', '--arch', 'amd64', `${harbor.host}/mirror/library/multi:1`]);
    await clients.podman(['pull', `${harbor.host}/mirror/library/multi@${images.multi.children.arm64.digest}`]);
    expect(harbor.logs.some((l) => l.includes('upstream failed, serving the cached copy'))).toBe(true);

    // What was never pulled gets the upstream's error, not a 404 that hides the outage.
    const r = await clients.skopeoRaw(['inspect', '--tls-verify=false', `docker://${harbor.host}/mirror/library/never:1`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/cannot reach the upstream|502|Bad Gateway/i);
  });
});
