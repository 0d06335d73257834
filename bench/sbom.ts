// SBOM generation benchmark: builds a ~200 MiB OCI image layout in a temp dir (a gzip layer with
// the committed dpkg status snapshot and 150 MiB of incompressible files, a plain layer with 2,000
// npm packages, a 20 MiB Go-like binary and a jar), then scans it in a child process and reports
// wall time and the child's peak RSS. Streams everything: the fixture is never held in memory.
// A second child runs the registry's path: the image pushed into an in-process registry (temp data
// dir, no listening socket), then generation and storage of both documents by its SBOM service.
//
//   npm run build && node dist/bench/sbom.js [--mib 200] [--keep]
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { tarStream } from './tar.js';

const MIB = 1 << 20;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function* randomBody(size: number): Iterable<Buffer> {
  for (let left = size; left > 0; left -= MIB) yield randomBytes(Math.min(MIB, left));
}

async function writeBlob(dir: string, source: AsyncIterable<Buffer>, gzip: boolean): Promise<{ digest: string; size: number }> {
  const tmp = join(dir, 'blobs', 'tmp');
  const hash = createHash('sha256');
  const hashing = async function* (src: AsyncIterable<Buffer>) { for await (const c of src) { hash.update(c); yield c; } };
  if (gzip) await pipeline(source, createGzip({ level: 1 }), hashing, createWriteStream(tmp));
  else await pipeline(source, hashing, createWriteStream(tmp));
  const digest = `sha256:${hash.digest('hex')}`;
  renameSync(tmp, join(dir, 'blobs', 'sha256', digest.slice(7)));
  return { digest, size: statSync(join(dir, 'blobs', 'sha256', digest.slice(7))).size };
}

function jsonBlob(dir: string, v: unknown): { digest: string; size: number } {
  const b = Buffer.from(JSON.stringify(v));
  const digest = `sha256:${createHash('sha256').update(b).digest('hex')}`;
  writeFileSync(join(dir, 'blobs', 'sha256', digest.slice(7)), b);
  return { digest, size: b.length };
}

async function buildImage(dir: string, mib: number): Promise<void> {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const status = readFileSync(join(ROOT, 'test', 'fixtures', 'sbom', 'dpkg', 'status'));
  const bigFiles = Math.max(1, Math.floor((mib * 0.75) / 10));
  const osRelease = Buffer.from('ID=debian\nVERSION_ID=12\n');
  const base = await writeBlob(dir, tarStream([
    { name: 'etc/os-release', size: osRelease.length, body: () => [osRelease] },
    { name: 'var/lib/dpkg/status', size: status.length, body: () => [status] },
    ...Array.from({ length: bigFiles }, (_, i) => ({ name: `usr/share/data/blob${i}.bin`, size: 10 * MIB, body: () => randomBody(10 * MIB) })),
  ]), true);
  const goSize = 20 * MIB;
  const buildInfo = Buffer.concat([Buffer.from('\xff Go buildinf:', 'latin1'), Buffer.from([8, 2]), Buffer.alloc(16)]);
  const mod = Buffer.from(`${'x'.repeat(16)}path\tex.com/app\nmod\tex.com/app\tv1.0.0\t\ndep\tgithub.com/a/b\tv1.2.3\th1:=\n${'y'.repeat(16)}`);
  const goTail = Buffer.concat([buildInfo, Buffer.from([8]), Buffer.from('go1.22.0'), Buffer.from([mod.length]), mod]);
  const app = await writeBlob(dir, tarStream([
    ...Array.from({ length: 2000 }, (_, i) => {
      const b = Buffer.from(JSON.stringify({ name: `pkg-${i}`, version: `1.0.${i}`, license: 'MIT' }));
      return { name: `app/node_modules/pkg-${i}/package.json`, size: b.length, body: () => [b] };
    }),
    {
      name: 'usr/local/bin/app', size: goSize, mode: 0o755,
      body: function* () { yield Buffer.from([0x7f, 0x45, 0x4c, 0x46]); yield* randomBody(goSize - 4 - goTail.length); yield goTail; },
    },
    ...Array.from({ length: Math.max(0, Math.floor(mib * 0.25) - 20) }, (_, i) => ({ name: `app/assets/a${i}.bin`, size: MIB, body: () => randomBody(MIB) })),
  ]), false);
  const config = jsonBlob(dir, { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
  const manifest = jsonBlob(dir, {
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...base },
      { mediaType: 'application/vnd.oci.image.layer.v1.tar', ...app },
    ],
  });
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'bench:1' } }],
  }));
}

async function scanChild(dir: string): Promise<void> {
  const { scanLocalImage, toSpdx, toCycloneDx } = await import('../src/sbom/index.js');
  const t0 = process.hrtime.bigint();
  const inv = await scanLocalImage(dir);
  const t1 = process.hrtime.bigint();
  const spdx = JSON.stringify(toSpdx(inv));
  const cdx = JSON.stringify(toCycloneDx(inv));
  const t2 = process.hrtime.bigint();
  process.stdout.write(`${JSON.stringify({
    scanMs: Number(t1 - t0) / 1e6, writeMs: Number(t2 - t1) / 1e6, packages: inv.packages.length,
    spdxBytes: spdx.length, cyclonedxBytes: cdx.length, peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`);
}

/** The registry's path: push the layout's image into a fresh registry, then time SBOM generation there. */
async function registryChild(dir: string): Promise<void> {
  const { createApp } = await import('../src/server/app.js');
  const { createLogger } = await import('../src/core/log.js');
  const { createReadStream } = await import('node:fs');
  const data = mkdtempSync(join(tmpdir(), 'harborctl-sbom-bench-data-'));
  const app = await createApp({ dataDir: data, log: createLogger('silent'), adminPassword: 'Bench-12345' });
  try {
    const blob = (d: string): string => join(dir, 'blobs', 'sha256', d.slice(7));
    const desc = (JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string; mediaType: string }[] }).manifests[0]!;
    const manifest = readFileSync(blob(desc.digest));
    const doc = JSON.parse(manifest.toString('utf8')) as { config: { digest: string; size: number }; layers: { digest: string; size: number }[] };
    const repo = await app.registry.resolveRepository('library/bench');
    for (const d of [doc.config, ...doc.layers]) await app.registry.uploadMonolithic(repo, d.digest, createReadStream(blob(d.digest)), { length: d.size });
    await app.registry.putManifest(repo, '1', desc.mediaType, manifest);
    const t0 = process.hrtime.bigint();
    await app.sbom.request('library/bench', desc.digest);
    await app.sbom.idle();
    const t1 = process.hrtime.bigint();
    const status = await app.sbom.status('library/bench', desc.digest);
    process.stdout.write(`${JSON.stringify({ generateMs: Number(t1 - t0) / 1e6, status: status?.status, peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
  } finally {
    await app.close();
    rmSync(data, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { mib: { type: 'string', default: '200' }, keep: { type: 'boolean' }, scan: { type: 'string' }, registry: { type: 'string' } } });
  if (values.scan) return scanChild(values.scan);
  if (values.registry) return registryChild(values.registry);
  const mib = Number(values.mib);
  const dir = mkdtempSync(join(tmpdir(), 'harborctl-sbom-bench-'));
  try {
    const tb = Date.now();
    await buildImage(dir, mib);
    let bytes = 0;
    for (const f of ['blobs/sha256']) for (const e of (await import('node:fs')).readdirSync(join(dir, f))) bytes += statSync(join(dir, f, e)).size;
    process.stderr.write(`built a ${(bytes / MIB).toFixed(0)} MiB image in ${((Date.now() - tb) / 1000).toFixed(1)} s at ${dir}\n`);
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--scan', dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`scan failed: ${r.stderr}`);
    const res = JSON.parse(r.stdout) as Record<string, number>;
    process.stdout.write(`sbom scan of ${(bytes / MIB).toFixed(0)} MiB image: ${res.packages} packages, scan ${(res.scanMs! / 1000).toFixed(2)} s, `
      + `SPDX+CycloneDX writing ${(res.writeMs! / 1000).toFixed(2)} s, peak RSS ${res.peakRssMiB} MiB\n`);
    const g = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--registry', dir], { encoding: 'utf8' });
    if (g.status !== 0) throw new Error(`registry generation failed: ${g.stderr}`);
    const reg = JSON.parse(g.stdout) as { generateMs: number; status: string; peakRssMiB: number };
    process.stdout.write(`registry generation (POST …/scan sbom path: scan, both documents stored as accessories): ${reg.status} in `
      + `${(reg.generateMs / 1000).toFixed(2)} s, peak RSS of the registry process ${reg.peakRssMiB} MiB\n`);
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
