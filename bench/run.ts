// npm run bench: harborctl serve and Debian's docker-registry side by side on loopback, measured by
// the same clients (curl for bytes, wrk for manifest load, one node:http client for tiny images).
// Prints the comparison table and rewrites the generated block of docs/benchmarks.md.
//
//   npm run bench [-- --runs 3 --duration 5 --images 1000 --only push,pull,proxy,manifest,images
//                     --no-write --keep --profile DIR]
//   npm run bench -- --only scale,concurrent,huge      # the at-scale phases (bench/scale.ts), opt-in
//   npm run bench -- --only observe                    # audit+webhooks+metrics A/B (bench/observe.ts), opt-in
//   npm run bench -- --only replicas                   # 1 vs 2 replicas, S3 vs file (bench/replicas.ts), opt-in
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, copyFileSync, existsSync, statfsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeBigBlob, pullBlob, pushChunked, pushMonolithic, verifyBlob, type BigBlob, type Transfer } from './blob.js';
import { checkManifest, HttpClient, MANIFEST_ACCEPT, pageCatalog, pushImage, pushTinyImages } from './images.js';
import { cpuSeconds, loadAverage, machineInfo, readMem, resetPeak, RssSampler, tryExec } from './procfs.js';
import { startBlobFloor, startFloor, startSendfileFloor, type FloorServer } from './floor.js';
import { formatProfile, summarizeProfile } from './profile.js';
import { concurrentPushPull, dirBytes, fillScale, hugeLayer, pageCosts, scaleListings, type ConcurrentResult, type HugeResult, type PageCost } from './scale.js';
import { observePhase, observeRows, type ObserveResult } from './observe.js';
import { replicasMissing, replicasPhase, replicasRows, type ReplicasResult } from './replicas.js';
import { consoleTable, median, REGISTRIES, writeReport, type Row } from './report.js';
import { Cleanup, pullAuth, registryEnv, startDockerRegistry, startHarborctl, withoutCredentials, type RegistryName, type RegistryProcess } from './servers.js';
import { runWrk, type WrkResult } from './wrk.js';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MIB = 1 << 20;
const MB = 1e6;
const PHASES = ['push', 'pull', 'proxy', 'manifest', 'images', 'scale', 'concurrent', 'huge', 'observe', 'replicas'] as const;
type Phase = typeof PHASES[number];
/** What runs without --only: the at-scale phases take minutes and many GiB, observe and replicas more services, so they are asked for by name. */
const DEFAULT_PHASES: Phase[] = ['push', 'pull', 'proxy', 'manifest', 'images'];
const GIB = 1 << 30;
/** Nothing in the bench may run longer than this, whatever happens. */
const WATCHDOG_MS = 20 * 60_000;
/** How long a freshly restarted server is left alone before its idle RSS is read. */
const IDLE_SETTLE_MS = 2000;
/** Runs of each CLI command timed after the start-up (the median is reported). */
const CLI_RUNS = 10;
/** How the raw lines name the floors (bench/floor.ts). */
const NODE_FLOOR = 'bare node:http floor';
const SENDFILE_FLOOR = 'C sendfile floor';

const HELP = `usage: npm run bench [-- options]

  --runs N              runs of each blob transfer, and rounds of observe and replicas; the median is
                        reported (default 3)
  --blob-mib N          size of the random blob (default 256)
  --chunk-mib N         PATCH chunk size for the chunked push (default 8)
  --duration S          seconds of wrk load per concurrency level (default 5)
  --warmup S            seconds of unrecorded wrk load first (default 1)
  --images N            tiny images, one repository each (default 1000)
  --image-concurrency N parallel pushes of tiny images (default 4)
  --only LIST           comma list of push,pull,proxy,manifest,images (the default) and the
                        at-scale phases scale,concurrent,huge and observe,replicas (only when named);
                        push, pull and manifest also load bare servers, the floors (bench/floor.ts),
                        and put their medians beside harborctl's (the pull's C floor needs cc)
  --scale-repos N       scale: repositories (default 10000), each with --scale-tags tags (default 10);
                        listings are measured at 1% of them and at all of them
  --scale-reps N        scale: at least N GETs of each listing per measurement (default 50), more
                        until 2 s have passed (at most 20 N): CPU is read in 10 ms ticks
  --clients N           concurrent: clients pushing at once (default 64)
  --concurrent-seconds S  concurrent: how long they push (default 60)
  --concurrent-mib N    concurrent: size of each image's layer (default 10)
  --huge-gib N          huge: size of the layer pushed and pulled (default 10; needs twice that free in $TMPDIR)
  --only observe        manifest GET by tag at c1 and c16 (--duration, --warmup), --runs rounds alternating
                        A (pulls recorded; webhooks, metrics off), A0 (pulls not recorded) and B (all on: a PULL_ARTIFACT webhook to a
                        receiver of the bench, /metrics scraped every second); B ÷ A, webhooks received
  --observe-events LIST observe: the event types of B's webhook policy (default PULL_ARTIFACT; e.g.
                        PUSH_ARTIFACT,DELETE_ARTIFACT for a policy that a pull does not trigger)
  --only replicas       a real PostgreSQL 15, radosgw and HAProxy (Debian's; fails at once without them):
                        manifest GET c16 through HAProxy to 1 vs 2 replicas; a --blob-mib blob pushed and
                        pulled through one replica on S3 vs the filesystem; as ratios
  --out FILE            report file (default docs/benchmarks.md)
  --no-write            print the table only
  --keep                keep the temp dir (blobs, registry data, logs)
  --profile DIR         run harborctl under node --cpu-prof, save the profile in DIR and print
                        where its CPU time went (numbers are then distorted: nothing is written)
  --node-flags=FLAGS    extra node flags for harborctl, to try a setting (--node-flags=--max-semi-space-size=4);
                        like --profile, nothing is written
`;

interface Options {
  runs: number; blobMiB: number; chunkMiB: number; duration: number; warmup: number;
  images: number; imageConcurrency: number; only: Set<Phase>; out: string; write: boolean; keep: boolean;
  scaleRepos: number; scaleTags: number; scaleReps: number; clients: number; concurrentSeconds: number; concurrentMiB: number; hugeGiB: number;
  /** The event types of observe B's webhook policy. */
  observeEvents: string[];
  profileDir?: string; nodeFlags: string[]; argv: string[];
}

/** --observe-events: Harbor's event type names, upper case, comma separated. */
function observeEvents(v: string | undefined): string[] {
  const events = (v ?? 'PULL_ARTIFACT').split(',').map((e) => e.trim()).filter(Boolean);
  const bad = events.find((e) => !/^[A-Z_]{1,40}$/.test(e));
  if (!events.length || bad !== undefined) throw new Error(`--observe-events: event types such as PULL_ARTIFACT,PUSH_ARTIFACT${bad ? ` (not ${JSON.stringify(bad)})` : ''}`);
  return events;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string' }, 'blob-mib': { type: 'string' }, 'chunk-mib': { type: 'string' },
      duration: { type: 'string' }, warmup: { type: 'string' }, images: { type: 'string' },
      'image-concurrency': { type: 'string' }, only: { type: 'string' }, out: { type: 'string' },
      'no-write': { type: 'boolean' }, keep: { type: 'boolean' }, profile: { type: 'string' }, 'node-flags': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      'scale-repos': { type: 'string' }, 'scale-tags': { type: 'string' }, 'scale-reps': { type: 'string' }, clients: { type: 'string' },
      'concurrent-seconds': { type: 'string' }, 'concurrent-mib': { type: 'string' }, 'huge-gib': { type: 'string' },
      'observe-events': { type: 'string' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const int = (name: string, v: string | undefined, def: number, min: number, max: number): number => {
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
    return n;
  };
  const only = new Set<Phase>();
  for (const p of (values.only ?? DEFAULT_PHASES.join(',')).split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(PHASES as readonly string[]).includes(p)) throw new Error(`--only: unknown phase ${p} (${PHASES.join(', ')})`);
    only.add(p as Phase);
  }
  const chunkMiB = int('chunk-mib', values['chunk-mib'], 8, 1, 1024);
  return {
    runs: int('runs', values.runs, 3, 1, 20),
    blobMiB: int('blob-mib', values['blob-mib'], 256, 1, 4096),
    chunkMiB,
    duration: int('duration', values.duration, 5, 1, 120),
    warmup: int('warmup', values.warmup, 1, 0, 30),
    images: int('images', values.images, 1000, 1, 20_000),
    imageConcurrency: int('image-concurrency', values['image-concurrency'], 4, 1, 64),
    scaleRepos: int('scale-repos', values['scale-repos'], 10_000, 100, 1_000_000),
    scaleTags: int('scale-tags', values['scale-tags'], 10, 1, 100),
    scaleReps: int('scale-reps', values['scale-reps'], 50, 1, 1000),
    clients: int('clients', values.clients, 64, 1, 512),
    concurrentSeconds: int('concurrent-seconds', values['concurrent-seconds'], 60, 1, 3600),
    concurrentMiB: int('concurrent-mib', values['concurrent-mib'], 10, 1, 1024),
    hugeGiB: int('huge-gib', values['huge-gib'], 10, 1, 1024),
    observeEvents: observeEvents(values['observe-events']),
    only,
    out: resolve(PROJECT_ROOT, values.out ?? 'docs/benchmarks.md'),
    write: !values['no-write'] && values.profile === undefined && values['node-flags'] === undefined,
    keep: Boolean(values.keep),
    profileDir: values.profile === undefined ? undefined : resolve(values.profile),
    nodeFlags: (values['node-flags'] ?? '').split(/\s+/).filter(Boolean),
    argv,
  };
}

function say(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function preflight(o: Options): void {
  if (o.only.has('replicas')) {
    const missing = replicasMissing();
    if (missing) throw new Error(missing);
  }
  const missing: string[] = [];
  if (!tryExec('curl', ['--version']).startsWith('curl')) missing.push('curl (apt-get install -y curl)');
  if (!/wrk/.test(tryExec('wrk', ['--version']))) missing.push('wrk (apt-get install -y wrk)');
  if (!/distribution/.test(tryExec('docker-registry', ['--version']))) missing.push('docker-registry (apt-get install -y docker-registry)');
  if (!existsSync(join(PROJECT_ROOT, 'dist', 'bundle', 'harborctl.cjs'))) missing.push('a build of harborctl (npm run build)');
  if (missing.length) throw new Error(`missing: ${missing.join('; ')}`);
}

/** Per-registry measurements; every array has one entry per run. */
interface Measured {
  startupMs: number;
  firstAnswerMs: number;
  /** Stopped and started again on the same data dir. */
  restartMs?: number;
  restartFirstAnswerMs?: number;
  /** VmRSS of the restarted process (the one every phase measures) after IDLE_SETTLE_MS with nothing to do. */
  idleRssKiB: number;
  /** harborctl's CLI against it, ms from spawn to exit of each run. */
  cliMs?: { version: number[]; projectList: number[] };
  mono: Transfer[]; monoCpu: number[];
  chunked: Transfer[]; chunkedCpu: number[];
  pull: Transfer[]; pullCpu: number[];
  pushPeakKiB?: number;
  pushSampledKiB?: number;
  c1?: WrkResult; c16?: WrkResult; c16Cpu?: number;
  tinySeconds?: number; tinyCpu?: number;
  /** Through a pull-through cache of docker-registry: harborctl's proxy-cache project, or distribution's proxy mode. */
  proxyFirst?: Transfer; proxyCached: Transfer[]; pushedPull: Transfer[];
  catalog?: { seconds: number; pages: number; repositories: number };
  /** scale: each listing's cost at 1% of the fill and at all of it; metadata bytes per tag. */
  scaleSmall?: PageCost[]; scaleFull?: PageCost[]; bytesPerTag?: number;
  concurrent?: ConcurrentResult;
  huge?: HugeResult;
  overallPeakKiB: number;
  /** VmHWM over each phase (reset after each), while the kernel lets us reset it. */
  phasePeakKiB?: Partial<Record<Phase, number>>;
}

class Bench {
  readonly regs = new Map<RegistryName, RegistryProcess>();
  readonly m = new Map<RegistryName, Measured>();
  readonly raw: string[] = [];
  readonly warnings: string[] = [];
  /** What the observe and replicas phases started, stopped by them or by stop(). */
  readonly cleanup = new Cleanup();
  blob!: BigBlob;
  observe?: ObserveResult;
  replicas?: ReplicasResult;
  /** The manifest phase's bare node:http server (bench/floor.ts) under the same loads. */
  floor: { c1?: WrkResult; c16?: WrkResult; c16Cpu?: number } = {};
  /** The push and pull phases' bare servers (bench/floor.ts), each run after the two registries. */
  blobFloor?: FloorServer;
  readonly blobFloorRuns: Record<'mono' | 'chunked' | 'pull' | 'sendfile', { t: Transfer[]; cpu: number[] }> = {
    mono: { t: [], cpu: [] }, chunked: { t: [], cpu: [] }, pull: { t: [], cpu: [] }, sendfile: { t: [], cpu: [] },
  };

  constructor(readonly o: Options, readonly workDir: string) {}

  reg(name: RegistryName): RegistryProcess { return this.regs.get(name)!; }
  meas(name: RegistryName): Measured { return this.m.get(name)!; }

  /** Runs fn for each registry, alternating which goes first so drift in machine load is shared. */
  async each(round: number, fn: (r: RegistryProcess, m: Measured) => Promise<void>): Promise<void> {
    const order = round % 2 === 0 ? REGISTRIES : [...REGISTRIES].reverse();
    for (const name of order) await fn(this.reg(name), this.meas(name));
  }

  /** Folds the current VmHWM into the overall peak (called before every reset and at the end). */
  notePeak(name: RegistryName): number {
    const mem = readMem(this.reg(name).pid);
    const m = this.meas(name);
    if (mem) m.overallPeakKiB = Math.max(m.overallPeakKiB, mem.hwmKiB);
    return mem?.hwmKiB ?? NaN;
  }

  /** Runs one phase, then notes each registry's peak RSS over it and resets the peak for the next. */
  async phase(name: Phase, run: () => Promise<void>): Promise<void> {
    await run();
    for (const reg of REGISTRIES) {
      const hwm = this.notePeak(reg);
      const m = this.meas(reg);
      if (m.phasePeakKiB && Number.isFinite(hwm)) {
        m.phasePeakKiB[name] = hwm;
        this.raw.push(`${reg} peak RSS over the ${name} phase: ${(hwm * 1024 / MB).toFixed(1)} MB`);
        say(this.raw[this.raw.length - 1]);
      }
      // A peak that cannot be reset is cumulative from here: nothing more is said per phase.
      if (!resetPeak(this.reg(reg).pid)) m.phasePeakKiB = undefined;
    }
  }

  async start(): Promise<void> {
    // Started one after the other so neither's start-up competes with the other's.
    const d = await startDockerRegistry({ workDir: this.workDir });
    this.regs.set('docker-registry', d);
    const nodeFlags = [...this.o.nodeFlags, ...(this.o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(this.workDir, 'cpu-prof')}`] : [])];
    const h = await startHarborctl({ workDir: this.workDir, projectRoot: PROJECT_ROOT, nodeFlags });
    this.regs.set('harborctl', h);
    for (const r of [h, d]) {
      const mem = readMem(r.pid);
      this.m.set(r.name, {
        startupMs: r.startupMs, firstAnswerMs: r.firstAnswerMs, idleRssKiB: NaN, overallPeakKiB: mem?.hwmKiB ?? 0, phasePeakKiB: {},
        mono: [], monoCpu: [], chunked: [], chunkedCpu: [], pull: [], pullCpu: [], proxyCached: [], pushedPull: [],
      });
      say(`${r.name} pid ${r.pid} at ${withoutCredentials(r.url)} (ready in ${r.startupMs.toFixed(0)} ms, log ${r.logFile})`);
    }
    // A restart on the data dir the first start made (the process every later phase measures).
    for (const name of REGISTRIES) {
      this.notePeak(name);
      await this.reg(name).stop();
      const again = name === 'harborctl'
        ? await startHarborctl({ workDir: this.workDir, projectRoot: PROJECT_ROOT, nodeFlags })
        : await startDockerRegistry({ workDir: this.workDir });
      this.regs.set(name, again);
      this.meas(name).restartMs = again.startupMs;
      this.meas(name).restartFirstAnswerMs = again.firstAnswerMs;
      say(`${name} restarted on its data dir: pid ${again.pid} at ${withoutCredentials(again.url)} (ready in ${again.startupMs.toFixed(0)} ms)`);
    }
    // Idle: after its start-up's garbage is collected, not in the middle of it.
    await sleep(IDLE_SETTLE_MS);
    for (const name of REGISTRIES) this.meas(name).idleRssKiB = readMem(this.reg(name).pid)?.rssKiB ?? NaN;
    this.cli();
  }

  /**
   * harborctl's CLI as a user runs it at a terminal, timed from spawn to exit: `--version`, and
   * `project list` against the restarted server, found as the local server (its data dir), with no
   * saved context.
   */
  cli(): void {
    const h = this.reg('harborctl');
    const env = registryEnv({ HARBORCTL_DATA_DIR: h.dataDir, HARBORCTL_CONFIG_DIR: join(this.workDir, 'cli-config'), NO_COLOR: '1' });
    const time = (args: string[]): number[] => Array.from({ length: CLI_RUNS }, () => {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(join(PROJECT_ROOT, 'bin', 'harborctl'), args, { env, encoding: 'utf8', timeout: 30_000 });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0) throw new Error(`harborctl ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr || r.error?.message}`);
      return ms;
    });
    const cliMs = { version: time(['--version']), projectList: time(['project', 'list']) };
    this.meas('harborctl').cliMs = cliMs;
    for (const [what, ms] of [['--version', cliMs.version], ['project list', cliMs.projectList]] as const) {
      this.raw.push(`harborctl ${what}: ${ms.map((x) => x.toFixed(0)).join(', ')} ms`);
      say(this.raw[this.raw.length - 1]);
    }
  }

  /** Flushes dirty pages (untimed) so one run never pays for the previous run's writeback. */
  settle(): void {
    spawnSync('sync', [], { stdio: 'ignore', timeout: 60_000 });
  }

  async timedCpu<T>(r: { pid: number }, fn: () => Promise<T>): Promise<{ value: T; cpu: number }> {
    const c0 = cpuSeconds(r.pid);
    const value = await fn();
    return { value, cpu: cpuSeconds(r.pid) - c0 };
  }

  /** The blob floor, started by the first phase that needs it; the blob pushed to it once if `withBlob`. */
  async theBlobFloor(withBlob: boolean): Promise<FloorServer> {
    if (!this.blobFloor) {
      const dir = join(this.workDir, 'blob-floor');
      mkdirSync(dir);
      const f = await startBlobFloor(PROJECT_ROOT, dir);
      this.cleanup.add(() => f.stop());
      this.blobFloor = f;
      if (withBlob) await pushMonolithic(f.url, 'library/bench-mono-0', this.blob);
    }
    return this.blobFloor;
  }

  /** One timed transfer of a floor, kept and said as the registries' are. */
  async floorRun(server: FloorServer, name: string, what: string, i: number, runs: { t: Transfer[]; cpu: number[] }, fn: (url: string) => Promise<Transfer>): Promise<void> {
    const { value, cpu } = await this.timedCpu(server, () => fn(server.url));
    runs.t.push(value);
    runs.cpu.push(cpu);
    this.raw.push(`${name} ${what} run ${i + 1}: ${(this.blob.size / MB / value.seconds).toFixed(1)} MB/s in ${value.seconds.toFixed(3)} s (${value.requests} requests), server CPU ${cpu.toFixed(2)} s`);
    say(this.raw[this.raw.length - 1]);
  }

  async pushPhase(): Promise<void> {
    const samplers = new Map<RegistryName, RssSampler>();
    const reset = new Set<RegistryName>();
    for (const name of REGISTRIES) {
      this.notePeak(name);
      if (resetPeak(this.reg(name).pid)) reset.add(name);
      else this.warnings.push(`could not reset VmHWM of ${name} (clear_refs): its push peak is the VmRSS maximum sampled every 20 ms`);
      samplers.set(name, new RssSampler(this.reg(name).pid).start());
    }
    const rate = (t: Transfer): string => `${(this.blob.size / MB / t.seconds).toFixed(1)} MB/s in ${t.seconds.toFixed(3)} s (${t.requests} requests)`;
    const floor = await this.theBlobFloor(false);
    for (let i = 0; i < this.o.runs; i++) {
      await this.each(i, async (r, m) => {
        this.settle();
        const { value, cpu } = await this.timedCpu(r, () => pushMonolithic(r.url, `library/bench-mono-${i}`, this.blob));
        m.mono.push(value);
        m.monoCpu.push(cpu);
        this.raw.push(`${r.name} monolithic push run ${i + 1}: ${rate(value)}, server CPU ${cpu.toFixed(2)} s`);
        say(this.raw[this.raw.length - 1]);
      });
      this.settle();
      await this.floorRun(floor, NODE_FLOOR, 'monolithic push', i, this.blobFloorRuns.mono, (url) => pushMonolithic(url, `library/bench-mono-${i}`, this.blob));
    }
    for (let i = 0; i < this.o.runs; i++) {
      await this.each(i, async (r, m) => {
        this.settle();
        const { value, cpu } = await this.timedCpu(r, () => pushChunked(r.url, `library/bench-chunked-${i}`, this.blob));
        m.chunked.push(value);
        m.chunkedCpu.push(cpu);
        this.raw.push(`${r.name} chunked push run ${i + 1}: ${rate(value)}, server CPU ${cpu.toFixed(2)} s`);
        say(this.raw[this.raw.length - 1]);
      });
      this.settle();
      await this.floorRun(floor, NODE_FLOOR, 'chunked push', i, this.blobFloorRuns.chunked, (url) => pushChunked(url, `library/bench-chunked-${i}`, this.blob));
    }
    for (const name of REGISTRIES) {
      const m = this.meas(name);
      m.pushSampledKiB = samplers.get(name)!.stop();
      const hwm = this.notePeak(name);
      m.pushPeakKiB = reset.has(name) ? Math.max(hwm, m.pushSampledKiB) : m.pushSampledKiB;
      const mb = (kib: number): string => (kib * 1024 / MB).toFixed(1);
      this.raw.push(`${name} peak RSS during pushes: VmHWM ${reset.has(name) ? mb(hwm) : '(not reset)'} MB, VmRSS sampled every 20 ms peaked at ${mb(m.pushSampledKiB)} MB`);
    }
    say('reading the blob back from both registries (untimed digest check)');
    for (const name of REGISTRIES) await verifyBlob(this.reg(name).url, 'library/bench-chunked-0', this.blob);
    await verifyBlob(this.reg('harborctl').url, 'library/bench-mono-0', this.blob);
    await verifyBlob(floor.url, 'library/bench-chunked-0', this.blob);
  }

  async pullPhase(): Promise<void> {
    if (!this.o.only.has('push')) {
      say('pull without push: pushing the blob once (untimed)');
      for (const name of REGISTRIES) await pushMonolithic(this.reg(name).url, 'library/bench-mono-0', this.blob);
    }
    const floor = await this.theBlobFloor(true);
    const sendfile = await startSendfileFloor(PROJECT_ROOT, this.workDir, this.blob.file);
    if (typeof sendfile === 'string') this.warnings.push(sendfile);
    else this.cleanup.add(() => sendfile.stop());
    for (let i = 0; i < this.o.runs; i++) {
      await this.each(i, async (r, m) => {
        const { value, cpu } = await this.timedCpu(r, () => pullBlob(r.url, 'library/bench-mono-0', this.blob));
        m.pull.push(value);
        m.pullCpu.push(cpu);
        this.raw.push(`${r.name} pull run ${i + 1}: ${(this.blob.size / MB / value.seconds).toFixed(1)} MB/s in ${value.seconds.toFixed(3)} s, server CPU ${cpu.toFixed(2)} s`);
        say(this.raw[this.raw.length - 1]);
      });
      await this.floorRun(floor, NODE_FLOOR, 'pull', i, this.blobFloorRuns.pull, (url) => pullBlob(url, 'library/bench-mono-0', this.blob));
      if (typeof sendfile !== 'string') await this.floorRun(sendfile, SENDFILE_FLOOR, 'pull', i, this.blobFloorRuns.sendfile, (url) => pullBlob(url, 'library/bench-mono-0', this.blob));
    }
  }

  /**
   * A pull-through cache in front of the docker-registry: harborctl's proxy-cache project against
   * distribution's own proxy mode (a second docker-registry with proxy.remoteurl). The first pull
   * fetches from the upstream; the cached pulls are compared with a pull of the same blob pushed.
   */
  async proxyPhase(): Promise<void> {
    const upstream = this.reg('docker-registry');
    const h = this.reg('harborctl');
    if (!this.o.only.has('push') && !this.o.only.has('pull')) {
      say('proxy without push: pushing the blob once (untimed)');
      for (const name of REGISTRIES) await pushMonolithic(this.reg(name).url, 'library/bench-mono-0', this.blob);
    }
    const c = new HttpClient(h.url, 1);
    try {
      const json = { 'Content-Type': 'application/json' };
      const reg = await c.request('POST', '/api/v2.0/registries', json, Buffer.from(JSON.stringify({ name: 'bench-upstream', type: 'docker-registry', url: upstream.url })));
      if (reg.status !== 201) throw new Error(`creating the registry endpoint: ${reg.status} ${reg.body.toString()}`);
      const id = Number(/(\d+)$/.exec(String(reg.headers.location))![1]);
      const proj = await c.request('POST', '/api/v2.0/projects', json, Buffer.from(JSON.stringify({ project_name: 'bench-proxy', registry_id: id })));
      if (proj.status !== 201) throw new Error(`creating the proxy-cache project: ${proj.status} ${proj.body.toString()}`);
    } finally {
      c.close();
    }
    const dir = join(this.workDir, 'distribution-proxy');
    mkdirSync(dir);
    const dproxy = await startDockerRegistry({ workDir: dir, proxyOf: upstream.url });
    try {
      const targets: [RegistryName, string, string][] = [['harborctl', h.url, 'bench-proxy/library/bench-mono-0'], ['docker-registry', dproxy.url, 'library/bench-mono-0']];
      const rate = (t: Transfer): string => `${(this.blob.size / MB / t.seconds).toFixed(1)} MB/s in ${t.seconds.toFixed(3)} s`;
      for (const [name, url, repo] of targets) {
        this.settle();
        const first = await pullBlob(url, repo, this.blob);
        this.meas(name).proxyFirst = first;
        this.raw.push(`${name} proxy first pull (from the upstream): ${rate(first)}`);
        say(this.raw[this.raw.length - 1]);
        await verifyBlob(url, repo, this.blob);
      }
      for (let i = 0; i < this.o.runs; i++) {
        for (const [name, url, repo] of i % 2 ? [...targets].reverse() : targets) {
          const m = this.meas(name);
          const cached = await pullBlob(url, repo, this.blob);
          const pushed = await pullBlob(this.reg(name).url, 'library/bench-mono-0', this.blob);
          m.proxyCached.push(cached);
          m.pushedPull.push(pushed);
          this.raw.push(`${name} proxy cached pull run ${i + 1}: ${rate(cached)}; pushed-image pull ${rate(pushed)}`);
          say(this.raw[this.raw.length - 1]);
        }
      }
    } finally {
      await dproxy.stop();
    }
  }

  async manifestPhase(): Promise<void> {
    const repo = 'library/bench-manifest';
    for (const name of REGISTRIES) {
      const r = this.reg(name);
      const c = new HttpClient(r.url, 1);
      try { await pushImage(c, repo, 'v1', 1_000_000); } finally { c.close(); }
      await checkManifest(r.url, repo, 'v1');
    }
    const auth = new Map<RegistryName, Record<string, string>>();
    for (const name of REGISTRIES) auth.set(name, await pullAuth(this.reg(name).url, repo));
    const path = `/v2/${repo}/manifests/v1`;
    const load = (url: string, headers: Record<string, string>, connections: number, seconds: number): Promise<WrkResult> => runWrk({
      url: `${withoutCredentials(url)}${path}`, connections, threads: Math.min(connections, 2), seconds, headers: { Accept: MANIFEST_ACCEPT, ...headers },
    });
    // The floor answers with harborctl's own answer to that GET.
    const c = new HttpClient(this.reg('harborctl').url, 1);
    const answer = await c.request('GET', path, { Accept: MANIFEST_ACCEPT }).finally(() => c.close());
    if (answer.status !== 200) throw new Error(`harborctl answered GET ${path} with ${answer.status}`);
    const floor = await startFloor(PROJECT_ROOT, answer.body, answer.headers);
    this.cleanup.add(() => floor.stop());
    if (this.o.warmup > 0) {
      say(`warming up both registries and the bare node:http floor (${this.o.warmup} s of c16 each, not recorded)`);
      for (const name of REGISTRIES) await load(this.reg(name).url, auth.get(name)!, 16, this.o.warmup);
      await load(floor.url, {}, 16, this.o.warmup);
    }
    const record = (name: string, conc: number, value: WrkResult, cpu: number): void => {
      if (value.non2xx || value.socketErrors) this.warnings.push(`${name} c${conc}: ${value.non2xx} non-2xx responses, ${value.socketErrors} socket errors`);
      this.raw.push(`${name} manifest GET c${conc}: ${value.rps.toFixed(0)} req/s (${value.requests} in ${this.o.duration} s), p50 ${value.p50ms.toFixed(3)} ms, p99 ${value.p99ms.toFixed(3)} ms, server CPU ${cpu.toFixed(2)} s, non-2xx ${value.non2xx}, socket errors ${value.socketErrors}`);
      say(this.raw[this.raw.length - 1]);
    };
    let round = 0;
    for (const conc of [1, 16] as const) {
      await this.each(round++, async (r, m) => {
        const { value, cpu } = await this.timedCpu(r, () => load(r.url, auth.get(r.name)!, conc, this.o.duration));
        if (conc === 1) m.c1 = value; else { m.c16 = value; m.c16Cpu = cpu; }
        record(r.name, conc, value, cpu);
      });
      const { value, cpu } = await this.timedCpu(floor, () => load(floor.url, {}, conc, this.o.duration));
      if (conc === 1) this.floor.c1 = value; else { this.floor.c16 = value; this.floor.c16Cpu = cpu; }
      record(NODE_FLOOR, conc, value, cpu);
    }
    await floor.stop();
  }

  async imagesPhase(): Promise<void> {
    for (const name of REGISTRIES) {
      const r = this.reg(name);
      const m = this.meas(name);
      say(`${name}: pushing ${this.o.images} tiny images into ${this.o.images} repositories (${this.o.imageConcurrency} at a time)`);
      const push = await this.timedCpu(r, () => pushTinyImages(r.url, this.o.images, this.o.imageConcurrency));
      m.tinySeconds = push.value;
      m.tinyCpu = push.cpu;
      const maxPages = Math.ceil((this.o.images + 100) / 100) + 10;
      const cat = await pageCatalog(r.url, 100, maxPages);
      const tiny = cat.repositories.filter((n) => n.startsWith('library/bench-tiny-')).length;
      if (tiny !== this.o.images) this.warnings.push(`${name}: catalog lists ${tiny} of ${this.o.images} tiny repositories`);
      m.catalog = { seconds: cat.seconds, pages: cat.pages, repositories: cat.repositories.length };
      this.raw.push(`${name} tiny images: ${push.value.toFixed(2)} s for ${this.o.images} (${(this.o.images / push.value).toFixed(0)} images/s), server CPU ${push.cpu.toFixed(2)} s`);
      this.raw.push(`${name} catalog n=100: ${cat.seconds.toFixed(3)} s, ${cat.pages} pages, ${cat.repositories.length} repositories (${tiny} tiny)`);
      say(this.raw[this.raw.length - 2]);
      say(this.raw[this.raw.length - 1]);
    }
  }

  /** Fills each registry to 1% of --scale-repos, measures the listings, fills to all of it, measures again. */
  async scalePhase(): Promise<void> {
    const small = Math.max(1, Math.floor(this.o.scaleRepos / 100));
    const tags = (repos: number): string => (repos * this.o.scaleTags).toLocaleString('en-US');
    for (const name of REGISTRIES) {
      const r = this.reg(name);
      const m = this.meas(name);
      const listings = (repos: number) => scaleListings(repos, name === 'harborctl');
      say(`${name}: ${small} repositories of ${this.o.scaleTags} tags`);
      await fillScale(r.url, 0, small, this.o.scaleTags, 8);
      m.scaleSmall = await pageCosts(r, listings(small), this.o.scaleReps);
      say(`${name}: filling to ${this.o.scaleRepos} repositories (${tags(this.o.scaleRepos)} tags)`);
      const t0 = process.hrtime.bigint();
      await fillScale(r.url, small, this.o.scaleRepos, this.o.scaleTags, 8);
      this.raw.push(`${name} scale fill to ${tags(this.o.scaleRepos)} tags: ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
      m.scaleFull = await pageCosts(r, listings(this.o.scaleRepos), this.o.scaleReps);
      // harborctl's metadata is its database; docker-registry's is every file but the blob data.
      const meta = name === 'harborctl'
        ? dirBytes(r.dataDir, (p) => /registry\.db(-wal)?$/.test(p))
        : dirBytes(r.dataDir, (p) => !p.endsWith('/data'));
      m.bytesPerTag = meta / (this.o.scaleRepos * this.o.scaleTags);
      for (const [at, costs] of [[tags(small), m.scaleSmall], [tags(this.o.scaleRepos), m.scaleFull]] as const) {
        for (const c of costs) this.raw.push(`${name} ${c.name} at ${at} tags: ${c.wallMs.toFixed(2)} ms median wall, ${c.cpuMs.toFixed(2)} ms server CPU per page`);
      }
      this.raw.push(`${name} metadata ${(meta / MB).toFixed(1)} MB, ${m.bytesPerTag.toFixed(0)} bytes per tag`);
      say(this.raw[this.raw.length - 1]);
    }
  }

  async concurrentPhase(): Promise<void> {
    for (const name of REGISTRIES) {
      say(`${name}: ${this.o.clients} clients pushing ${this.o.concurrentMiB} MiB images for ${this.o.concurrentSeconds} s, then pulling them`);
      const c = await concurrentPushPull(this.reg(name), this.o.clients, this.o.concurrentSeconds, this.o.concurrentMiB);
      this.meas(name).concurrent = c;
      this.notePeak(name);
      const mbps = (n: number, s: number): string => (n * this.o.concurrentMiB * MIB / MB / s).toFixed(1);
      this.raw.push(`${name} concurrent: ${c.pushed} images pushed in ${c.pushSeconds.toFixed(1)} s (${mbps(c.pushed, c.pushSeconds)} MB/s, ${c.pushErrors} errors), `
        + `${c.pulled} pulled in ${c.pullSeconds.toFixed(1)} s (${mbps(c.pulled, c.pullSeconds)} MB/s, ${c.pullErrors} errors), peak RSS ${(c.pushPeakRssKiB * 1024 / MB).toFixed(1)} MB pushing, ${(c.pullPeakRssKiB * 1024 / MB).toFixed(1)} MB pulling`);
      if (c.firstError) this.warnings.push(`${name} concurrent: first error: ${c.firstError}`);
      say(this.raw[this.raw.length - 1]);
    }
  }

  async hugePhase(): Promise<void> {
    const bytes = this.o.hugeGiB * GIB;
    const free = freeBytes(this.workDir);
    if (free < 2.2 * bytes) throw new Error(`huge: ${this.o.hugeGiB} GiB twice (both registries) needs ${(2.2 * bytes / GIB).toFixed(1)} GiB free in ${this.workDir}, there are ${(free / GIB).toFixed(1)}; choose a smaller --huge-gib`);
    for (const name of REGISTRIES) {
      this.settle();
      say(`${name}: pushing and pulling a ${this.o.hugeGiB} GiB layer`);
      const h = await hugeLayer(this.reg(name), bytes);
      this.meas(name).huge = h;
      this.notePeak(name);
      const mb = (kib: number): string => (kib * 1024 / MB).toFixed(1);
      this.raw.push(`${name} huge layer ${this.o.hugeGiB} GiB: push ${(bytes / MB / h.pushSeconds).toFixed(1)} MB/s, pull ${(bytes / MB / h.pullSeconds).toFixed(1)} MB/s, `
        + `RSS idle ${mb(h.idleRssKiB)} MB, peak while pushed ${mb(h.pushPeakRssKiB)} MB, while pulled ${mb(h.pullPeakRssKiB)} MB`);
      say(this.raw[this.raw.length - 1]);
    }
  }

  async observePhase(): Promise<void> {
    const { o, workDir, raw, warnings, cleanup } = this;
    this.observe = await observePhase({ workDir, projectRoot: PROJECT_ROOT, rounds: o.runs, duration: o.duration, warmup: o.warmup, events: o.observeEvents, say, raw, warnings, cleanup });
  }

  async replicasPhase(): Promise<void> {
    const { o, workDir, raw, warnings, cleanup } = this;
    this.replicas = await replicasPhase({ workDir, projectRoot: PROJECT_ROOT, runs: o.runs, duration: o.duration, warmup: o.warmup, blobMiB: o.blobMiB, say, raw, warnings, cleanup });
  }

  rows(): Row[] {
    const o = this.o;
    const get = <T>(f: (m: Measured) => T | undefined): Partial<Record<RegistryName, T>> => {
      const out: Partial<Record<RegistryName, T>> = {};
      for (const n of REGISTRIES) { const v = f(this.meas(n)); if (v !== undefined) out[n] = v; }
      return out;
    };
    const mbps = (ts: Transfer[]): number[] => ts.map((t) => this.blob.size / MB / t.seconds);
    // The blob floors' medians (bench/floor.ts), in harborctl's cell beside its own.
    const floors = (kinds: (keyof Bench['blobFloorRuns'])[], pick: (r: { t: Transfer[]; cpu: number[] }) => number[], digits: number): string[] => kinds
      .filter((k) => this.blobFloorRuns[k].t.length)
      .map((k) => `${k === 'sendfile' ? 'sendfile floor' : 'floor'} ${median(pick(this.blobFloorRuns[k])).toFixed(digits)}`);
    const withFloors = (notes: Row['notes'], extra: string[]): Row['notes'] => (extra.length
      ? { ...notes, harborctl: notes?.harborctl ? `${notes.harborctl.slice(0, -1)}; ${extra.join('; ')})` : `(${extra.join('; ')})` }
      : notes);
    const throughput = (figure: string, pick: (m: Measured) => Transfer[], target?: Row['target'], floorKinds: (keyof Bench['blobFloorRuns'])[] = []): Row => ({
      figure, better: 'higher', digits: 1, target,
      values: get((m) => (pick(m).length ? median(mbps(pick(m))) : undefined)),
      notes: withFloors(get((m) => (pick(m).length > 1 ? `(best ${Math.max(...mbps(pick(m))).toFixed(1)})` : undefined)), floors(floorKinds, (r) => mbps(r.t), 1)),
    });
    const cpuPerRun = (figure: string, pick: (m: Measured) => number[], floorKinds: (keyof Bench['blobFloorRuns'])[] = []): Row => ({
      figure, better: 'lower', digits: 2, values: get((m) => (pick(m).length ? median(pick(m)) : undefined)),
      notes: withFloors(undefined, floors(floorKinds, (r) => r.cpu, 2)),
    });
    const mb = (kib: number | undefined): number | undefined => (kib === undefined ? undefined : kib * 1024 / MB);
    const size = `${o.blobMiB} MiB`;
    // Issue 20's targets, as ratios to docker-registry in the same run.
    const ratioAtLeast = (x: number): Row['target'] => ({ text: `≥ ${x.toFixed(2)}×`, met: (h, d) => h / d >= x });
    const ratioAtMost = (x: number): Row['target'] => ({ text: `≤ ${x.toFixed(2)}×`, met: (h, d) => h / d <= x });
    const cliRow = (figure: string, pick: (c: NonNullable<Measured['cliMs']>) => number[]): Row => ({
      figure: `${figure} (ms, median of ${CLI_RUNS})`, better: 'lower', digits: 0,
      values: get((m) => (m.cliMs ? median(pick(m.cliMs)) : undefined)),
      notes: get((m) => (m.cliMs ? `(${Math.min(...pick(m.cliMs)).toFixed(0)}–${Math.max(...pick(m.cliMs)).toFixed(0)})` : undefined)),
      target: { text: 'harborctl ≤ 150 ms', met: (h) => h <= 150, harborctlOnly: true },
    });
    const rows: Row[] = [
      { figure: 'start-up to the first answer on /v2/ (ms)', better: 'lower', digits: 0, values: get((m) => m.firstAnswerMs), target: { text: 'harborctl ≤ 300 ms (fresh data dir)', met: (h) => h <= 300 } },
      { figure: 'restart with the existing data dir, to the first answer on /v2/ (ms)', better: 'lower', digits: 0, values: get((m) => m.restartFirstAnswerMs), target: { text: 'harborctl ≤ 200 ms', met: (h) => h <= 200 } },
      { figure: 'start-up to the first 200 on /v2/ with credentials (ms)', better: 'lower', digits: 0, values: get((m) => m.startupMs) },
      { figure: 'restart, to the first 200 on /v2/ with credentials (ms)', better: 'lower', digits: 0, values: get((m) => m.restartMs) },
      { figure: `RSS idle, ${IDLE_SETTLE_MS / 1000} s after the restart (MB)`, better: 'lower', digits: 1, values: get((m) => mb(m.idleRssKiB)), target: { text: 'harborctl ≤ 60 MB', met: (h) => h <= 60 } },
      cliRow('CLI: `harborctl --version`, spawn to exit', (c) => c.version),
      cliRow('CLI: `harborctl project list` against the local server, spawn to exit', (c) => c.projectList),
    ];
    if (o.only.has('push')) {
      rows.push(
        throughput(`monolithic push ${size}, POST+PUT (MB/s, median)`, (m) => m.mono, ratioAtLeast(1.5), ['mono']),
        throughput(`chunked push ${size}, ${o.chunkMiB} MiB PATCHes (MB/s, median)`, (m) => m.chunked, ratioAtLeast(1.8), ['chunked']),
        { ...cpuPerRun('server CPU per monolithic push (s)', (m) => m.monoCpu, ['mono']), target: ratioAtMost(0.5) },
        { ...cpuPerRun('server CPU per chunked push (s)', (m) => m.chunkedCpu, ['chunked']), target: ratioAtMost(0.5) },
        { figure: `peak RSS while ${size} is pushed (MB)`, better: 'lower', digits: 1, values: get((m) => mb(m.pushPeakKiB)),
          target: { text: 'harborctl < 128 MB', met: (h) => h < 128 } },
      );
    }
    if (o.only.has('pull')) {
      rows.push(
        throughput(`pull ${size}, GET blob (MB/s, median)`, (m) => m.pull, ratioAtLeast(1.2), ['pull', 'sendfile']),
        { ...cpuPerRun('server CPU per pull (s)', (m) => m.pullCpu, ['pull', 'sendfile']), target: ratioAtMost(0.6) },
      );
    }
    if (o.only.has('proxy')) {
      const speed = (ts: Transfer[]): number | undefined => (ts.length ? median(mbps(ts)) : undefined);
      rows.push(
        throughput(`first pull ${size} through a pull-through cache, from the upstream (MB/s)`, (m) => (m.proxyFirst ? [m.proxyFirst] : [])),
        throughput(`cached pull ${size} through a pull-through cache (MB/s, median)`, (m) => m.proxyCached),
        { figure: 'cached proxy pull ÷ pull of the same blob pushed (speed ratio)', better: 'higher', digits: 2,
          values: get((m) => { const a = speed(m.proxyCached); const b = speed(m.pushedPull); return a && b ? a / b : undefined; }),
          target: { text: 'harborctl ≥ 0.90', met: (hv) => hv >= 0.9 } },
      );
    }
    if (o.only.has('manifest')) {
      // The bare node:http server's figure beside harborctl's (bench/floor.ts).
      const f = this.floor;
      const perThousand = (r: WrkResult | undefined, cpu: number | undefined): number | undefined => (r && cpu !== undefined ? (cpu * 1000 / r.requests) * 1000 : undefined);
      const floorNote = (v: number | undefined, digits: number): Row['notes'] => (v === undefined ? undefined : { harborctl: `(floor ${v.toFixed(digits)})` });
      rows.push(
        { figure: 'manifest GET c1 (req/s)', better: 'higher', digits: 0, values: get((m) => m.c1?.rps), notes: floorNote(f.c1?.rps, 0) },
        { figure: 'manifest GET c1 p50 (ms)', better: 'lower', digits: 3, values: get((m) => m.c1?.p50ms), notes: floorNote(f.c1?.p50ms, 3) },
        { figure: 'manifest GET c1 p99 (ms)', better: 'lower', digits: 3, values: get((m) => m.c1?.p99ms), notes: floorNote(f.c1?.p99ms, 3),
          target: { text: 'harborctl ≤ 1 ms', met: (h) => h <= 1 } },
        { figure: 'manifest GET c16 (req/s)', better: 'higher', digits: 0, values: get((m) => m.c16?.rps), notes: floorNote(f.c16?.rps, 0), target: ratioAtLeast(10) },
        { figure: 'manifest GET c16 p50 (ms)', better: 'lower', digits: 3, values: get((m) => m.c16?.p50ms), notes: floorNote(f.c16?.p50ms, 3) },
        { figure: 'manifest GET c16 p99 (ms)', better: 'lower', digits: 3, values: get((m) => m.c16?.p99ms), notes: floorNote(f.c16?.p99ms, 3),
          target: { text: 'lower', met: (h, d) => h < d } },
        { figure: 'server CPU per 1,000 manifest GETs at c16 (ms)', better: 'lower', digits: 1,
          values: get((m) => perThousand(m.c16, m.c16Cpu)), notes: floorNote(perThousand(f.c16, f.c16Cpu), 1) },
      );
    }
    if (o.only.has('images')) {
      rows.push(
        { figure: `push ${o.images} tiny images into ${o.images} repos, c${o.imageConcurrency} (s)`, better: 'lower', digits: 2, values: get((m) => m.tinySeconds) },
        { figure: `server CPU for the ${o.images} tiny images (s)`, better: 'lower', digits: 2, values: get((m) => m.tinyCpu) },
        { figure: 'page /v2/_catalog with n=100 to the end (s)', better: 'lower', digits: 3, values: get((m) => m.catalog?.seconds),
          notes: get((m) => (m.catalog ? `(${m.catalog.pages} pages)` : undefined)) },
      );
    }
    if (o.only.has('scale')) {
      const small = (Math.max(1, Math.floor(o.scaleRepos / 100)) * o.scaleTags).toLocaleString('en-US');
      const full = (o.scaleRepos * o.scaleTags).toLocaleString('en-US');
      const names = this.meas('harborctl').scaleFull?.map((c) => c.name) ?? [];
      for (const [i, listing] of names.entries()) {
        const at = (pick: (m: Measured) => PageCost[] | undefined) => get((m) => pick(m)?.[i]?.name === listing ? pick(m)![i].cpuMs : undefined);
        rows.push(
          { figure: `${listing}: server CPU per page at ${small} tags (ms)`, better: 'lower', digits: 2, values: at((m) => m.scaleSmall) },
          { figure: `${listing}: server CPU per page at ${full} tags (ms)`, better: 'lower', digits: 2, values: at((m) => m.scaleFull) },
          { figure: `${listing}: cost at ${full} ÷ cost at ${small} tags`, better: 'lower', digits: 2,
            values: get((m) => { const a = m.scaleSmall?.[i]; const b = m.scaleFull?.[i]; return a && b && a.name === listing ? b.cpuMs / Math.max(a.cpuMs, 0.01) : undefined; }),
            target: { text: 'harborctl ≤ 2', met: (h) => h <= 2, harborctlOnly: true } },
        );
      }
      rows.push({ figure: 'metadata bytes per tag (database, or docker-registry\'s files)', better: 'lower', digits: 0, values: get((m) => m.bytesPerTag) });
    }
    if (o.only.has('concurrent')) {
      const c = (f: (x: ConcurrentResult) => number) => get((m) => (m.concurrent ? f(m.concurrent) : undefined));
      const rate = (n: number, s: number): number => n * o.concurrentMiB * MIB / MB / s;
      rows.push(
        { figure: `${o.clients} clients pushing ${o.concurrentMiB} MiB images for ${o.concurrentSeconds} s: images pushed`, better: 'higher', digits: 0, values: c((x) => x.pushed) },
        { figure: 'concurrent push throughput (MB/s)', better: 'higher', digits: 1, values: c((x) => rate(x.pushed, x.pushSeconds)) },
        { figure: 'concurrent pull of every image, same clients (MB/s)', better: 'higher', digits: 1, values: c((x) => rate(x.pulled, x.pullSeconds)) },
        { figure: 'concurrent push and pull errors', better: 'lower', digits: 0, values: c((x) => x.pushErrors + x.pullErrors), target: { text: 'harborctl 0', met: (h) => h === 0 } },
        { figure: 'peak RSS while the clients push (MB)', better: 'lower', digits: 1, values: c((x) => x.pushPeakRssKiB * 1024 / MB), target: { text: 'harborctl < 128 MB', met: (h) => h < 128 } },
        { figure: 'peak RSS while the same clients pull (MB)', better: 'lower', digits: 1, values: c((x) => x.pullPeakRssKiB * 1024 / MB), target: { text: 'harborctl < 128 MB', met: (h) => h < 128 } },
      );
    }
    if (o.only.has('huge')) {
      const h = (f: (x: HugeResult) => number) => get((m) => (m.huge ? f(m.huge) : undefined));
      rows.push(
        { figure: `push one ${o.hugeGiB} GiB layer, one PUT (MB/s)`, better: 'higher', digits: 1, values: h((x) => x.bytes / MB / x.pushSeconds) },
        { figure: `pull the ${o.hugeGiB} GiB layer (MB/s)`, better: 'higher', digits: 1, values: h((x) => x.bytes / MB / x.pullSeconds) },
        { figure: `RSS growth over idle while ${o.hugeGiB} GiB is pushed or pulled (MB)`, better: 'lower', digits: 1,
          values: h((x) => (Math.max(x.pushPeakRssKiB, x.pullPeakRssKiB) - x.idleRssKiB) * 1024 / MB) },
      );
    }
    if (this.observe) rows.push(...observeRows(this.observe));
    if (this.replicas) rows.push(...replicasRows(this.replicas, o.blobMiB));
    // Which phase the peak fell in, when the peak could be reset between phases.
    const peakPhase = (m: Measured): string | undefined => {
      const top = Object.entries(m.phasePeakKiB ?? {}).sort((a, b) => b[1] - a[1])[0];
      return top ? `(in ${top[0]})` : undefined;
    };
    rows.push({ figure: 'peak RSS over the whole bench (MB)', better: 'lower', digits: 1, values: get((m) => mb(m.overallPeakKiB)), notes: get(peakPhase),
      target: { text: 'harborctl < 128 MB', met: (h) => h < 128 } });
    return rows;
  }

  async stop(): Promise<void> {
    await this.cleanup.run();
    for (const name of REGISTRIES) if (this.regs.has(name) && this.m.has(name)) this.notePeak(name);
    await Promise.all([...this.regs.values()].map((r) => r.stop()));
    this.regs.clear();
  }
}

async function main(): Promise<void> {
  let o: Options;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n\n${HELP}`);
    process.exitCode = 2;
    return;
  }
  try {
    preflight(o);
  } catch (e) {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
    return;
  }
  const workDir = mkdtempSync(join(tmpdir(), 'harborctl-bench-'));
  const bench = new Bench(o, workDir);
  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    await bench.stop().catch((e: unknown) => say(`stopping the registries failed: ${String(e)}`));
    if (o.keep) say(`kept ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  };
  const abort = (why: string, code: number): void => {
    say(why);
    void cleanup().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => abort('interrupted: stopping the registries and removing temp data', 130));
  process.once('SIGTERM', () => abort('terminated: stopping the registries and removing temp data', 143));
  // The at-scale phases, observe and replicas get an hour more.
  const watchdogMs = WATCHDOG_MS + (['scale', 'concurrent', 'huge', 'observe', 'replicas'].some((p) => o.only.has(p as Phase)) ? 60 * 60_000 : 0);
  const watchdog = setTimeout(() => abort(`watchdog: the bench ran longer than ${watchdogMs / 60_000} min`, 1), watchdogMs);
  watchdog.unref();

  const date = new Date().toISOString();
  const loadBefore = loadAverage();
  const machine = machineInfo(tmpdir());
  const revision = tryExec('git', ['-C', PROJECT_ROOT, 'describe', '--always', '--dirty']) || 'unknown';
  try {
    if (o.only.has('push') || o.only.has('pull') || o.only.has('proxy')) {
      say(`writing a ${o.blobMiB} MiB random blob and its ${o.chunkMiB} MiB chunks to ${workDir}`);
      bench.blob = makeBigBlob(workDir, o.blobMiB * MIB, o.chunkMiB * MIB);
      // Written back first: the start-ups measured next (SQLite's fsyncs among them) would otherwise
      // wait behind twice the blob's size of writeback.
      bench.settle();
    }
    await bench.start();
    if (o.only.has('push')) await bench.phase('push', () => bench.pushPhase());
    if (o.only.has('pull')) await bench.phase('pull', () => bench.pullPhase());
    if (o.only.has('proxy')) await bench.phase('proxy', () => bench.proxyPhase());
    if (o.only.has('manifest')) await bench.phase('manifest', () => bench.manifestPhase());
    if (o.only.has('images')) await bench.phase('images', () => bench.imagesPhase());
    if (o.only.has('scale')) await bench.phase('scale', () => bench.scalePhase());
    if (o.only.has('concurrent')) await bench.phase('concurrent', () => bench.concurrentPhase());
    if (o.only.has('huge')) await bench.phase('huge', () => bench.hugePhase());
    if (o.only.has('observe')) await bench.phase('observe', () => bench.observePhase());
    if (o.only.has('replicas')) await bench.phase('replicas', () => bench.replicasPhase());
    await bench.stop();
    const rows = bench.rows();
    const loadAfter = loadAverage();
    process.stdout.write(`\n${consoleTable(rows)}\n`);
    if (bench.warnings.length) process.stdout.write(`\nwarnings:\n${bench.warnings.map((w) => `  - ${w}`).join('\n')}\n`);
    process.stdout.write(`\nload average before ${loadBefore}, after ${loadAfter} (2 shared cores: expect noise)\n`);
    if (o.profileDir) {
      const dir = join(workDir, 'cpu-prof');
      // The restarted process's profile, the one that ran the phases: the newest.
      const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))
        .sort((a, b) => statSync(join(dir, a)).mtimeMs - statSync(join(dir, b)).mtimeMs).pop();
      if (!file) throw new Error(`no .cpuprofile in ${dir}`);
      mkdirSync(o.profileDir, { recursive: true });
      const kept = join(o.profileDir, `harborctl-${date.replace(/[:.]/g, '-')}.cpuprofile`);
      copyFileSync(join(dir, file), kept);
      process.stdout.write(`\n${formatProfile(summarizeProfile(kept))}\n\nprofile saved: ${kept}\n`);
    }
    if (o.write) {
      const command = o.argv.length ? `npm run bench -- ${o.argv.join(' ')}` : 'npm run bench';
      const parameters = [
        `blob ${o.blobMiB} MiB of random bytes`, `chunks ${o.chunkMiB} MiB`, 'sync(1), untimed, before each push',
        'pulls served from the page cache', `${o.runs} runs per transfer (median, best in brackets)`,
        `wrk ${o.duration} s per level after ${o.warmup} s warm-up, -t1 -c1 and -t2 -c16`,
        `${o.images} tiny images with ${o.imageConcurrency} concurrent pushes`, 'MB = 10^6 bytes',
        ...(o.only.has('scale') ? [`scale: ${o.scaleRepos} repositories of ${o.scaleTags} tags, ${o.scaleReps} GETs per listing`] : []),
        ...(o.only.has('concurrent') ? [`concurrent: ${o.clients} clients, ${o.concurrentMiB} MiB layers, ${o.concurrentSeconds} s of pushes`] : []),
        ...(o.only.has('huge') ? [`huge: one ${o.hugeGiB} GiB layer`] : []),
        ...(o.only.has('observe') ? [`observe: ${o.runs} A/B rounds of wrk ${o.duration} s at c1 and c16`] : []),
        ...(o.only.has('replicas') ? [`replicas: ${o.runs} rounds of wrk ${o.duration} s at c16 per setup, ${o.blobMiB} MiB blob per run`] : []),
        `phases: ${[...o.only].join(', ')}`,
      ];
      writeReport(o.out, { date, command, revision, machine, loadBefore, loadAfter, parameters, rows, raw: bench.raw, warnings: bench.warnings });
      say(`wrote ${o.out}`);
    }
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exitCode = 1;
});

function freeBytes(dir: string): number {
  const f = statfsSync(dir);
  return f.bavail * f.bsize;
}
