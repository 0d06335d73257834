// The observe phase (issue 19): what the audit log, webhooks and metrics together cost the manifest
// GET path, measured A/B in one run. `harborctl serve` processes on data dirs of their own, alike
// but for their configuration:
//   A  harborctl as it was before issue 19: each pull recorded in the audit log (Harbor's default,
//      and harborctl's since the registry core: one row a pull, written in batches with the pull
//      counts), `--metrics-listen off` (no metrics are collected at all), no webhook policy.
//   B  everything on: pulls recorded, a webhook policy of `library` for PULL_ARTIFACT (or
//      --observe-events) delivering to a receiver in this process, and /metrics scraped every
//      second while wrk runs.
//   A′ a second process configured as A: what two processes that differ in nothing differ by
//      (1.04 and 1.06 at c16 in two runs on 2026-12-07, each one's rounds within ±3 %). A's
//      rounds are A's and A′'s together, so the noise B ÷ A is judged against includes that
//      difference, measured in the same run.
//   A0 A with pulls kept out of the audit log (`--disabled-audit-log-event-types pull_artifact`):
//      what recording a pull costs, reported as A ÷ A0 without a target. The pull log that carries
//      Harbor's pull_count and pull_time is not a setting (Harbor's is not either): A0 keeps it,
//      writing pull counts only.
// Processes rather than one reconfigured: metrics are a `serve` flag, so one process would be
// restarted between rounds and measured cold; they stay warm and the idle ones cost nothing.
// Rounds rotate which goes first (A A′ B A0, A′ B A0 A, ...) so drift in machine load is shared.
// After each run the phase waits until B has delivered one webhook per pull it counted, so no run competes
// with the previous run's deliveries; the CPU of that wait is reported apart.
import http from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkManifest, HttpClient, MANIFEST_ACCEPT, pushImage } from './images.js';
import { cpuSeconds } from './procfs.js';
import { median, type Row } from './report.js';
import { freePort, pullAuth, startHarborctl, withoutCredentials, type Cleanup, type RegistryProcess } from './servers.js';
import { runWrk, type WrkResult } from './wrk.js';

const REPO = 'library/bench-observe';
/** How long B may take to deliver what a run queued before the phase goes on without it. */
const DRAIN_LIMIT_MS = 120_000;

export interface ObserveOptions {
  workDir: string; projectRoot: string; rounds: number; duration: number; warmup: number;
  /** The event types of B's webhook policy: with PULL_ARTIFACT every pull is a delivery (the default). */
  events: string[];
  say(msg: string): void; raw: string[]; warnings: string[]; cleanup: Cleanup;
}

export interface ObserveRun extends WrkResult {
  /** Server CPU seconds while wrk ran, and while the webhook queue was drained after it. */
  cpu: number; drainCpu: number;
}

type Side = 'A' | 'A′' | 'B' | 'A0';
const SIDES: Side[] = ['A', 'A′', 'B', 'A0'];

export interface ObserveResult {
  runs: Record<Side, Record<1 | 16, ObserveRun[]>>;
  events: string[];
  /** Webhook deliveries the receiver got, B's pull_count of the repository, GETs wrk counted on B. */
  deliveries: number; pulls: number; wrkGets: number;
  scrapes: number; scrapeErrors: number;
}

/** A webhook target that counts PULL_ARTIFACT deliveries and keeps nothing (a run makes tens of thousands). */
async function startCounter(): Promise<{ url: string; count(): number; other(): number; close(): Promise<void> }> {
  let pulls = 0;
  let other = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (s: string) => { if (body.length < 4096) body += s; });
    req.on('end', () => {
      if (body.includes('"PULL_ARTIFACT"')) pulls++; else other++;
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook`, count: () => pulls, other: () => other,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function api(c: HttpClient, method: string, path: string, body?: unknown): Promise<Buffer> {
  const r = await c.request(method, path, body === undefined ? {} : { 'Content-Type': 'application/json' }, body === undefined ? undefined : Buffer.from(JSON.stringify(body)));
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body.toString().slice(0, 300)}`);
  return r.body;
}

/** The repository's pull_count, as B counted the pulls (the API flushes the pull log first). */
async function pullCount(c: HttpClient): Promise<number> {
  const body = await api(c, 'GET', `/api/v2.0/projects/library/repositories/${REPO.slice('library/'.length)}`);
  return (JSON.parse(body.toString()) as { pull_count: number }).pull_count;
}

export async function observePhase(o: ObserveOptions): Promise<ObserveResult> {
  const receiver = await startCounter();
  o.cleanup.add(() => receiver.close());
  const start = async (name: string, args: string[]): Promise<RegistryProcess> => {
    const dir = join(o.workDir, `observe-${name === 'A′' ? 'A2' : name}`);
    mkdirSync(dir);
    const r = await startHarborctl({ workDir: dir, projectRoot: o.projectRoot, args });
    o.cleanup.add(() => r.stop());
    o.say(`observe ${name}: pid ${r.pid} at ${withoutCredentials(r.url)} (${args.join(' ')})`);
    return r;
  };
  const metricsPort = await freePort();
  const off = ['--metrics-listen', 'off'];
  const servers: Record<Side, RegistryProcess> = {
    A: await start('A', off),
    'A′': await start('A′', off),
    B: await start('B', ['--metrics-listen', `127.0.0.1:${metricsPort}`]),
    A0: await start('A0', [...off, '--disabled-audit-log-event-types', 'pull_artifact']),
  };
  const clientB = new HttpClient(servers.B.url, 1);
  o.cleanup.add(async () => clientB.close());
  // Before the first pull, so every pull B counts is one delivery.
  await api(clientB, 'POST', '/api/v2.0/projects/library/webhook/policies', {
    name: 'bench-observe', enabled: true, event_types: o.events,
    targets: [{ type: 'http', address: receiver.url, payload_format: 'Default', skip_cert_verify: true }],
  });
  const auth = new Map<RegistryProcess, Record<string, string>>();
  for (const r of Object.values(servers)) {
    const c = new HttpClient(r.url, 1);
    try { await pushImage(c, REPO, 'v1', 1_000_000); } finally { c.close(); }
    await checkManifest(r.url, REPO, 'v1');
    auth.set(r, await pullAuth(r.url, REPO));
  }
  const load = (r: RegistryProcess, connections: number, seconds: number): Promise<WrkResult> => runWrk({
    url: `${withoutCredentials(r.url)}/v2/${REPO}/manifests/v1`, connections, threads: Math.min(connections, 2), seconds,
    headers: { Accept: MANIFEST_ACCEPT, ...auth.get(r) },
  });

  // Waits until B has delivered a webhook for every pull it counted (A: reads nothing, waits for nothing).
  const pullEvents = o.events.includes('PULL_ARTIFACT');
  const drain = async (): Promise<void> => {
    if (!pullEvents) return;
    const pulls = await pullCount(clientB);
    const deadline = Date.now() + DRAIN_LIMIT_MS;
    while (receiver.count() < pulls && Date.now() < deadline) await sleep(100);
    if (receiver.count() < pulls) o.warnings.push(`observe: B had delivered ${receiver.count()} webhooks of ${pulls} pulls after ${DRAIN_LIMIT_MS / 1000} s; the next run shares the machine with the rest`);
  };
  let scrapes = 0;
  let scrapeErrors = 0;
  const scrapeEverySecond = (): (() => void) => {
    const timer = setInterval(() => {
      const req = http.get(`http://127.0.0.1:${metricsPort}/metrics`, { agent: false, timeout: 5000 }, (res) => {
        res.resume();
        res.on('end', () => { if (res.statusCode === 200) scrapes++; else scrapeErrors++; });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => { scrapeErrors++; });
    }, 1000);
    return () => clearInterval(timer);
  };

  if (o.warmup > 0) {
    o.say(`observe: warming up ${SIDES.join(', ')} (${o.warmup} s of c16 each, not recorded)`);
    for (const r of Object.values(servers)) await load(r, 16, o.warmup);
    await drain();
  }
  const runs: ObserveResult['runs'] = { A: { 1: [], 16: [] }, 'A′': { 1: [], 16: [] }, B: { 1: [], 16: [] }, A0: { 1: [], 16: [] } };
  let wrkGets = 0;
  for (const conc of [1, 16] as const) {
    for (let i = 0; i < o.rounds; i++) {
      for (const side of [...SIDES.slice(i % SIDES.length), ...SIDES.slice(0, i % SIDES.length)]) {
        const r = servers[side];
        const stopScraping = side === 'B' ? scrapeEverySecond() : () => undefined;
        const c0 = cpuSeconds(r.pid);
        const w = await load(r, conc, o.duration).finally(stopScraping);
        const c1 = cpuSeconds(r.pid);
        if (side === 'B') { await drain(); wrkGets += w.requests; }
        const run: ObserveRun = { ...w, cpu: c1 - c0, drainCpu: cpuSeconds(r.pid) - c1 };
        runs[side][conc].push(run);
        if (w.non2xx || w.socketErrors) o.warnings.push(`observe ${side} c${conc}: ${w.non2xx} non-2xx responses, ${w.socketErrors} socket errors`);
        o.raw.push(`observe ${side} manifest GET c${conc} round ${i + 1}: ${w.rps.toFixed(0)} req/s (${w.requests} in ${o.duration} s), p50 ${w.p50ms.toFixed(3)} ms, `
          + `p99 ${w.p99ms.toFixed(3)} ms, server CPU ${run.cpu.toFixed(2)} s + ${run.drainCpu.toFixed(2)} s after the load${side === 'B' ? `, webhooks received so far ${receiver.count()}` : ''}`);
        o.say(o.raw[o.raw.length - 1]);
      }
    }
  }
  const result: ObserveResult = { runs, events: o.events, deliveries: receiver.count(), pulls: await pullCount(clientB), wrkGets, scrapes, scrapeErrors };
  o.raw.push(`observe B (webhook policy for ${o.events.join(', ')}): ${result.deliveries} PULL_ARTIFACT webhooks received (${receiver.other()} other requests) for ${result.pulls} pulls counted by B `
    + `(pull_count, warm-up and check included; wrk counted ${wrkGets} GETs in the recorded runs); /metrics scraped ${scrapes} times, ${scrapeErrors} failed`);
  o.say(o.raw[o.raw.length - 1]);
  if (scrapeErrors) o.warnings.push(`observe: ${scrapeErrors} of ${scrapes + scrapeErrors} scrapes of B's /metrics failed`);
  await o.cleanup.run();
  return result;
}

/** (max − min) ÷ median of the rounds: how far apart the same measurement lands in this run. */
function spread(xs: number[]): number {
  return (Math.max(...xs) - Math.min(...xs)) / median(xs);
}

/**
 * One row per figure: the value is B ÷ A of the medians, A's rounds being A's and A′'s; the note
 * A's and B's medians with their range, and A′ ÷ A. "Within noise": B is no worse than A by more
 * than the larger spread of A's (so also the difference between A and A′) or B's rounds. Then what
 * recording a pull costs, A ÷ A0, in req/s and CPU per GET, without a target.
 */
export function observeRows(r: ObserveResult): Row[] {
  const rows: Row[] = [];
  const per1k = (x: ObserveRun, cpu: number): number => cpu * 1e6 / x.requests;
  const figures: [string, 'higher' | 'lower', number, (x: ObserveRun) => number, boolean][] = [
    ['req/s', 'higher', 0, (x) => x.rps, true],
    ['p50 (ms)', 'lower', 3, (x) => x.p50ms, true],
    ['p99 (ms)', 'lower', 3, (x) => x.p99ms, true],
    ['server CPU per 1,000 GETs while loaded (ms)', 'lower', 1, (x) => per1k(x, x.cpu), true],
    ['server CPU per 1,000 GETs, webhook queue drained after the load included (ms)', 'lower', 1, (x) => per1k(x, x.cpu + x.drainCpu), false],
  ];
  for (const conc of [1, 16] as const) {
    for (const [name, better, digits, pick, target] of figures) {
      const a = [...r.runs.A[conc], ...r.runs['A′'][conc]].map(pick);
      const b = r.runs.B[conc].map(pick);
      const twins = median(r.runs['A′'][conc].map(pick)) / median(r.runs.A[conc].map(pick));
      if (!a.length || !b.length) continue;
      const ratio = median(b) / median(a);
      const noise = Math.max(spread(a), spread(b));
      const within = better === 'higher' ? ratio >= 1 - noise : ratio <= 1 + noise;
      const range = (xs: number[]): string => `${median(xs).toFixed(digits)} [${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}]`;
      rows.push({
        figure: `observe: manifest GET c${conc} ${name}, B (audit, webhook for ${r.events.join(', ')}, metrics on) ÷ A (pulls recorded, metrics and webhooks off; A and A′)`, better, digits: 2,
        values: { harborctl: ratio }, notes: { harborctl: `(A ${range(a)}, B ${range(b)}; A′ ÷ A ${twins.toFixed(2)}; noise ±${(noise * 100).toFixed(0)} %)` },
        target: target ? { text: 'B/A within noise', met: () => within, harborctlOnly: true } : undefined,
      });
    }
  }
  for (const conc of [1, 16] as const) {
    for (const [name, better, digits, pick] of [figures[0], figures[3]]) {
      const a = [...r.runs.A[conc], ...r.runs['A′'][conc]].map(pick);
      const a0 = r.runs.A0[conc].map(pick);
      if (!a.length || !a0.length) continue;
      rows.push({
        figure: `observe: manifest GET c${conc} ${name}, A (pulls recorded in the audit log; A and A′) ÷ A0 (not recorded)`, better, digits: 2,
        values: { harborctl: median(a) / median(a0) },
        notes: { harborctl: `(A ${median(a).toFixed(digits)}, A0 ${median(a0).toFixed(digits)} [${Math.min(...a0).toFixed(digits)}–${Math.max(...a0).toFixed(digits)}])` },
      });
    }
  }
  const pullEvents = r.events.includes('PULL_ARTIFACT');
  rows.push({
    figure: 'observe: PULL_ARTIFACT webhooks received ÷ pulls counted by B', better: 'higher', digits: 3,
    values: { harborctl: r.pulls ? r.deliveries / r.pulls : NaN }, notes: { harborctl: `(${r.deliveries} of ${r.pulls})` },
    target: pullEvents
      ? { text: 'one per pull', met: () => r.deliveries === r.pulls, harborctlOnly: true }
      : { text: 'none (no PULL_ARTIFACT in the policy)', met: () => r.deliveries === 0, harborctlOnly: true },
  });
  return rows;
}
