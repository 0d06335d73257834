// The test-image builder itself, judged by independent OCI tools: umoci (reads the layout, checks
// diff_ids while unpacking) and skopeo (reads oci: references). Also: the builder is deterministic.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ContainerClients } from '../helpers/clients.js';
import { runOk } from '../helpers/exec.js';
import { buildTestImages, sha256File, type TestImages } from '../helpers/images.js';

let images: TestImages;
let again: TestImages;
let clients: ContainerClients;

beforeAll(async () => {
  images = await buildTestImages();
  again = await buildTestImages();
  clients = await ContainerClients.create([]);
});
afterAll(async () => {
  await images?.dispose();
  await again?.dispose();
  await clients?.dispose();
});

describe('test images', () => {
  test('are byte-for-byte deterministic', () => {
    expect(again.tiny.digest).toBe(images.tiny.digest);
    expect(again.multi.digest).toBe(images.multi.digest);
    expect(again.multi.index.equals(images.multi.index)).toBe(true);
  });

  test('every blob is stored under its own digest', async () => {
    const all = [images.tiny, images.multi.children.amd64, images.multi.children.arm64]
      .flatMap((img) => [img.descriptor, img.config, ...img.layers]);
    for (const d of [...all, images.multi.descriptor]) {
      expect(await sha256File(images.blobPath(d.digest)), d.digest).toBe(d.digest);
    }
  });

  test('umoci lists the refs and unpacks tiny with the right files (diff_ids verified)', async () => {
    const ls = await runOk('umoci', ['ls', '--layout', images.layout]);
    expect(ls.stdout.split('\n').filter(Boolean).sort()).toEqual(['multi', 'tiny']);
    const bundle = join(clients.dir, 'bundle');
    await runOk('umoci', ['unpack', '--rootless', '--image', `${images.layout}:tiny`, bundle]);
    expect(await readFile(join(bundle, 'rootfs', 'hello.txt'), 'utf8')).toBe('hello harbor\n');
    expect(await readFile(join(bundle, 'rootfs', 'etc', 'os-release'), 'utf8')).toBe('NAME="tiny"\nID=tiny\n');
  });

  test('skopeo reads the layout: tiny digest and the two-platform index', async () => {
    const tiny = JSON.parse((await clients.skopeo(['inspect', `oci:${images.layout}:tiny`])).stdout) as { Digest: string; Architecture: string; Layers: string[] };
    expect(tiny.Digest).toBe(images.tiny.digest);
    expect(tiny.Architecture).toBe('amd64');
    expect(tiny.Layers).toEqual(images.tiny.layers.map((l) => l.digest));
    const raw = (await clients.skopeo(['inspect', '--raw', `oci:${images.layout}:multi`])).stdout;
    expect(Buffer.from(raw).equals(images.multi.index)).toBe(true);
    const index = JSON.parse(raw) as { manifests: { digest: string; platform: { architecture: string } }[] };
    expect(index.manifests.map((m) => [m.platform.architecture, m.digest])).toEqual([
      ['amd64', images.multi.children.amd64.digest],
      ['arm64', images.multi.children.arm64.digest],
    ]);
  });
});
