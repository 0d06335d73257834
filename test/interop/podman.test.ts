// podman 4.3 (vfs storage in a temp dir) against a real `harborctl serve` process: pull what skopeo
// pushed, pull one platform of an index, push an image podman built itself (a fresh layer, so the blob
// really is uploaded) and pull it back into empty storage.
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, test } from 'vitest';
import { writeTarFile } from '../helpers/images.js';
// /v2 needs credentials since issue 3: these checks read as the test admin.
import { adminFetch as fetch } from '../helpers/admin-auth.js';
import { useHarborctl } from '../helpers/interop.js';

const env = useHarborctl();


beforeAll(async () => {
  await env.clients.skopeo(['copy', '--dest-tls-verify=false', `oci:${env.images.layout}:tiny`, `docker://${env.reg.host}/library/tiny:1`]);
  await env.clients.skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${env.images.layout}:multi`, `docker://${env.reg.host}/library/multi:1`]);
});

interface PodmanImage { Id: string; Digest: string; RepoDigests: string[]; Architecture: string; RootFS: { Layers: string[] } }

async function podmanInspect(ref: string): Promise<PodmanImage> {
  const [img] = JSON.parse((await env.clients.podman(['image', 'inspect', ref])).stdout) as PodmanImage[];
  return img;
}

const sha256 = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('podman ↔ harborctl', () => {
  test('pull keeps the manifest digest and the image ID (config digest)', async () => {
    await env.clients.podman(['pull', `${env.reg.host}/library/tiny:1`]);
    const img = await podmanInspect(`${env.reg.host}/library/tiny:1`);
    expect(img.Digest).toBe(env.images.tiny.digest);
    expect(`sha256:${img.Id}`).toBe(env.images.tiny.config.digest);
    expect(img.RootFS.Layers).toEqual(env.images.tiny.diffIds);
  });

  test('pull --arch arm64 of the index picks the arm64 child', async () => {
    await env.clients.podman(['pull', '--arch', 'arm64', `${env.reg.host}/library/multi:1`]);
    const img = await podmanInspect(`${env.reg.host}/library/multi:1`);
    expect(img.Architecture).toBe('arm64');
    expect(`sha256:${img.Id}`).toBe(env.images.multi.children.arm64.config.digest);
    expect(img.RepoDigests).toContain(`${env.reg.host}/library/multi@${env.images.multi.children.arm64.digest}`);
  });

  test('push of a podman-built image, then rmi and pull it back', async () => {
    // A layer nobody has seen: podman must compress and upload it, it cannot reuse or mount anything.
    const nonce = randomUUID();
    const tar = join(env.clients.dir, 'rootfs.tar');
    const diffId = await writeTarFile(tar, [{ path: 'nonce.txt', data: `${nonce}\n` }, { path: 'hello.txt', data: 'hello from podman\n' }]);
    const ref = `${env.reg.host}/library/podman-built:1`;
    await env.clients.podman(['import', '--change', 'CMD=["/hello.txt"]', tar, ref]);
    const local = await podmanInspect(ref);
    expect(local.RootFS.Layers).toEqual([diffId]);

    const digestFile = join(env.clients.dir, 'pushed.digest');
    await env.clients.podman(['push', '--digestfile', digestFile, ref]);
    const pushedDigest = (await readFile(digestFile, 'utf8')).trim();

    // What the registry now serves under the tag: the manifest podman pushed, byte for byte.
    const res = await fetch(`${env.reg.url}/v2/library/podman-built/manifests/1`, {
      headers: { Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
    });
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.headers.get('docker-content-digest')).toBe(pushedDigest);
    expect(sha256(body)).toBe(pushedDigest);
    const manifest = JSON.parse(body.toString('utf8')) as { config: { digest: string }; layers: { digest: string; mediaType: string }[] };
    expect(manifest.config.digest).toBe(`sha256:${local.Id}`);
    expect(manifest.layers).toHaveLength(1);

    // The uploaded layer: its bytes hash to its digest and decompress to exactly our tar.
    const blob = await fetch(`${env.reg.url}/v2/library/podman-built/blobs/${manifest.layers[0].digest}`);
    expect(blob.status).toBe(200);
    const layer = Buffer.from(await blob.arrayBuffer());
    expect(sha256(layer)).toBe(manifest.layers[0].digest);
    const uncompressed = manifest.layers[0].mediaType.endsWith('gzip') ? gunzipSync(layer) : layer;
    expect(sha256(uncompressed)).toBe(diffId);
    expect(uncompressed.equals(await readFile(tar))).toBe(true);

    // Forget it locally, pull it back: same image ID, same digest.
    await env.clients.podman(['rmi', '--force', ref]);
    expect((await env.clients.podmanRaw(['image', 'exists', ref])).code).toBe(1);
    await env.clients.podman(['pull', ref]);
    const back = await podmanInspect(ref);
    expect(back.Id).toBe(local.Id);
    expect(back.Digest).toBe(pushedDigest);
    expect(back.RootFS.Layers).toEqual([diffId]);
  });

  test('manifest add --all + manifest push --all keeps both platform images', async () => {
    const list = 'localhost/harborctl-interop-list:1';
    await env.clients.podman(['manifest', 'create', list]);
    await env.clients.podman(['manifest', 'add', '--all', list, `docker://${env.reg.host}/library/multi:1`]);
    await env.clients.podman(['manifest', 'push', '--all', list, `docker://${env.reg.host}/library/multi-podman:1`]);

    const res = await fetch(`${env.reg.url}/v2/library/multi-podman/manifests/1`, {
      headers: { Accept: 'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json' },
    });
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.headers.get('docker-content-digest')).toBe(sha256(body));
    const index = JSON.parse(body.toString('utf8')) as { mediaType: string; manifests: { digest: string; platform: { architecture: string } }[] };
    expect(res.headers.get('content-type')).toBe(index.mediaType);
    const { amd64, arm64 } = env.images.multi.children;
    expect(index.manifests.map((m) => [m.platform.architecture, m.digest]).sort()).toEqual([['amd64', amd64.digest], ['arm64', arm64.digest]]);
    for (const child of [amd64, arm64]) {
      const r = await fetch(`${env.reg.url}/v2/library/multi-podman/manifests/${child.digest}`, { headers: { Accept: child.descriptor.mediaType } });
      expect(r.status, child.ref).toBe(200);
      expect(Buffer.from(await r.arrayBuffer()).equals(child.manifest), child.ref).toBe(true);
    }
  });

  test('the access log shows podman\'s requests', () => {
    const podmanLines = env.reg.accessLog().filter((l) => l.includes('containers/'));
    expect(podmanLines.some((l) => /"PUT \/v2\/library\/podman-built\/manifests\/1 HTTP\/1\.1" 201 /.test(l))).toBe(true);
    expect(podmanLines.some((l) => /"PUT \/v2\/library\/podman-built\/blobs\/uploads\/\S+ HTTP\/1\.1" 201 /.test(l))).toBe(true);
  });
});
