// The replicas phase (issue 16): harborctl on the scale-out engines, reported as ratios.
//   - manifest GET at c16 through HAProxy in front of 1 replica, then of 2 replicas, both on one
//     PostgreSQL database and one radosgw bucket (one HAProxy per setup, so the hop is the same);
//   - a random blob pushed (one PUT) and pulled with curl through one replica on `--storage s3://`
//     (radosgw) and one on `--storage file:` (a directory), each on a database of its own on the
//     same PostgreSQL server; a fresh blob per run, so no run finds its blob already stored.
// The engines are the tests' own (test/helpers/postgres.ts, ceph.ts, haproxy.ts): real Debian
// processes on loopback, each stopped by its own PID. On this 2-core machine the replicas, wrk,
// HAProxy, PostgreSQL and radosgw share two cores: 2 replicas cannot double anything here.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startCeph } from '../test/helpers/ceph.js';
import { startHaproxy } from '../test/helpers/haproxy.js';
import { PG_BIN, startPostgres } from '../test/helpers/postgres.js';
import { makeBigBlob, pullBlob, pushMonolithic, verifyBlob, type Transfer } from './blob.js';
import { checkManifest, HttpClient, MANIFEST_ACCEPT, pushImage } from './images.js';
import { cpuSeconds, tryExec } from './procfs.js';
import { median, type Row } from './report.js';
import { BENCH_ADMIN_PASSWORD, Cleanup, pullAuth, startHarborctl, withoutCredentials, type RegistryProcess } from './servers.js';
import { runWrk, type WrkResult } from './wrk.js';

const MIB = 1 << 20;
const MB = 1e6;
const REPO = 'library/bench-replicas';

/** What the phase needs installed; '' when all of it is there. */
export function replicasMissing(): string {
  const missing: string[] = [];
  if (!existsSync(join(PG_BIN, 'initdb'))) missing.push('PostgreSQL 15 (apt-get install -y postgresql)');
  if (!['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin'].every((b) => tryExec('which', [b]))) missing.push('Ceph (apt-get install -y ceph-mon ceph-osd radosgw ceph-common)');
  if (!/HAProxy/i.test(tryExec('haproxy', ['-v']))) missing.push('HAProxy (apt-get install -y haproxy)');
  return missing.length ? `the replicas phase needs ${missing.join(', ')}` : '';
}

export interface ReplicasOptions {
  workDir: string; projectRoot: string; runs: number; duration: number; warmup: number; blobMiB: number;
  say(msg: string): void; raw: string[]; warnings: string[]; cleanup: Cleanup;
}

export interface GetRun extends WrkResult { cpu: number }
export interface BlobRun { push: Transfer; pushCpu: number; pull: Transfer; pullCpu: number }

export interface ReplicasResult {
  get: Record<1 | 2, GetRun[]>;
  blob: Record<'file' | 's3', BlobRun[]>;
  blobBytes: number;
}

export async function replicasPhase(o: ReplicasOptions): Promise<ReplicasResult> {
  const pg = await startPostgres();
  o.cleanup.add(() => pg.stop());
  o.say(`replicas: PostgreSQL at 127.0.0.1:${pg.port}`);
  const ceph = await startCeph();
  o.cleanup.add(() => ceph.stop());
  const bucket = await ceph.bucket('bench-replicas');
  o.say(`replicas: radosgw at ${ceph.endpoint}, bucket ${bucket}`);
  const s3 = (prefix: string): { args: string[]; env: NodeJS.ProcessEnv } => ({
    args: ['--storage', ceph.storageUrl(bucket, prefix)],
    env: { AWS_ACCESS_KEY_ID: ceph.accessKeyId, AWS_SECRET_ACCESS_KEY: ceph.secretAccessKey },
  });
  // Each replica a data dir of its own, as pods; metrics off (the default port would be taken by the first).
  const replica = async (name: string, db: string, storage: { args: string[]; env?: NodeJS.ProcessEnv }, cleanup: Cleanup): Promise<RegistryProcess> => {
    const dir = join(o.workDir, `replica-${name}`);
    mkdirSync(dir);
    const r = await startHarborctl({ workDir: dir, projectRoot: o.projectRoot, args: ['--db', db, '--metrics-listen', 'off', ...storage.args], env: storage.env });
    cleanup.add(() => r.stop());
    o.say(`replicas: ${name} pid ${r.pid} at ${withoutCredentials(r.url)}`);
    return r;
  };
  const withAdmin = (base: string): string => `http://admin:${BENCH_ADMIN_PASSWORD}@${new URL(base).host}`;

  // ---- manifest GET: 1 vs 2 replicas on the same database and bucket
  // Stopped once measured, so they leave the cores to the blob runs.
  const getSetup = new Cleanup();
  o.cleanup.add(() => getSetup.run());
  const db = await pg.database('bench_replicas');
  const r1 = await replica('1', db, s3('replicas'), getSetup);
  const r2 = await replica('2', db, s3('replicas'), getSetup);
  const lb1 = await startHaproxy([new URL(r1.url).host]);
  getSetup.add(() => lb1.stop());
  const lb2 = await startHaproxy([new URL(r1.url).host, new URL(r2.url).host]);
  getSetup.add(() => lb2.stop());
  const c = new HttpClient(r1.url, 1);
  try { await pushImage(c, REPO, 'v1', 2_000_000); } finally { c.close(); }
  // Checked through each replica: the second serves what the first stored.
  for (const r of [r1, r2]) await checkManifest(r.url, REPO, 'v1');
  const auth = await pullAuth(withAdmin(lb2.url), REPO);
  const setups = { 1: { lb: lb1, replicas: [r1] }, 2: { lb: lb2, replicas: [r1, r2] } } as const;
  const load = (n: 1 | 2, seconds: number): Promise<WrkResult> => runWrk({
    url: `${setups[n].lb.url}/v2/${REPO}/manifests/v1`, connections: 16, threads: 2, seconds, headers: { Accept: MANIFEST_ACCEPT, ...auth },
  });
  const cpuOf = (rs: readonly RegistryProcess[]): number => rs.reduce((sum, r) => sum + cpuSeconds(r.pid), 0);
  if (o.warmup > 0) {
    o.say(`replicas: warming up (${o.warmup} s of c16 through each HAProxy, not recorded)`);
    for (const n of [1, 2] as const) await load(n, o.warmup);
  }
  const get: ReplicasResult['get'] = { 1: [], 2: [] };
  for (let i = 0; i < o.runs; i++) {
    for (const n of i % 2 ? [2, 1] as const : [1, 2] as const) {
      const c0 = cpuOf([r1, r2]);
      const w = await load(n, o.duration);
      const run = { ...w, cpu: cpuOf([r1, r2]) - c0 };
      get[n].push(run);
      if (w.non2xx || w.socketErrors) o.warnings.push(`replicas ${n} c16: ${w.non2xx} non-2xx responses, ${w.socketErrors} socket errors`);
      o.raw.push(`replicas: manifest GET c16 through HAProxy to ${n} replica${n > 1 ? 's' : ''} run ${i + 1}: ${w.rps.toFixed(0)} req/s (${w.requests} in ${o.duration} s), `
        + `p50 ${w.p50ms.toFixed(3)} ms, p99 ${w.p99ms.toFixed(3)} ms, replicas' CPU ${run.cpu.toFixed(2)} s`);
      o.say(o.raw[o.raw.length - 1]);
    }
  }
  await getSetup.run();

  // ---- blobs: one replica on S3 vs one on the filesystem, same PostgreSQL server
  const blobDir = join(o.workDir, 'replica-blobs');
  mkdirSync(blobDir);
  const stores = {
    file: await replica('file', await pg.database('bench_file'), { args: ['--storage', `file:${blobDir}`] }, o.cleanup),
    s3: await replica('s3', await pg.database('bench_s3'), s3('blobs'), o.cleanup),
  };
  const blob: ReplicasResult['blob'] = { file: [], s3: [] };
  const bytes = o.blobMiB * MIB;
  const rate = (t: Transfer): string => `${(bytes / MB / t.seconds).toFixed(1)} MB/s`;
  for (let i = 0; i < o.runs; i++) {
    const dir = mkdtempSync(join(o.workDir, 'replica-blob-'));
    const big = makeBigBlob(dir, bytes, bytes);
    try {
      for (const kind of i % 2 ? ['s3', 'file'] as const : ['file', 's3'] as const) {
        const r = stores[kind];
        const repo = `library/bench-blob-${i}`;
        spawnSync('sync', [], { stdio: 'ignore', timeout: 60_000 });
        const c0 = cpuSeconds(r.pid);
        const push = await pushMonolithic(r.url, repo, big);
        const c1 = cpuSeconds(r.pid);
        const pull = await pullBlob(r.url, repo, big);
        const run = { push, pushCpu: c1 - c0, pull, pullCpu: cpuSeconds(r.pid) - c1 };
        blob[kind].push(run);
        if (i === 0) await verifyBlob(r.url, repo, big);
        o.raw.push(`replicas: ${o.blobMiB} MiB blob on ${kind === 's3' ? 'radosgw (S3)' : 'the filesystem'} run ${i + 1}: push ${rate(push)}, server CPU ${run.pushCpu.toFixed(2)} s; `
          + `pull ${rate(pull)}, server CPU ${run.pullCpu.toFixed(2)} s`);
        o.say(o.raw[o.raw.length - 1]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  await o.cleanup.run();
  return { get, blob, blobBytes: bytes };
}

export function replicasRows(r: ReplicasResult, blobMiB: number): Row[] {
  const range = (xs: number[], digits: number): string => `${median(xs).toFixed(digits)} [${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}]`;
  const ratioRow = (figure: string, better: Row['better'], a: number[], b: number[], labels: [string, string], digits: number, target?: Row['target']): Row => ({
    figure, better, digits: 2, target,
    values: { harborctl: median(b) / median(a) }, notes: { harborctl: `(${labels[0]} ${range(a, digits)}, ${labels[1]} ${range(b, digits)})` },
  });
  const rows: Row[] = [];
  const g1 = r.get[1];
  const g2 = r.get[2];
  if (g1.length && g2.length) {
    const per1k = (x: GetRun): number => x.cpu * 1e6 / x.requests;
    rows.push(
      ratioRow('replicas: manifest GET c16 through HAProxy, 2 replicas ÷ 1 (req/s; 2 cores shared with wrk, HAProxy, PostgreSQL)', 'higher',
        g1.map((x) => x.rps), g2.map((x) => x.rps), ['1:', '2:'], 0, { text: '2 replicas > 1', met: (h) => h > 1, harborctlOnly: true }),
      ratioRow('replicas: manifest GET c16 p99, 2 replicas ÷ 1 (ms)', 'lower', g1.map((x) => x.p99ms), g2.map((x) => x.p99ms), ['1:', '2:'], 3),
      ratioRow('replicas: replicas\' CPU per 1,000 manifest GETs, 2 ÷ 1 (ms)', 'lower', g1.map(per1k), g2.map(per1k), ['1:', '2:'], 1),
    );
  }
  const f = r.blob.file;
  const s = r.blob.s3;
  if (f.length && s.length) {
    const mbps = (t: Transfer): number => r.blobBytes / MB / t.seconds;
    const labels: [string, string] = ['file', 'S3'];
    rows.push(
      ratioRow(`replicas: push ${blobMiB} MiB, one PUT, S3 (radosgw) ÷ filesystem (MB/s), PostgreSQL metadata`, 'higher', f.map((x) => mbps(x.push)), s.map((x) => mbps(x.push)), labels, 1),
      ratioRow('replicas: server CPU per push, S3 ÷ filesystem (s)', 'lower', f.map((x) => x.pushCpu), s.map((x) => x.pushCpu), labels, 2),
      ratioRow(`replicas: pull ${blobMiB} MiB, S3 (radosgw) ÷ filesystem (MB/s)`, 'higher', f.map((x) => mbps(x.pull)), s.map((x) => mbps(x.pull)), labels, 1),
      ratioRow('replicas: server CPU per pull, S3 ÷ filesystem (s)', 'lower', f.map((x) => x.pullCpu), s.map((x) => x.pullCpu), labels, 2),
    );
  }
  return rows;
}
