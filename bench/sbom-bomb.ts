// The SBOM bomb of issue 13.1, measured: harborctl serve (a fresh one per run), the ~520 KB layer of
// two 255 MiB zero-filled jars pushed as an image, then POST …/scan {"scan_type":"sbom"} while this
// process keeps asking GET /v2/ (one request at a time, on a keep-alive connection) until the scan
// ends. Reports per run the scan's status and wall time, the server's peak RSS (VmHWM, which covers
// its whole life) and the /v2/ latencies during the scan; then the median and spread of the runs.
// Targets (issue 13): peak RSS < 256 MB, /v2/ < 50 ms. Needs only a build of harborctl.
//
//   npm run build && node dist/bench/sbom-bomb.js [--runs 3] [--entry-mib 255] [--keep]
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pushBombImage, sbomStatus, writeBombLayer } from './bomb.js';
import { readMem } from './procfs.js';
import { median } from './report.js';
import { startHarborctl } from './servers.js';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const REPO = 'library/bomb';

interface RunResult { status: string; scanSeconds: number; peakRssMB: number; v2: { n: number; p50: number; p99: number; max: number } }

function say(msg: string): void {
  process.stderr.write(`[sbom-bomb ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** One GET /v2/ on the keep-alive agent; milliseconds to the end of the response. */
function timeV2(base: URL, authorization: string, agent: http.Agent): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.get(new URL('/v2/', base), { agent, headers: { authorization } }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`GET /v2/ answered ${res.statusCode}`));
        else resolvePromise(Number(process.hrtime.bigint() - t0) / 1e6);
      });
    });
    req.on('error', reject);
  });
}

async function oneRun(workDir: string, layer: { file: string; digest: string; size: number }): Promise<RunResult> {
  mkdirSync(workDir);
  const srv = await startHarborctl({ workDir, projectRoot: PROJECT_ROOT });
  try {
    const u = new URL(srv.url);
    const authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
    const base = new URL(`${u.protocol}//${u.host}`);
    const digest = await pushBombImage(base.origin, authorization, REPO, layer);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    await timeV2(base, authorization, agent); // the connection, opened before the scan
    const [project, name] = REPO.split('/');
    const t0 = process.hrtime.bigint();
    const res = await fetch(`${base.origin}/api/v2.0/projects/${project}/repositories/${name}/artifacts/${digest}/scan`, {
      method: 'POST', body: JSON.stringify({ scan_type: 'sbom' }), headers: { authorization, 'content-type': 'application/json' },
    });
    if (res.status !== 202) throw new Error(`scan: ${res.status} ${await res.text()}`);
    const latencies: number[] = [];
    let status: string | undefined;
    let lastPoll = 0;
    for (;;) {
      latencies.push(await timeV2(base, authorization, agent));
      if (Date.now() - lastPoll >= 100) {
        lastPoll = Date.now();
        status = await sbomStatus(base.origin, authorization, REPO, digest);
        if (status !== undefined && status !== 'Pending' && status !== 'Running') break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const scanSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    agent.destroy();
    const mem = readMem(srv.pid);
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      status, scanSeconds, peakRssMB: (mem?.hwmKiB ?? NaN) * 1024 / 1e6,
      v2: { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1]! },
    };
  } finally {
    await srv.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'entry-mib': { type: 'string', default: '255' }, keep: { type: 'boolean' } } });
  const runs = Number(values.runs);
  const dir = mkdtempSync(join(tmpdir(), 'harborctl-sbom-bomb-bench-'));
  try {
    const file = join(dir, 'layer.tar.gz');
    const layer = { file, ...(await writeBombLayer(file, { entryMiB: Number(values['entry-mib']) })) };
    say(`bomb layer: ${layer.size} bytes gzip, 2 × ${values['entry-mib']} MiB zero-filled jars`);
    const results: RunResult[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await oneRun(join(dir, `run${i}`), layer);
      results.push(r);
      process.stdout.write(`run ${i + 1}: ${r.status} in ${r.scanSeconds.toFixed(2)} s, peak RSS ${r.peakRssMB.toFixed(0)} MB, `
        + `GET /v2/ during the scan: ${r.v2.n} requests, p50 ${r.v2.p50.toFixed(2)} ms, p99 ${r.v2.p99.toFixed(2)} ms, max ${r.v2.max.toFixed(2)} ms\n`);
    }
    const summary = (label: string, xs: number[], unit: string, digits: number): string =>
      `${label}: median ${median(xs).toFixed(digits)} ${unit} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
    process.stdout.write([
      summary('scan time', results.map((r) => r.scanSeconds), 's', 2),
      summary('peak RSS', results.map((r) => r.peakRssMB), 'MB', 0),
      summary('/v2/ p50', results.map((r) => r.v2.p50), 'ms', 2),
      summary('/v2/ p99', results.map((r) => r.v2.p99), 'ms', 2),
      summary('/v2/ max', results.map((r) => r.v2.max), 'ms', 2),
    ].join('\n') + '\n');
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
