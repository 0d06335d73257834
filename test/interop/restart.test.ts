// What a client pushed survives a clean stop: `harborctl serve` gets SIGTERM, exits 0, and a new
// process on the same data dir (and a new port) serves the same digests and bytes.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { ContainerClients } from '../helpers/clients.js';
import { buildTestImages, sha256File, type TestImages } from '../helpers/images.js';
import { startHarborctl, type RegistryProcess } from '../helpers/registry-process.js';

let images: TestImages;
let first: RegistryProcess;
let second: RegistryProcess | undefined;
let clients: ContainerClients | undefined;

beforeAll(async () => {
  images = await buildTestImages();
  first = await startHarborctl();
});
afterEach((ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  console.error(`first harborctl log (last 20 lines):\n${first.logs.slice(-20).join('\n')}`);
  if (second) console.error(`second harborctl log (last 20 lines):\n${second.logs.slice(-20).join('\n')}`);
});
afterAll(async () => {
  await first?.stop(); // no-op when the test already stopped it (then the data dir is the second's)
  const exit = await second?.stop();
  if (first && !second) await rm(first.dataDir, { recursive: true, force: true });
  await clients?.dispose();
  await images?.dispose();
  if (second) expect(exit, 'harborctl exits 0 on SIGTERM').toEqual({ code: 0, signal: null });
});

test('images pushed before a SIGTERM are served unchanged by the next process', async () => {
  const before = await ContainerClients.create([first.host]);
  try {
    await before.skopeo(['copy', '--dest-tls-verify=false', `oci:${images.layout}:tiny`, `docker://${first.host}/library/tiny:1`]);
    await before.skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${images.layout}:multi`, `docker://${first.host}/library/multi:1`]);
  } finally {
    await before.dispose();
  }
  const exit = await first.stop({ keepData: true });
  expect(exit).toEqual({ code: 0, signal: null });

  second = await startHarborctl({ dataDir: first.dataDir });
  expect(second.pid).not.toBe(first.pid);
  clients = await ContainerClients.create([second.host]);
  const raw = async (ref: string): Promise<Buffer> =>
    Buffer.from((await clients!.skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${second!.host}/${ref}`])).stdout, 'utf8');
  expect((await raw('library/tiny:1')).equals(images.tiny.manifest)).toBe(true);
  expect((await raw('library/multi:1')).equals(images.multi.index)).toBe(true);
  expect((await raw(`library/multi@${images.multi.children.arm64.digest}`)).equals(images.multi.children.arm64.manifest)).toBe(true);

  const back = join(clients.dir, 'pulled');
  await clients.skopeo(['copy', '--src-tls-verify=false', `docker://${second.host}/library/tiny:1`, `oci:${back}:tiny`]);
  const idx = JSON.parse(await readFile(join(back, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  expect(idx.manifests.map((m) => m.digest)).toEqual([images.tiny.digest]);
  for (const d of [images.tiny.config, ...images.tiny.layers]) {
    expect(await sha256File(join(back, 'blobs', 'sha256', d.digest.slice('sha256:'.length)))).toBe(d.digest);
  }
});
