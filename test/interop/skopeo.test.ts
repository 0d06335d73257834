// skopeo 1.9 against a real `harborctl serve` process: push a single-platform image and a
// two-platform index, inspect, read back the raw bytes, list tags, pull back, delete by digest.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { sha256File } from '../helpers/images.js';
// /v2 needs credentials since issue 3: these checks read as the test admin.
import { adminFetch as fetch } from '../helpers/admin-auth.js';
import { useHarborctl } from '../helpers/interop.js';

const env = useHarborctl();

const MT = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;
const sha256 = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;



const noTls = ['--tls-verify=false'];
const copyFlags = ['--src-tls-verify=false', '--dest-tls-verify=false'];

interface Inspect { Name: string; Digest: string; Architecture: string; Layers: string[]; RepoTags: string[] }

async function inspect(ref: string): Promise<Inspect> {
  return JSON.parse((await env.clients.skopeo(['inspect', ...noTls, ref])).stdout) as Inspect;
}

async function rawManifest(ref: string): Promise<Buffer> {
  // stdout carries the bytes exactly as served (skopeo adds no newline to --raw)
  return Buffer.from((await env.clients.skopeo(['inspect', '--raw', ...noTls, ref])).stdout, 'utf8');
}

/** GET a manifest over plain HTTP, to check the registry itself and not skopeo's reading of it. */
async function httpManifest(repo: string, reference: string): Promise<{ status: number; body: Buffer; digest: string | null; type: string | null }> {
  const res = await fetch(`${env.reg.url}/v2/${repo}/manifests/${reference}`, {
    headers: { Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json' },
  });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()), digest: res.headers.get('docker-content-digest'), type: res.headers.get('content-type') };
}

describe('skopeo ↔ harborctl', () => {
  test('copy of a single-platform image keeps its digest and bytes', async () => {
    await env.clients.skopeo(['copy', ...copyFlags, `oci:${env.images.layout}:tiny`, `docker://${env.reg.host}/library/tiny:1`]);

    const info = await inspect(`docker://${env.reg.host}/library/tiny:1`);
    expect(info.Digest).toBe(env.images.tiny.digest);
    expect(info.Layers).toEqual(env.images.tiny.layers.map((l) => l.digest));
    expect(info.Architecture).toBe('amd64');

    expect((await rawManifest(`docker://${env.reg.host}/library/tiny:1`)).equals(env.images.tiny.manifest)).toBe(true);
    const byHttp = await httpManifest('library/tiny', env.images.tiny.digest);
    expect(byHttp.status).toBe(200);
    expect(byHttp.digest).toBe(env.images.tiny.digest);
    expect(byHttp.type).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(byHttp.body.equals(env.images.tiny.manifest)).toBe(true);
  });

  test('copy --all of a two-platform index keeps the index and both children', async () => {
    await env.clients.skopeo(['copy', '--all', ...copyFlags, `oci:${env.images.layout}:multi`, `docker://${env.reg.host}/library/multi:1`]);

    const raw = await rawManifest(`docker://${env.reg.host}/library/multi:1`);
    expect(raw.equals(env.images.multi.index)).toBe(true);
    // skopeo inspect (not --raw) resolves the index to this host's platform and reports the index digest
    expect((await inspect(`docker://${env.reg.host}/library/multi:1`)).Digest).toBe(env.images.multi.digest);
    for (const child of [env.images.multi.children.amd64, env.images.multi.children.arm64]) {
      const bytes = await rawManifest(`docker://${env.reg.host}/library/multi@${child.digest}`);
      expect(bytes.equals(child.manifest), child.ref).toBe(true);
    }
    const arm = await env.clients.skopeo(['inspect', ...noTls, '--override-arch', 'arm64', '--override-variant', 'v8', `docker://${env.reg.host}/library/multi:1`]);
    expect((JSON.parse(arm.stdout) as Inspect).Layers).toEqual(env.images.multi.children.arm64.layers.map((l) => l.digest));
  });

  test('list-tags shows every pushed tag', async () => {
    await env.clients.skopeo(['copy', ...copyFlags, `docker://${env.reg.host}/library/tiny:1`, `docker://${env.reg.host}/library/tiny:2`]);
    const out = JSON.parse((await env.clients.skopeo(['list-tags', ...noTls, `docker://${env.reg.host}/library/tiny`])).stdout) as { Repository: string; Tags: string[] };
    expect(out.Repository).toBe(`${env.reg.host}/library/tiny`);
    expect([...out.Tags].sort()).toEqual(['1', '2']);
  });

  test('pull back to an oci: layout gives the same manifest, config and layer bytes', async () => {
    const back = join(env.clients.dir, 'pulled');
    await env.clients.skopeo(['copy', ...copyFlags, `docker://${env.reg.host}/library/tiny:1`, `oci:${back}:tiny`]);
    const index = JSON.parse(await readFile(join(back, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    expect(index.manifests.map((m) => m.digest)).toEqual([env.images.tiny.digest]);
    for (const d of [env.images.tiny.descriptor, env.images.tiny.config, ...env.images.tiny.layers]) {
      expect(await sha256File(join(back, 'blobs', 'sha256', d.digest.slice('sha256:'.length))), d.digest).toBe(d.digest);
    }
  });

  test('delete by digest removes the manifest and its tags', async () => {
    await env.clients.skopeo(['copy', ...copyFlags, `oci:${env.images.layout}:tiny`, `docker://${env.reg.host}/library/gone:1`]);
    expect((await inspect(`docker://${env.reg.host}/library/gone:1`)).Digest).toBe(env.images.tiny.digest);

    await env.clients.skopeo(['delete', ...noTls, `docker://${env.reg.host}/library/gone@${env.images.tiny.digest}`]);

    const after = await env.clients.skopeoRaw(['inspect', '--raw', ...noTls, `docker://${env.reg.host}/library/gone@${env.images.tiny.digest}`]);
    expect(after.code).not.toBe(0);
    expect(after.stderr).toMatch(/manifest unknown/i);
    expect((await httpManifest('library/gone', env.images.tiny.digest)).status).toBe(404);
    expect((await httpManifest('library/gone', '1')).status).toBe(404);
    // An emptied repository may list no tags or be unknown altogether; either way tag 1 is gone.
    const tags = await env.clients.skopeoRaw(['list-tags', ...noTls, `docker://${env.reg.host}/library/gone`]);
    if (tags.code === 0) expect((JSON.parse(tags.stdout) as { Tags: string[] | null }).Tags ?? []).toEqual([]);
    else expect(tags.stderr).toMatch(/name unknown|repository name not known/i);
    // the same digest in another repository is untouched
    expect((await inspect(`docker://${env.reg.host}/library/tiny:1`)).Digest).toBe(env.images.tiny.digest);
  });

  test('copy --format v2s2 stores a Docker schema 2 manifest, served with its own type and digest', async () => {
    const digestFile = join(env.clients.dir, 'v2s2.digest');
    await env.clients.skopeo(['copy', '--format', 'v2s2', '--digestfile', digestFile, ...copyFlags, `oci:${env.images.layout}:tiny`, `docker://${env.reg.host}/library/tiny-docker:1`]);
    const pushed = (await readFile(digestFile, 'utf8')).trim();
    expect(pushed).not.toBe(env.images.tiny.digest); // another manifest format, so another digest

    const res = await fetch(`${env.reg.url}/v2/library/tiny-docker/manifests/1`, { headers: { Accept: MT.dockerManifest } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(MT.dockerManifest);
    expect(res.headers.get('docker-content-digest')).toBe(pushed);
    const body = Buffer.from(await res.arrayBuffer());
    expect(sha256(body)).toBe(pushed);
    const m = JSON.parse(body.toString('utf8')) as { mediaType: string; config: { digest: string }; layers: { digest: string; mediaType: string }[] };
    expect(m.mediaType).toBe(MT.dockerManifest);
    expect(m.config.digest).toBe(env.images.tiny.config.digest);
    expect(m.layers.map((l) => [l.mediaType, l.digest])).toEqual([[MT.dockerLayer, env.images.tiny.layers[0].digest]]);
    expect((await inspect(`docker://${env.reg.host}/library/tiny-docker:1`)).Digest).toBe(pushed);
  });

  test('copy --all --format v2s2 of the index stores a Docker manifest list', async () => {
    await env.clients.skopeo(['copy', '--all', '--format', 'v2s2', ...copyFlags, `oci:${env.images.layout}:multi`, `docker://${env.reg.host}/library/multi-docker:1`]);
    const res = await fetch(`${env.reg.url}/v2/library/multi-docker/manifests/1`, { headers: { Accept: MT.dockerList } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(MT.dockerList);
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.headers.get('docker-content-digest')).toBe(sha256(body));
    const list = JSON.parse(body.toString('utf8')) as { manifests: { digest: string; mediaType: string; platform: { architecture: string } }[] };
    expect(list.manifests.map((d) => [d.platform.architecture, d.mediaType])).toEqual([['amd64', MT.dockerManifest], ['arm64', MT.dockerManifest]]);
    const { amd64, arm64 } = env.images.multi.children;
    for (const [d, original] of [[list.manifests[0], amd64], [list.manifests[1], arm64]] as const) {
      const child = JSON.parse((await rawManifest(`docker://${env.reg.host}/library/multi-docker@${d.digest}`)).toString('utf8')) as { config: { digest: string } };
      expect(child.config.digest).toBe(original.config.digest);
    }
  });

  test('copy inside the registry mounts the blobs instead of uploading them', async () => {
    await env.clients.skopeo(['copy', ...copyFlags, `docker://${env.reg.host}/library/tiny:1`, `docker://${env.reg.host}/library/tiny-mounted:1`]);
    expect((await inspect(`docker://${env.reg.host}/library/tiny-mounted:1`)).Digest).toBe(env.images.tiny.digest);
    const lines = env.reg.accessLog().filter((l) => l.includes('/v2/library/tiny-mounted/'));
    const mounts = lines.filter((l) => /"POST \/v2\/library\/tiny-mounted\/blobs\/uploads\/\?\S*mount=/.test(l));
    expect(mounts.length).toBeGreaterThan(0);
    for (const l of mounts) expect(l).toMatch(/ 201 /);
    // the layer came by mount, so no upload session carried its bytes
    expect(lines.filter((l) => l.includes(encodeURIComponent(env.images.tiny.layers[0].digest)) && l.includes('"PUT '))).toEqual([]);
    for (const d of [env.images.tiny.config, ...env.images.tiny.layers]) {
      const head = await fetch(`${env.reg.url}/v2/library/tiny-mounted/blobs/${d.digest}`, { method: 'HEAD' });
      expect(head.status, d.digest).toBe(200);
    }
  });

  test('the access log recorded the clients\' requests', () => {
    const lines = env.reg.accessLog();
    expect(lines.some((l) => l.includes(`"PUT /v2/library/tiny/manifests/1 `) && / 201 /.test(l))).toBe(true);
    expect(lines.some((l) => l.includes(`"DELETE /v2/library/gone/manifests/${env.images.tiny.digest} `) && / 202 /.test(l))).toBe(true);
  });
});
