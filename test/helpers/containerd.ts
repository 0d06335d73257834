// The mirror end-to-end stack, hermetic: one network namespace per scenario (loopback only, so a
// containerd fallback to a real registry cannot leave the machine and fixed ports clash with nothing),
// and in it Debian's docker-registry as the upstream, `harborctl serve` (bin/harborctl) as the mirror
// and Debian's containerd 1.6 with its own root, state and socket. Every process is started with
// `ip netns exec`, which execs in place, so the PID we hold is the daemon's own; `dispose()` stops
// exactly those PIDs and deletes the namespace.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_ADMIN_PASSWORD } from './admin-auth.js';
import { HARBORCTL_BIN } from './cli.js';
import { describeRun, distributionEnv, run, type RunOptions, type RunResult } from './exec.js';
import { collectLines, makeStop, track } from './registry-process.js';

export const UPSTREAM = '127.0.0.1:5001';
export const MIRROR_PORT = 5280;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What the suite needs on the machine; a missing one is an error, never a skip (.ci/run installs them). */
export async function requireTools(): Promise<void> {
  const missing: string[] = [];
  for (const tool of ['ip', 'containerd', 'ctr', 'docker-registry', 'skopeo', 'openssl']) {
    const r = await run('sh', ['-c', `command -v ${tool}`]);
    if (r.code !== 0) missing.push(tool);
  }
  if (missing.length > 0) throw new Error(`the mirror end-to-end suite needs ${missing.join(', ')}: apt-get install -y containerd iproute2 docker-registry skopeo openssl`);
  if (process.getuid?.() !== 0) throw new Error('the mirror end-to-end suite needs root (ip netns add, containerd)');
  if (!existsSync(HARBORCTL_BIN.replace(/bin\/harborctl$/, 'dist/bundle/harborctl.cjs'))) throw new Error('dist/ is missing: npm run build first');
}

export interface Daemon {
  name: string;
  pid: number;
  /** Every line written to stdout and stderr so far. */
  logs: string[];
  running(): boolean;
}

function collect(child: ChildProcess, logs: string[]): void {
  for (const s of [child.stdout, child.stderr]) {
    let partial = '';
    s?.setEncoding('utf8');
    s?.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      logs.push(...parts);
    });
    s?.on('end', () => { if (partial) logs.push(partial); });
  }
}

// If the test worker dies before dispose(), its exit still stops our PIDs (only those) and deletes
// our namespaces, so nothing is left running on the machine.
const livePids = new Set<number>();
const liveNamespaces = new Set<string>();
process.once('exit', () => {
  for (const pid of livePids) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  for (const ns of liveNamespaces) { try { execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }); } catch { /* gone */ } }
});

/** A network namespace with lo up, and the processes started in it. */
export class NetNs {
  private readonly children: { daemon: Daemon; child: ChildProcess }[] = [];

  private constructor(readonly name: string) {}

  static async create(): Promise<NetNs> {
    const name = `harborctl-e2e-${randomBytes(4).toString('hex')}`;
    const add = await run('ip', ['netns', 'add', name]);
    if (add.code !== 0) throw new Error(`cannot create a network namespace\n${describeRun(add)}`);
    liveNamespaces.add(name);
    const ns = new NetNs(name);
    const up = await run('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
    if (up.code !== 0) { await ns.dispose(); throw new Error(`cannot bring lo up in ${name}\n${describeRun(up)}`); }
    return ns;
  }

  /** Runs a command to completion inside the namespace. */
  run(cmd: string, args: readonly string[], opts?: RunOptions): Promise<RunResult> {
    return run('ip', ['netns', 'exec', this.name, cmd, ...args], opts);
  }

  async runOk(cmd: string, args: readonly string[], opts?: RunOptions): Promise<RunResult> {
    const r = await this.run(cmd, args, opts);
    if (r.code !== 0) throw new Error(`command failed in ${this.name}\n${describeRun(r)}`);
    return r;
  }

  /** Starts a long-running process inside the namespace; it is stopped by dispose(). */
  start(name: string, cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Daemon {
    const child = spawn('ip', ['netns', 'exec', this.name, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    if (child.pid === undefined) throw new Error(`could not spawn ${cmd}`);
    livePids.add(child.pid);
    child.once('exit', () => livePids.delete(child.pid as number));
    const logs: string[] = [];
    collect(child, logs);
    const daemon: Daemon = { name, pid: child.pid, logs, running: () => child.exitCode === null && child.signalCode === null };
    this.children.push({ daemon, child });
    return daemon;
  }

  /** Waits until a line of the daemon's output matches (or it dies, or 30 s pass). */
  async waitForLine(d: Daemon, re: RegExp): Promise<RegExpMatchArray> {
    for (let i = 0; i < 300; i++) {
      for (const l of d.logs) { const m = re.exec(l); if (m) return m; }
      if (!d.running()) break;
      await sleep(100);
    }
    throw new Error(`${d.name} (pid ${d.pid}) never printed ${re}${d.running() ? '' : ' and exited'}\n${d.logs.slice(-30).join('\n')}`);
  }

  /** SIGTERM to each PID we started (newest first), SIGKILL after 10 s; then delete the namespace. */
  async dispose(): Promise<void> {
    for (const { daemon, child } of [...this.children].reverse()) {
      if (!daemon.running()) continue;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      try { process.kill(daemon.pid, 'SIGTERM'); } catch { /* already gone */ }
      const t = setTimeout(() => { try { process.kill(daemon.pid, 'SIGKILL'); } catch { /* gone */ } }, 10_000);
      await gone;
      clearTimeout(t);
    }
    this.children.length = 0;
    await run('ip', ['netns', 'del', this.name]);
    liveNamespaces.delete(this.name);
  }
}

/** One parsed access-log line. */
export interface AccessEntry { method: string; path: string; status: number; userAgent: string }

// harborctl: `ADDR - - [time] "GET /v2/... HTTP/1.1" 200 402 "UA" 1.2ms ID`; distribution (combined
// log format) has the referer first: `... 200 402 "" "UA"`.
const ACCESS = /^\S+ - - \[[^\]]+\] "([A-Z]+) (\S+) HTTP\/[\d.]+" (\d{3}) \S+ (?:"[^"]*" )?"([^"]*)"/;

export function accessEntries(lines: readonly string[]): AccessEntry[] {
  const out: AccessEntry[] = [];
  for (const l of lines) {
    const m = ACCESS.exec(l);
    if (m) out.push({ method: m[1], path: m[2].replace(/\?.*$/, ''), status: Number(m[3]), userAgent: m[4] });
  }
  return out;
}

/** Requests containerd itself sent (its user agent), from line `from` on. */
export function containerdRequests(d: Daemon, from = 0): AccessEntry[] {
  return accessEntries(d.logs.slice(from)).filter((e) => e.userAgent.startsWith('containerd/'));
}

export interface StackOptions {
  /** `harborctl tls init` in the mirror's data dir before it starts, then `serve --tls`. */
  tls?: boolean;
}

/** The three processes of a scenario, and the commands a scenario runs against them. */
export class MirrorStack {
  upstream!: Daemon;
  harbor!: Daemon;
  containerd!: Daemon;
  /** The mirror's root URL (http:// or https://127.0.0.1:5280). */
  mirrorUrl = '';

  private constructor(
    readonly ns: NetNs,
    /** Everything of this scenario: configs, data dirs, containerd root, certs.d. */
    readonly dir: string,
  ) {}

  get certsDir(): string { return join(this.dir, 'certs.d'); }
  get containerdConfig(): string { return join(this.dir, 'containerd.toml'); }
  get socket(): string { return join(this.dir, 'containerd', 'containerd.sock'); }
  get harborData(): string { return join(this.dir, 'harbor-data'); }
  /** The CA of `harborctl tls init` (stack started with tls). */
  get harborCa(): string { return join(this.harborData, 'tls', 'ca.crt'); }
  /** A file that is not there: the doctor's Docker daemon.json check stays off the machine's own. */
  get noDaemonJson(): string { return join(this.dir, 'no-daemon.json'); }

  /** The CLI's environment: a private config dir and HOME, so no login of the machine is used or touched. */
  get cliEnv(): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH, HOME: join(this.dir, 'home'), NO_COLOR: '1',
      HARBORCTL_CONFIG_DIR: join(this.dir, 'home', 'config'), HARBORCTL_DATA_DIR: join(this.dir, 'home', 'data'), DOCKER_CONFIG: join(this.dir, 'home', 'docker'),
    };
  }

  static async start(o: StackOptions = {}): Promise<MirrorStack> {
    const ns = await NetNs.create();
    const dir = await mkdtemp(join(tmpdir(), 'harborctl-e2e-'));
    const s = new MirrorStack(ns, dir);
    try {
      await s.boot(o);
      return s;
    } catch (e) {
      await s.dispose();
      throw e;
    }
  }

  private async boot(o: StackOptions): Promise<void> {
    await mkdir(join(this.dir, 'home'), { recursive: true });
    await mkdir(this.certsDir, { recursive: true });
    await mkdir(join(this.dir, 'net.d'), { recursive: true });

    await writeFile(join(this.dir, 'upstream.yml'), [
      'version: 0.1',
      'log: {level: info, accesslog: {disabled: false}}',
      `storage: {filesystem: {rootdirectory: ${join(this.dir, 'upstream-data')}}, delete: {enabled: true}}`,
      `http: {addr: "${UPSTREAM}"}`,
      '',
    ].join('\n'));
    await writeFile(this.containerdConfig, containerdToml(this.dir, this.certsDir));

    this.upstream = this.ns.start('docker-registry', 'docker-registry', ['serve', join(this.dir, 'upstream.yml')], distributionEnv());
    if (o.tls) await this.harborctlOk(['tls', 'init', '--data-dir', this.harborData]);
    const tlsArgs = o.tls ? ['--tls'] : [];
    this.harbor = this.ns.start('harborctl serve', HARBORCTL_BIN, ['serve', '--listen', `127.0.0.1:${MIRROR_PORT}`, '--data-dir', this.harborData, '--log-level', 'info', ...tlsArgs],
      { ...process.env, HARBOR_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, HARBORCTL_DATA_DIR: this.harborData });
    this.containerd = this.ns.start('containerd', 'containerd', ['--config', this.containerdConfig]);

    await this.ns.waitForLine(this.upstream, /listening on 127\.0\.0\.1:5001/);
    const m = await this.ns.waitForLine(this.harbor, /harborctl registry listening on (https?):\/\/127\.0\.0\.1:(\d+)/);
    this.mirrorUrl = `${m[1]}://127.0.0.1:${m[2]}`;
    await this.ns.waitForLine(this.containerd, /containerd successfully booted/);
  }

  /** The harborctl CLI (bin/harborctl) inside the namespace, with the private config dir. */
  harborctl(args: readonly string[], o: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
    return this.ns.run(HARBORCTL_BIN, args, { env: { ...this.cliEnv, ...o.env }, input: o.input, timeoutMs: 120_000 });
  }

  async harborctlOk(args: readonly string[], o: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
    const r = await this.harborctl(args, o);
    if (r.code !== 0) throw new Error(`harborctl failed\n${describeRun(r)}`);
    return r;
  }

  skopeo(args: readonly string[]): Promise<RunResult> {
    const policy = join(this.dir, 'policy.json');
    return writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }))
      .then(() => this.ns.runOk('skopeo', ['--policy', policy, ...args], { env: { ...process.env, REGISTRY_AUTH_FILE: join(this.dir, 'auth.json'), TMPDIR: this.dir } }));
  }

  /** `ctr images pull --hosts-dir` in a fresh containerd namespace; resolves with the result, whatever it is. */
  ctrPull(ref: string, namespace: string, hostsDir = this.certsDir): Promise<RunResult> {
    return this.ns.run('ctr', ['--address', this.socket, '--namespace', namespace, 'images', 'pull', '--snapshotter', 'native', '--hosts-dir', hostsDir, ref], { timeoutMs: 120_000 });
  }

  /** Everything a failing test needs to see. */
  diagnostics(): string {
    const tail = (d: Daemon | undefined): string => (d ? `--- ${d.name} (pid ${d.pid}), last 30 lines\n${d.logs.slice(-30).join('\n')}` : '');
    return [tail(this.harbor), tail(this.upstream), tail(this.containerd)].join('\n');
  }

  async dispose(): Promise<void> {
    await this.ns.dispose();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * containerd 1.6, version-2 config: own root/state/socket, the native snapshotter (works on any
 * filesystem, no mounts), snapshotters that need kernel or disk setup disabled, content not shared
 * across namespaces (else a second pull fetches nothing and the mirror sees only a HEAD), and the CRI
 * plugin reading hosts.toml from `certsDir` (config_path), as MicroK8s and kubelet setups do.
 */
export function containerdToml(dir: string, certsDir: string): string {
  return `${coreToml(join(dir, 'containerd'), [])}
[plugins."io.containerd.grpc.v1.cri"]
  disable_tcp_service = true
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
  [plugins."io.containerd.grpc.v1.cri".cni]
    conf_dir = "${dir}/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "${certsDir}"
`;
}

/** Everything but the CRI plugin: root, state and socket under `cd`, and `disabled` plugins besides the snapshotters. */
function coreToml(cd: string, disabled: string[]): string {
  const off = [...disabled, 'io.containerd.snapshotter.v1.btrfs', 'io.containerd.snapshotter.v1.zfs', 'io.containerd.snapshotter.v1.devmapper', 'io.containerd.snapshotter.v1.aufs'];
  return `version = 2
root = "${cd}/root"
state = "${cd}/state"
disabled_plugins = [${off.map((p) => `"${p}"`).join(', ')}]

[grpc]
  address = "${cd}/containerd.sock"

[ttrpc]
  address = "${cd}/containerd.sock.ttrpc"

[plugins."io.containerd.metadata.v1.bolt"]
  content_sharing_policy = "isolated"
`;
}

/** containerd as a plain process on the machine's own network (no namespace): a client of registries on 127.0.0.1. */
export interface PlainContainerd {
  pid: number;
  socket: string;
  logs: string[];
  /** `ctr --address SOCKET ...`, to completion; throws on a non-zero exit. */
  ctr(args: readonly string[]): Promise<RunResult>;
  stop(): Promise<unknown>;
}

/**
 * Debian's containerd with its own root, state and socket in a temp dir, CRI off (nothing but the
 * content store and the native snapshotter is needed by `ctr images pull/push`, which speak HTTP
 * themselves); stop() signals exactly its PID and removes the dir.
 */
export async function startContainerd(): Promise<PlainContainerd> {
  const dir = await mkdtemp(join(tmpdir(), 'harborctl-containerd-'));
  const cd = join(dir, 'containerd');
  const config = join(dir, 'containerd.toml');
  await writeFile(config, coreToml(cd, ['io.containerd.grpc.v1.cri']));
  const logs: string[] = [];
  const child = spawn('containerd', ['--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error('could not spawn containerd (apt-get install containerd)');
  const pid = child.pid;
  track(pid);
  collectLines(child, logs);
  const stop = makeStop('containerd', child, pid, dir, logs);
  for (let i = 0; i < 300 && !logs.some((l) => l.includes('containerd successfully booted')); i++) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    await sleep(100);
  }
  if (!logs.some((l) => l.includes('containerd successfully booted'))) {
    await stop().catch(() => undefined);
    throw new Error(`containerd never booted\n${logs.slice(-30).join('\n')}`);
  }
  const socket = join(cd, 'containerd.sock');
  return {
    pid, socket, logs, stop: () => stop(),
    async ctr(args) {
      const r = await run('ctr', ['--address', socket, ...args], { timeoutMs: 120_000 });
      if (r.code !== 0) throw new Error(`ctr failed\n${describeRun(r)}`);
      return r;
    },
  };
}
