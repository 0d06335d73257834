// A 200 MiB uncompressed random layer through a real `harborctl serve` process: push with skopeo,
// pull back to an oci: layout, and compare bytes by sha256; plus a plain GET and a Range GET of the
// blob, and a check that the server never held the blob in memory.
import { createHash } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { sha256File, type BuiltImage } from '../helpers/images.js';
// /v2 needs credentials since issue 3: these checks read as the test admin.
import { adminFetch as fetch } from '../helpers/admin-auth.js';
import { useHarborctl } from '../helpers/interop.js';

const env = useHarborctl({ images: { big: 200 } });

const MiB = 1024 * 1024;

let big: BuiltImage;

beforeAll(async () => {
  big = env.images.big!;
});

/** Peak resident memory of a process (VmHWM), in bytes. */
async function peakRss(pid: number): Promise<number> {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(m[1]) * 1024;
}

describe('200 MiB layer round trip', () => {
  test('the built layer is one uncompressed blob of just over 200 MiB', () => {
    expect(big.layers).toHaveLength(1);
    expect(big.layers[0].mediaType).toBe('application/vnd.oci.image.layer.v1.tar');
    expect(big.layers[0].size).toBeGreaterThan(200 * MiB);
    expect(big.layers[0].digest).toBe(big.diffIds[0]);
  });

  test('push with skopeo, pull back to an oci: layout: identical digests and bytes', async () => {
    const started = Date.now();
    // Without --preserve-digests skopeo gzips an uncompressed layer on its way to a registry (and
    // without --dest-oci-accept-uncompressed-layers on its way into an oci: layout): we want the bytes as they are.
    await env.clients.skopeo(['copy', '--preserve-digests', '--dest-tls-verify=false', `oci:${env.images.layout}:big`, `docker://${env.reg.host}/library/big:1`]);
    const pushMs = Date.now() - started;

    const info = JSON.parse((await env.clients.skopeo(['inspect', '--tls-verify=false', `docker://${env.reg.host}/library/big:1`])).stdout) as { Digest: string; Layers: string[] };
    expect(info.Digest).toBe(big.digest);
    expect(info.Layers).toEqual([big.layers[0].digest]);

    const back = join(env.clients.dir, 'pulled');
    const t = Date.now();
    await env.clients.skopeo(['copy', '--preserve-digests', '--dest-oci-accept-uncompressed-layers', '--src-tls-verify=false', `docker://${env.reg.host}/library/big:1`, `oci:${back}:big`]);
    const pullMs = Date.now() - t;
    const layer = big.layers[0];
    const pulledPath = join(back, 'blobs', 'sha256', layer.digest.slice('sha256:'.length));
    expect((await stat(pulledPath)).size).toBe(layer.size);
    // Hash of the bytes written by skopeo, and of the original file: both must equal the digest.
    expect(await sha256File(pulledPath)).toBe(layer.digest);
    expect(await sha256File(env.images.blobPath(layer.digest))).toBe(layer.digest);
    const idx = JSON.parse(await readFile(join(back, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    expect(idx.manifests.map((m) => m.digest)).toEqual([big.digest]);
    console.info(`200 MiB layer: skopeo push ${pushMs} ms, skopeo pull ${pullMs} ms`);
  });

  test('a plain GET streams the whole blob; a Range GET returns exactly the asked bytes', async () => {
    const layer = big.layers[0];
    const res = await fetch(`${env.reg.url}/v2/library/big/blobs/${layer.digest}`);
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBe(layer.size);
    const hash = createHash('sha256');
    let n = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      n += chunk.length;
    }
    expect(n).toBe(layer.size);
    expect(`sha256:${hash.digest('hex')}`).toBe(layer.digest);

    const start = 150 * MiB + 7;
    const end = start + MiB - 1;
    const ranged = await fetch(`${env.reg.url}/v2/library/big/blobs/${layer.digest}`, { headers: { Range: `bytes=${start}-${end}` } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes ${start}-${end}/${layer.size}`);
    const got = Buffer.from(await ranged.arrayBuffer());
    const want = Buffer.alloc(MiB);
    const fh = await open(env.images.blobPath(layer.digest));
    try { await fh.read(want, 0, MiB, start); } finally { await fh.close(); }
    expect(got.equals(want)).toBe(true);
  });

  test('the server never held the 200 MiB blob in memory (peak RSS stays well below it)', async () => {
    const peak = await peakRss(env.reg.pid);
    console.info(`harborctl peak RSS after 200 MiB push + 2 pulls: ${(peak / MiB).toFixed(0)} MiB`);
    expect(peak).toBeLessThan(200 * MiB);
  });
});
