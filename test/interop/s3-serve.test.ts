// End to end on S3: `harborctl serve --storage s3://...` over a real radosgw (test/helpers/ceph.ts),
// with skopeo and podman pushing and pulling through it. The blobs must land in the bucket, none
// in the data dir; the credentials never appear in the server's output. Without Ceph installed
// this fails, never skips.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startCeph, type Ceph } from '../helpers/ceph.js';
import { cliEnv, spawnCli } from '../helpers/cli.js';
import { ContainerClients } from '../helpers/clients.js';
import { buildTestImages, sha256File, type TestImages } from '../helpers/images.js';
import { startHarborctl, type RegistryProcess } from '../helpers/registry-process.js';
import { ADMIN_AUTHORIZATION } from '../helpers/admin-auth.js';
import { createHash } from 'node:crypto';

const copyFlags = ['--src-tls-verify=false', '--dest-tls-verify=false'];
const PREFIX = 'registry/one';
let ceph: Ceph;
let bucket: string;
let reg: RegistryProcess;
let clients: ContainerClients;
let images: TestImages;

beforeAll(async () => {
  ceph = await startCeph();
  bucket = await ceph.bucket();
  // A 12 MiB layer: more than two S3 parts, so chunked pushes cross the 5 MiB minimum.
  images = await buildTestImages({ big: 12 });
  reg = await startHarborctl({
    args: ['--storage', ceph.storageUrl(bucket, PREFIX)],
    env: { AWS_ACCESS_KEY_ID: ceph.accessKeyId, AWS_SECRET_ACCESS_KEY: ceph.secretAccessKey },
  });
  clients = await ContainerClients.create([reg.host]);
});
afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') console.error(`harborctl log (last 40 lines):\n${reg?.logs.slice(-40).join('\n')}`);
});
afterAll(async () => {
  const exit = await reg?.stop();
  await clients?.dispose();
  await images?.dispose();
  await ceph?.stop();
  expect(exit, 'harborctl exits 0 on SIGTERM').toEqual({ code: 0, signal: null });
});

describe('harborctl serve --storage s3:// (radosgw)', () => {
  test('skopeo pushes an image with a 12 MiB layer, and pulls it back byte for byte', async () => {
    const big = images.big!;
    expect(big.layers[0].size).toBeGreaterThan(12 * 1024 * 1024);
    // --preserve-digests: without it skopeo gzips the uncompressed layer on its way (see big-layer.test.ts).
    await clients.skopeo(['copy', '--preserve-digests', ...copyFlags, `oci:${images.layout}:big`, `docker://${reg.host}/library/big:1`]);
    const keys = await ceph.keys(bucket);
    for (const d of [big.config, ...big.layers]) {
      const hex = d.digest.slice('sha256:'.length);
      expect(keys).toContain(`${PREFIX}/blobs/sha256/${hex.slice(0, 2)}/${hex}`);
    }
    // Every upload was committed and cleaned up; nothing outside the prefix.
    expect(keys.filter((k) => !k.startsWith(`${PREFIX}/blobs/`))).toEqual([]);
    expect(await readdir(reg.dataDir)).not.toContain('blobs');

    const back = join(clients.dir, 'pulled-big');
    await clients.skopeo(['copy', '--preserve-digests', '--dest-oci-accept-uncompressed-layers', ...copyFlags, `docker://${reg.host}/library/big:1`, `oci:${back}:big`]);
    for (const d of [big.descriptor, big.config, ...big.layers]) {
      expect(await sha256File(join(back, 'blobs', 'sha256', d.digest.slice('sha256:'.length))), d.digest).toBe(d.digest);
    }
  });

  test('podman pulls, re-tags and pushes through it', async () => {
    await clients.skopeo(['copy', ...copyFlags, `oci:${images.layout}:tiny`, `docker://${reg.host}/library/tiny:1`]);
    await clients.podman(['pull', `${reg.host}/library/tiny:1`]);
    await clients.podman(['tag', `${reg.host}/library/tiny:1`, `${reg.host}/library/tiny-again:2`]);
    await clients.podman(['push', `${reg.host}/library/tiny-again:2`]);
    const info = JSON.parse((await clients.skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/library/tiny-again:2`])).stdout) as { Layers: string[] };
    expect(info.Layers).toEqual(images.tiny.layers.map((l) => l.digest));
  });

  test('a bucket the credentials cannot list stops serve with one line that names it, not the secret', async () => {
    const { env, cleanup } = await cliEnv({ AWS_ACCESS_KEY_ID: ceph.accessKeyId, AWS_SECRET_ACCESS_KEY: 'wrong-secret-0123456789' });
    try {
      const r = await spawnCli(env, ['serve', '--listen', '127.0.0.1:0', '--metrics-listen', 'off', '--storage', ceph.storageUrl(bucket)]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`harborctl: S3 storage: bucket "${bucket}" at ${ceph.endpoint} cannot be listed: SignatureDoesNotMatch`);
      expect(r.stderr).not.toContain('wrong-secret');
      const missing = await spawnCli({ ...env, AWS_SECRET_ACCESS_KEY: ceph.secretAccessKey }, ['serve', '--listen', '127.0.0.1:0', '--metrics-listen', 'off', '--storage', ceph.storageUrl('no-such-bucket')]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('harborctl: S3 storage: bucket "no-such-bucket"');
      expect(missing.stderr).toContain('NoSuchBucket');
    } finally {
      await cleanup();
    }
  });

  test('redirect=true: blob GETs answer 307 to a presigned radosgw URL that serves the bytes; skopeo pulls through it', async () => {
    const redirecting = await startHarborctl({
      args: ['--storage', `${ceph.storageUrl(bucket, 'registry/redirect')}&redirect=true`, '--metrics-listen', 'off'],
      env: { AWS_ACCESS_KEY_ID: ceph.accessKeyId, AWS_SECRET_ACCESS_KEY: ceph.secretAccessKey },
    });
    const its = await ContainerClients.create([redirecting.host]);
    try {
      await its.skopeo(['copy', ...copyFlags, `oci:${images.layout}:tiny`, `docker://${redirecting.host}/library/tiny:1`]);
      const layer = images.tiny.layers[0].digest;
      const blobUrl = `${redirecting.url}/v2/library/tiny/blobs/${layer}`;
      const head = await fetch(blobUrl, { method: 'HEAD', headers: { authorization: ADMIN_AUTHORIZATION } });
      expect(head.status).toBe(200); // the size is known here: no redirect
      const get = await fetch(blobUrl, { headers: { authorization: ADMIN_AUTHORIZATION }, redirect: 'manual' });
      expect(get.status).toBe(307);
      const location = new URL(get.headers.get('location')!);
      expect(location.origin).toBe(ceph.endpoint);
      expect(location.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      const bytes = Buffer.from(await (await fetch(location)).arrayBuffer()); // no credentials of ours needed
      expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(layer);
      // A blob the repository does not have is still refused here, before any redirect.
      expect((await fetch(`${redirecting.url}/v2/library/nothing/blobs/${layer}`, { headers: { authorization: ADMIN_AUTHORIZATION }, redirect: 'manual' })).status).toBe(404);

      const back = join(its.dir, 'pulled-redirect');
      await its.skopeo(['copy', ...copyFlags, `docker://${redirecting.host}/library/tiny:1`, `oci:${back}:tiny`]);
      expect(await sha256File(join(back, 'blobs', 'sha256', layer.slice('sha256:'.length)))).toBe(layer);
      // skopeo's own blob GETs (config and layer) were redirected too, beside the fetch above.
      const redirected = redirecting.accessLog().filter((l) => /"GET \/v2\/library\/tiny\/blobs\/sha256:[0-9a-f]{64} HTTP\/1\.1" 307 /.test(l));
      expect(redirected.length).toBeGreaterThanOrEqual(3);
      expect(redirecting.logs.join('\n')).not.toContain(ceph.secretAccessKey);
    } finally {
      await its.dispose();
      expect(await redirecting.stop()).toEqual({ code: 0, signal: null });
    }
  });

  test('the credentials appear nowhere in the server output', () => {
    const all = reg.logs.join('\n');
    expect(all).not.toContain(ceph.secretAccessKey);
    expect(all).not.toContain(ceph.accessKeyId);
  });
});
