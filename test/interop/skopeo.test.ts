// skopeo 1.9 against a real `harborctl serve` process: push a single-platform image and a
// two-platform index, inspect, read back the raw bytes, list tags, pull back, delete by digest.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ContainerClients } from '../helpers/clients.js';
import { buildTestImages, sha256File, type TestImages } from '../helpers/images.js';
import { startHarborctl, type RegistryProcess } from '../helpers/registry-process.js';
// /v2 needs credentials since issue 3: these checks read as the test admin.
import { adminFetch as fetch } from '../helpers/admin-auth.js';

const MT = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;
const sha256 = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

let images: TestImages;
let reg: RegistryProcess;
let clients: ContainerClients;

beforeAll(async () => {
  images = await buildTestImages();
  reg = await startHarborctl();
  clients = await ContainerClients.create([reg.host]);
});
afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') console.error(`harborctl log (last 40 lines):\n${reg.logs.slice(-40).join('\n')}`);
});
afterAll(async () => {
  const exit = await reg?.stop();
  await clients?.dispose();
  await images?.dispose();
  expect(exit, 'harborctl exits 0 on SIGTERM').toEqual({ code: 0, signal: null });
});

const noTls = ['--tls-verify=false'];
const copyFlags = ['--src-tls-verify=false', '--dest-tls-verify=false'];

interface Inspect { Name: string; Digest: string; Architecture: string; Layers: string[]; RepoTags: string[] }

async function inspect(ref: string): Promise<Inspect> {
  return JSON.parse((await clients.skopeo(['inspect', ...noTls, ref])).stdout) as Inspect;
}

async function rawManifest(ref: string): Promise<Buffer> {
  // stdout carries the bytes exactly as served (skopeo adds no newline to --raw)
  return Buffer.from((await clients.skopeo(['inspect', '--raw', ...noTls, ref])).stdout, 'utf8');
}

/** GET a manifest over plain HTTP, to check the registry itself and not skopeo's reading of it. */
async function httpManifest(repo: string, reference: string): Promise<{ status: number; body: Buffer; digest: string | null; type: string | null }> {
  const res = await fetch(`${reg.url}/v2/${repo}/manifests/${reference}`, {
    headers: { Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json' },
  });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()), digest: res.headers.get('docker-content-digest'), type: res.headers.get('content-type') };
}

describe('skopeo ↔ harborctl', () => {
  test('copy of a single-platform image keeps its digest and bytes', async () => {
    await clients.skopeo(['copy', ...copyFlags, `oci:${images.layout}:tiny`, `docker://${reg.host}/library/tiny:1`]);

    const info = await inspect(`docker://${reg.host}/library/tiny:1`);
    expect(info.Digest).toBe(images.tiny.digest);
    expect(info.Layers).toEqual(images.tiny.layers.map((l) => l.digest));
    expect(info.Architecture).toBe('amd64');

    expect((await rawManifest(`docker://${reg.host}/library/tiny:1`)).equals(images.tiny.manifest)).toBe(true);
    const byHttp = await httpManifest('library/tiny', images.tiny.digest);
    expect(byHttp.status).toBe(200);
    expect(byHttp.digest).toBe(images.tiny.digest);
    expect(byHttp.type).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(byHttp.body.equals(images.tiny.manifest)).toBe(true);
  });

  test('copy --all of a two-platform index keeps the index and both children', async () => {
    await clients.skopeo(['copy', '--all', ...copyFlags, `oci:${images.layout}:multi`, `docker://${reg.host}/library/multi:1`]);

    const raw = await rawManifest(`docker://${reg.host}/library/multi:1`);
    expect(raw.equals(images.multi.index)).toBe(true);
    // skopeo inspect (not --raw) resolves the index to this host's platform and reports the index digest
    expect((await inspect(`docker://${reg.host}/library/multi:1`)).Digest).toBe(images.multi.digest);
    for (const child of [images.multi.children.amd64, images.multi.children.arm64]) {
      const bytes = await rawManifest(`docker://${reg.host}/library/multi@${child.digest}`);
      expect(bytes.equals(child.manifest), child.ref).toBe(true);
    }
    const arm = await clients.skopeo(['inspect', ...noTls, '--override-arch', 'arm64', '--override-variant', 'v8', `docker://${reg.host}/library/multi:1`]);
    expect((JSON.parse(arm.stdout) as Inspect).Layers).toEqual(images.multi.children.arm64.layers.map((l) => l.digest));
  });

  test('list-tags shows every pushed tag', async () => {
    await clients.skopeo(['copy', ...copyFlags, `docker://${reg.host}/library/tiny:1`, `docker://${reg.host}/library/tiny:2`]);
    const out = JSON.parse((await clients.skopeo(['list-tags', ...noTls, `docker://${reg.host}/library/tiny`])).stdout) as { Repository: string; Tags: string[] };
    expect(out.Repository).toBe(`${reg.host}/library/tiny`);
    expect([...out.Tags].sort()).toEqual(['1', '2']);
  });

  test('pull back to an oci: layout gives the same manifest, config and layer bytes', async () => {
    const back = join(clients.dir, 'pulled');
    await clients.skopeo(['copy', ...copyFlags, `docker://${reg.host}/library/tiny:1`, `oci:${back}:tiny`]);
    const index = JSON.parse(await readFile(join(back, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    expect(index.manifests.map((m) => m.digest)).toEqual([images.tiny.digest]);
    for (const d of [images.tiny.descriptor, images.tiny.config, ...images.tiny.layers]) {
      expect(await sha256File(join(back, 'blobs', 'sha256', d.digest.slice('sha256:'.length))), d.digest).toBe(d.digest);
    }
  });

  test('delete by digest removes the manifest and its tags', async () => {
    await clients.skopeo(['copy', ...copyFlags, `oci:${images.layout}:tiny`, `docker://${reg.host}/library/gone:1`]);
    expect((await inspect(`docker://${reg.host}/library/gone:1`)).Digest).toBe(images.tiny.digest);

    await clients.skopeo(['delete', ...noTls, `docker://${reg.host}/library/gone@${images.tiny.digest}`]);

    const after = await clients.skopeoRaw(['inspect', '--raw', ...noTls, `docker://${reg.host}/library/gone@${images.tiny.digest}`]);
    expect(after.code).not.toBe(0);
    expect(after.stderr).toMatch(/manifest unknown/i);
    expect((await httpManifest('library/gone', images.tiny.digest)).status).toBe(404);
    expect((await httpManifest('library/gone', '1')).status).toBe(404);
    // An emptied repository may list no tags or be unknown altogether; either way tag 1 is gone.
    const tags = await clients.skopeoRaw(['list-tags', ...noTls, `docker://${reg.host}/library/gone`]);
    if (tags.code === 0) expect((JSON.parse(tags.stdout) as { Tags: string[] | null }).Tags ?? []).toEqual([]);
    else expect(tags.stderr).toMatch(/name unknown|repository name not known/i);
    // the same digest in another repository is untouched
    expect((await inspect(`docker://${reg.host}/library/tiny:1`)).Digest).toBe(images.tiny.digest);
  });

  test('copy --format v2s2 stores a Docker schema 2 manifest, served with its own type and digest', async () => {
    const digestFile = join(clients.dir, 'v2s2.digest');
    await clients.skopeo(['copy', '--format', 'v2s2', '--digestfile', digestFile, ...copyFlags, `oci:${images.layout}:tiny`, `docker://${reg.host}/library/tiny-docker:1`]);
    const pushed = (await readFile(digestFile, 'utf8')).trim();
    expect(pushed).not.toBe(images.tiny.digest); // another manifest format, so another digest

    const res = await fetch(`${reg.url}/v2/library/tiny-docker/manifests/1`, { headers: { Accept: MT.dockerManifest } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(MT.dockerManifest);
    expect(res.headers.get('docker-content-digest')).toBe(pushed);
    const body = Buffer.from(await res.arrayBuffer());
    expect(sha256(body)).toBe(pushed);
    const m = JSON.parse(body.toString('utf8')) as { mediaType: string; config: { digest: string }; layers: { digest: string; mediaType: string }[] };
    expect(m.mediaType).toBe(MT.dockerManifest);
    expect(m.config.digest).toBe(images.tiny.config.digest);
    expect(m.layers.map((l) => [l.mediaType, l.digest])).toEqual([[MT.dockerLayer, images.tiny.layers[0].digest]]);
    expect((await inspect(`docker://${reg.host}/library/tiny-docker:1`)).Digest).toBe(pushed);
  });

  test('copy --all --format v2s2 of the index stores a Docker manifest list', async () => {
    await clients.skopeo(['copy', '--all', '--format', 'v2s2', ...copyFlags, `oci:${images.layout}:multi`, `docker://${reg.host}/library/multi-docker:1`]);
    const res = await fetch(`${reg.url}/v2/library/multi-docker/manifests/1`, { headers: { Accept: MT.dockerList } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(MT.dockerList);
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.headers.get('docker-content-digest')).toBe(sha256(body));
    const list = JSON.parse(body.toString('utf8')) as { manifests: { digest: string; mediaType: string; platform: { architecture: string } }[] };
    expect(list.manifests.map((d) => [d.platform.architecture, d.mediaType])).toEqual([['amd64', MT.dockerManifest], ['arm64', MT.dockerManifest]]);
    const { amd64, arm64 } = images.multi.children;
    for (const [d, original] of [[list.manifests[0], amd64], [list.manifests[1], arm64]] as const) {
      const child = JSON.parse((await rawManifest(`docker://${reg.host}/library/multi-docker@${d.digest}`)).toString('utf8')) as { config: { digest: string } };
      expect(child.config.digest).toBe(original.config.digest);
    }
  });

  test('copy inside the registry mounts the blobs instead of uploading them', async () => {
    await clients.skopeo(['copy', ...copyFlags, `docker://${reg.host}/library/tiny:1`, `docker://${reg.host}/library/tiny-mounted:1`]);
    expect((await inspect(`docker://${reg.host}/library/tiny-mounted:1`)).Digest).toBe(images.tiny.digest);
    const lines = reg.accessLog().filter((l) => l.includes('/v2/library/tiny-mounted/'));
    const mounts = lines.filter((l) => /"POST \/v2\/library\/tiny-mounted\/blobs\/uploads\/\?\S*mount=/.test(l));
    expect(mounts.length).toBeGreaterThan(0);
    for (const l of mounts) expect(l).toMatch(/ 201 /);
    // the layer came by mount, so no upload session carried its bytes
    expect(lines.filter((l) => l.includes(encodeURIComponent(images.tiny.layers[0].digest)) && l.includes('"PUT '))).toEqual([]);
    for (const d of [images.tiny.config, ...images.tiny.layers]) {
      const head = await fetch(`${reg.url}/v2/library/tiny-mounted/blobs/${d.digest}`, { method: 'HEAD' });
      expect(head.status, d.digest).toBe(200);
    }
  });

  test('the access log recorded the clients\' requests', () => {
    const lines = reg.accessLog();
    expect(lines.some((l) => l.includes(`"PUT /v2/library/tiny/manifests/1 `) && / 201 /.test(l))).toBe(true);
    expect(lines.some((l) => l.includes(`"DELETE /v2/library/gone/manifests/${images.tiny.digest} `) && / 202 /.test(l))).toBe(true);
  });
});
