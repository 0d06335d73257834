// Replication vs skopeo copy (issue 18): one image with a random layer (256 MiB by default) is
// pushed to a source `harborctl serve`, then copied to a fresh destination server twice: once by a
// replication policy of the source (a push policy, registry type harbor) and once by `skopeo copy`
// into a second fresh destination, so neither copy finds bytes the other sent. A fresh image per
// run. Wall-clock per copy and the CPU of every harborctl process involved (source and destination)
// are reported (skopeo's own CPU, a client's, is not in that column).
// Prints a Markdown table of the runs and the medians; docs/benchmarks.md carries the last one.
//
//   npm run build && node dist/bench/replication.js [--runs 3] [--blob-mib 256] [--keep]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeBigBlob, pushMonolithic } from './blob.js';
import { cpuSeconds, loadAverage } from './procfs.js';
import { median } from './report.js';
import { BENCH_ADMIN_PASSWORD, startHarborctl, type RegistryProcess } from './servers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MIB = 1 << 20;
const { values } = parseArgs({ options: { runs: { type: 'string' }, 'blob-mib': { type: 'string' }, keep: { type: 'boolean' } } });
const runs = Number(values.runs ?? 3);
const blobMiB = Number(values['blob-mib'] ?? 256);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(blobMiB) || blobMiB < 1) throw new Error('--runs and --blob-mib are whole numbers ≥ 1');

const AUTH = `Basic ${Buffer.from(`admin:${BENCH_ADMIN_PASSWORD}`).toString('base64')}`;
const plain = (r: RegistryProcess): string => r.url.replace(/\/\/[^@]*@/, '//');
const hostOf = (r: RegistryProcess): string => new URL(plain(r)).host;

async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(`${plain({ url: base } as RegistryProcess)}${path}`, {
    method, headers: { authorization: AUTH, ...(body !== undefined && !Buffer.isBuffer(body) ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

/** Pushes repo:v1 = the big layer (curl, monolithic) + a tiny config + its manifest. */
async function pushImage(src: RegistryProcess, repo: string, work: string): Promise<void> {
  const layer = makeBigBlob(mkdtempSync(join(work, 'blob-')), blobMiB * MIB, blobMiB * MIB);
  await pushMonolithic(src.url, repo, layer);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } }));
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const loc = (await call(src.url, 'POST', `/v2/${repo}/blobs/uploads/`)).headers.get('location')!;
  await call(src.url, 'PUT', `${new URL(loc, plain(src)).pathname}?digest=${configDigest}`, config, { 'content-type': 'application/octet-stream' });
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.size }],
  }));
  await call(src.url, 'PUT', `/v2/${repo}/manifests/v1`, manifest, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
}

interface Sample { replication: number; replicationCpu: number; skopeo: number; skopeoCpu: number }

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'harborctl-bench-repl-'));
  const servers: RegistryProcess[] = [];
  const samples: Sample[] = [];
  try {
    const start = async (name: string): Promise<RegistryProcess> => {
      const r = await startHarborctl({ workDir: mkdtempSync(join(work, `${name}-`)), projectRoot: ROOT });
      servers.push(r);
      return r;
    };
    const src = await start('src');
    for (let i = 0; i < runs; i++) {
      const [viaRepl, viaSkopeo] = [await start(`repl-${i}`), await start(`skopeo-${i}`)];
      const repo = `library/rep-${i}`;
      await pushImage(src, repo, work);

      const reg = await call(src.url, 'POST', '/api/v2.0/registries', {
        name: `dest-${i}`, type: 'harbor', url: plain(viaRepl), insecure: true, credential: { type: 'basic', access_key: 'admin', access_secret: BENCH_ADMIN_PASSWORD },
      });
      const regId = Number(reg.headers.get('location')!.split('/').pop());
      const pol = await call(src.url, 'POST', '/api/v2.0/replication/policies', {
        name: `bench-${i}`, enabled: true, override: true, dest_registry: { id: regId }, filters: [{ type: 'name', value: repo }], trigger: { type: 'manual' },
      });
      const policyId = Number(pol.headers.get('location')!.split('/').pop());
      const cpu0 = cpuSeconds(src.pid) + cpuSeconds(viaRepl.pid);
      const t0 = process.hrtime.bigint();
      const ex = await call(src.url, 'POST', '/api/v2.0/replication/executions', { policy_id: policyId });
      const execId = ex.headers.get('location')!.split('/').pop();
      let status = 'InProgress';
      while (status === 'InProgress') {
        await new Promise((r) => setTimeout(r, 20));
        status = ((await (await call(src.url, 'GET', `/api/v2.0/replication/executions/${execId}`)).json()) as { status: string }).status;
      }
      const replication = Number(process.hrtime.bigint() - t0) / 1e9;
      const replicationCpu = cpuSeconds(src.pid) + cpuSeconds(viaRepl.pid) - cpu0;
      if (status !== 'Succeed') throw new Error(`replication execution ${execId} ended ${status}`);

      const creds = `admin:${BENCH_ADMIN_PASSWORD}`;
      const cpu1 = cpuSeconds(src.pid) + cpuSeconds(viaSkopeo.pid);
      const t1 = process.hrtime.bigint();
      const sk = spawnSync('skopeo', ['copy', '--quiet', '--src-creds', creds, '--dest-creds', creds, '--src-tls-verify=false', '--dest-tls-verify=false',
        `docker://${hostOf(src)}/${repo}:v1`, `docker://${hostOf(viaSkopeo)}/${repo}:v1`], { encoding: 'utf8' });
      const skopeo = Number(process.hrtime.bigint() - t1) / 1e9;
      if (sk.status !== 0) throw new Error(`skopeo copy failed: ${sk.stderr}`);
      const skopeoCpu = cpuSeconds(src.pid) + cpuSeconds(viaSkopeo.pid) - cpu1;
      samples.push({ replication, replicationCpu, skopeo, skopeoCpu });
      for (const s of [viaRepl, viaSkopeo]) await s.stop();
    }
  } finally {
    for (const s of servers) await s.stop();
    if (!values.keep) rmSync(work, { recursive: true, force: true });
  }
  const f = (n: number): string => n.toFixed(2);
  const spread = (xs: number[]): string => `${f(Math.min(...xs))}-${f(Math.max(...xs))}`;
  const col = (k: keyof Sample): number[] => samples.map((s) => s[k]);
  console.log(`\n${runs} runs, ${blobMiB} MiB layer, load average before: ${loadAverage()}\n`);
  console.log('| run | replication (s) | harborctl CPU (s) | skopeo copy (s) | harborctl CPU (s) |');
  console.log('|---|---|---|---|---|');
  samples.forEach((s, i) => console.log(`| ${i + 1} | ${f(s.replication)} | ${f(s.replicationCpu)} | ${f(s.skopeo)} | ${f(s.skopeoCpu)} |`));
  console.log(`| median [spread] | ${f(median(col('replication')))} [${spread(col('replication'))}] | ${f(median(col('replicationCpu')))} [${spread(col('replicationCpu'))}] | ${f(median(col('skopeo')))} [${spread(col('skopeo'))}] | ${f(median(col('skopeoCpu')))} [${spread(col('skopeoCpu'))}] |`);
  console.log(`\nreplication / skopeo copy, wall-clock: ${(median(col('replication')) / median(col('skopeo'))).toFixed(2)}×`);
}

await main();
