// Registry to registry: Debian's docker-registry (CNCF distribution 2.8, the reference) → harborctl →
// docker-registry again, with skopeo copying between them. The digest and the exact manifest bytes must
// survive every hop, for a single image and for a two-platform index.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ContainerClients } from '../helpers/clients.js';
import { buildTestImages, type BuiltImage, type TestImages } from '../helpers/images.js';
import { startDistribution, startHarborctl, type RegistryProcess } from '../helpers/registry-process.js';
// /v2 needs credentials since issue 3: these checks read as the test admin.
import { adminFetch as fetch } from '../helpers/admin-auth.js';

let images: TestImages;
let harbor: RegistryProcess;
let dist: RegistryProcess;
let clients: ContainerClients;

beforeAll(async () => {
  images = await buildTestImages();
  harbor = await startHarborctl();
  dist = await startDistribution();
  clients = await ContainerClients.create([harbor.host, dist.host]);
});
afterEach((ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  console.error(`harborctl log (last 40 lines):\n${harbor.logs.slice(-40).join('\n')}`);
  console.error(`docker-registry access log (last 20 lines):\n${dist.accessLog().slice(-20).join('\n')}`);
});
afterAll(async () => {
  const exit = await harbor?.stop();
  await dist?.stop();
  await clients?.dispose();
  await images?.dispose();
  expect(exit, 'harborctl exits 0 on SIGTERM').toEqual({ code: 0, signal: null });
});

const copyFlags = ['--src-tls-verify=false', '--dest-tls-verify=false'];

async function raw(ref: string): Promise<Buffer> {
  return Buffer.from((await clients.skopeo(['inspect', '--raw', '--tls-verify=false', ref])).stdout, 'utf8');
}

async function digest(ref: string): Promise<string> {
  return (JSON.parse((await clients.skopeo(['inspect', '--tls-verify=false', ref])).stdout) as { Digest: string }).Digest;
}

/** The reference registry must hold what we think it holds: the blob check is on its side. */
async function expectBlobs(reg: RegistryProcess, repo: string, img: BuiltImage): Promise<void> {
  for (const d of [img.config, ...img.layers]) {
    const res = await fetch(`${reg.url}/v2/${repo}/blobs/${d.digest}`, { method: 'HEAD' });
    expect(res.status, `${reg.name} ${repo} ${d.digest}`).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBe(d.size);
  }
}

describe('docker-registry → harborctl → docker-registry', () => {
  test('a single-platform image keeps its digest and bytes at every hop', async () => {
    const origin = `docker://${dist.host}/library/tiny:1`;
    const mid = `docker://${harbor.host}/library/tiny:from-distribution`;
    const back = `docker://${dist.host}/library/tiny-back:1`;

    await clients.skopeo(['copy', ...copyFlags, `oci:${images.layout}:tiny`, origin]);
    expect(await digest(origin)).toBe(images.tiny.digest);

    await clients.skopeo(['copy', ...copyFlags, origin, mid]);
    expect(await digest(mid)).toBe(images.tiny.digest);
    expect((await raw(mid)).equals(images.tiny.manifest)).toBe(true);
    await expectBlobs(harbor, 'library/tiny', images.tiny);

    await clients.skopeo(['copy', ...copyFlags, mid, back]);
    expect(await digest(back)).toBe(images.tiny.digest);
    expect((await raw(back)).equals(images.tiny.manifest)).toBe(true);
    await expectBlobs(dist, 'library/tiny-back', images.tiny);
  });

  test('a two-platform index (copy --all) keeps its digest and both children at every hop', async () => {
    const origin = `docker://${dist.host}/library/multi:1`;
    const mid = `docker://${harbor.host}/library/multi:from-distribution`;
    const back = `docker://${dist.host}/library/multi-back:1`;
    const { amd64, arm64 } = images.multi.children;

    await clients.skopeo(['copy', '--all', ...copyFlags, `oci:${images.layout}:multi`, origin]);
    expect((await raw(origin)).equals(images.multi.index)).toBe(true);

    await clients.skopeo(['copy', '--all', ...copyFlags, origin, mid]);
    expect((await raw(mid)).equals(images.multi.index)).toBe(true);
    expect(await digest(mid)).toBe(images.multi.digest);
    for (const child of [amd64, arm64]) {
      expect((await raw(`docker://${harbor.host}/library/multi@${child.digest}`)).equals(child.manifest), child.ref).toBe(true);
      await expectBlobs(harbor, 'library/multi', child);
    }

    await clients.skopeo(['copy', '--all', ...copyFlags, mid, back]);
    expect((await raw(back)).equals(images.multi.index)).toBe(true);
    expect(await digest(back)).toBe(images.multi.digest);
    for (const child of [amd64, arm64]) {
      expect((await raw(`docker://${dist.host}/library/multi-back@${child.digest}`)).equals(child.manifest), child.ref).toBe(true);
      await expectBlobs(dist, 'library/multi-back', child);
    }
  });

  test('both access logs saw the copies (the traffic really went through each registry)', () => {
    expect(harbor.accessLog().some((l) => /"PUT \/v2\/library\/multi\/manifests\/from-distribution HTTP\/1\.1" 201 /.test(l))).toBe(true);
    expect(harbor.accessLog().some((l) => /"GET \/v2\/library\/tiny\/manifests\/from-distribution HTTP\/1\.1" 200 /.test(l))).toBe(true);
    expect(dist.accessLog().some((l) => /"PUT \/v2\/library\/multi-back\/manifests\/1 HTTP\/1\.1" 201 /.test(l))).toBe(true);
  });
});

test('docker-registry ignores the REGISTRY_* variables of the environment the tests run in', async () => {
  // docker-registry reads every REGISTRY_* variable as configuration; podman users have REGISTRY_AUTH_FILE.
  const saved = { file: process.env.REGISTRY_AUTH_FILE, addr: process.env.REGISTRY_HTTP_ADDR };
  process.env.REGISTRY_AUTH_FILE = '/nonexistent/auth.json';
  process.env.REGISTRY_HTTP_ADDR = '127.0.0.1:1';
  let other: RegistryProcess | undefined;
  try {
    other = await startDistribution();
    expect((await globalThis.fetch(`${other.url}/v2/`)).status).toBe(200);
  } finally {
    for (const [k, v] of [['REGISTRY_AUTH_FILE', saved.file], ['REGISTRY_HTTP_ADDR', saved.addr]] as const) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
    await other?.stop();
  }
});
