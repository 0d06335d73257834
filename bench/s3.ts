// S3 vs filesystem blob storage (issue 16): the same `harborctl serve`, once with its blobs on the
// filesystem (the data dir) and once on a real radosgw (test/helpers/ceph.ts: 1 monitor, 1 memstore
// OSD, radosgw, all on this machine's loopback), each pushing (one PUT, then 8 MiB PATCH chunks) and
// pulling a random blob with curl. A fresh blob per push, so no run finds its blob already stored.
// Prints a Markdown table of the runs and the medians; docs/benchmarks.md carries the last one.
//
//   npm run build && node dist/bench/s3.js [--runs 3] [--blob-mib 256] [--keep]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startCeph } from '../test/helpers/ceph.js';
import { makeBigBlob, pullBlob, pushChunked, pushMonolithic, verifyBlob, type BigBlob, type Transfer } from './blob.js';
import { cpuSeconds, loadAverage, RssSampler } from './procfs.js';
import { median } from './report.js';
import { startHarborctl } from './servers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MIB = 1 << 20;

const { values } = parseArgs({ options: { runs: { type: 'string' }, 'blob-mib': { type: 'string' }, keep: { type: 'boolean' } } });
const runs = Number(values.runs ?? 3);
const blobMiB = Number(values['blob-mib'] ?? 256);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(blobMiB) || blobMiB < 1) throw new Error('--runs and --blob-mib are whole numbers ≥ 1');

interface Sample { push: number; chunked: number; pull: number; cpu: number; rssMiB: number }

async function measure(label: string, work: string, blobs: BigBlob[][], serve: { args?: string[]; env?: NodeJS.ProcessEnv }): Promise<Sample[]> {
  const dir = join(work, label);
  const reg = await startHarborctl({ workDir: mkdtempSync(`${dir}-`), projectRoot: ROOT, ...serve });
  const samples: Sample[] = [];
  try {
    for (const [i, [mono, chunked]] of blobs.entries()) {
      const repo = `library/bench-${i}`;
      const cpu0 = cpuSeconds(reg.pid);
      const rss = new RssSampler(reg.pid).start();
      const seconds = (t: Transfer): number => t.seconds;
      const push = seconds(await pushMonolithic(reg.url, repo, mono));
      const chunk = seconds(await pushChunked(reg.url, repo, chunked));
      const pull = seconds(await pullBlob(reg.url, repo, mono));
      const maxKiB = rss.stop();
      samples.push({ push, chunked: chunk, pull, cpu: cpuSeconds(reg.pid) - cpu0, rssMiB: maxKiB / 1024 });
      await verifyBlob(reg.url, repo, mono);
      await verifyBlob(reg.url, repo, chunked);
      console.error(`${label} run ${i + 1}: push ${push.toFixed(2)} s, chunked ${chunk.toFixed(2)} s, pull ${pull.toFixed(2)} s`);
    }
  } finally {
    await reg.stop();
  }
  return samples;
}

const work = mkdtempSync(join(tmpdir(), 'harborctl-bench-s3-'));
const ceph = await startCeph();
try {
  const bucket = await ceph.bucket('bench');
  const blobs: BigBlob[][] = [];
  for (let i = 0; i < runs; i++) {
    blobs.push([0, 1].map((j) => makeBigBlob(mkdtempSync(join(work, `blob-${i}-${j}-`)), blobMiB * MIB, 8 * MIB)));
  }
  const loadBefore = loadAverage();
  const file = await measure('file', work, blobs, {});
  const s3 = await measure('s3', work, blobs, {
    args: ['--storage', ceph.storageUrl(bucket, 'bench')],
    env: { AWS_ACCESS_KEY_ID: ceph.accessKeyId, AWS_SECRET_ACCESS_KEY: ceph.secretAccessKey },
  });
  const mbps = (s: number): string => `${((blobMiB * MIB) / 1e6 / s).toFixed(0)} MB/s`;
  const cell = (xs: Sample[], k: keyof Sample): string => `${xs.map((x) => x[k].toFixed(2)).join(' / ')}`;
  console.log(`${blobMiB} MiB blob, ${runs} runs each (s; median → throughput). Load average before: ${loadBefore}, after: ${loadAverage()}\n`);
  console.log('| storage | push (one PUT) | push (8 MiB PATCHes) | pull | server CPU s per run | server peak RSS MiB |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, xs] of [['filesystem', file], ['radosgw (S3)', s3]] as const) {
    const med = (k: keyof Sample): number => median(xs.map((x) => x[k]));
    console.log(`| ${name} | ${cell(xs, 'push')} → ${mbps(med('push'))} | ${cell(xs, 'chunked')} → ${mbps(med('chunked'))} | ${cell(xs, 'pull')} → ${mbps(med('pull'))} | ${cell(xs, 'cpu')} | ${cell(xs, 'rssMiB')} |`);
  }
  const ratio = (k: keyof Sample): string => (median(s3.map((x) => x[k])) / median(file.map((x) => x[k]))).toFixed(2);
  console.log(`\nS3 / filesystem time, medians: push ${ratio('push')}×, chunked push ${ratio('chunked')}×, pull ${ratio('pull')}×`);
} finally {
  await ceph.stop();
  if (!values.keep) rmSync(work, { recursive: true, force: true });
  else console.error(`kept ${work}`);
}
