// The two registries under test, each a child process whose PID we keep: harborctl serve, and
// Debian's docker-registry (distribution 2.8) with a config generated here. Both listen on free
// loopback ports, keep data in the bench's temp dir and write their access log to a file.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpClient } from './images.js';

export type RegistryName = 'harborctl' | 'docker-registry';

export interface RegistryProcess {
  name: RegistryName;
  url: string;
  pid: number;
  logFile: string;
  dataDir: string;
  /** Milliseconds from spawn to the first 200 on GET /v2/ (harborctl's with Basic auth: one password check). */
  startupMs: number;
  /** Milliseconds from spawn to the first answer of any status on GET /v2/ without credentials (harborctl: its 401 challenge). */
  firstAnswerMs: number;
  /** SIGTERM to our own child, SIGKILL to the same PID if it has not exited after 10 s. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
/** A throwaway admin password for the bench's own harborctl data dir. */
export const BENCH_ADMIN_PASSWORD = 'Bench-Admin-1';

/**
 * Variables of the bench's own environment that the registries (and the floor) do not get: they
 * change how node starts on one machine and not on another. Node reads and parses the file that
 * NODE_EXTRA_CA_CERTS names before it runs any script: with the system's 140-certificate bundle,
 * 40-60 ms of every start on the thirteenth session's machine, whose environment sets it
 * (docs/benchmarks.md). The report says which of them were set.
 */
export const UNSET_FOR_REGISTRIES = ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'];

/** The bench's environment without UNSET_FOR_REGISTRIES, then `extra`. */
export function registryEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of UNSET_FOR_REGISTRIES) delete env[k];
  return { ...env, ...extra };
}

/** A port nobody listens on right now (bind 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function get(url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function tail(file: string, lines = 15): string {
  return readText(file).trimEnd().split('\n').slice(-lines).join('\n');
}

const spawnErrors = new WeakMap<ChildProcess, Error>();

/** Stops our own child: SIGTERM, then SIGKILL to the same PID after 10 s; resolves once it has exited. */
export function stopper(child: ChildProcess): () => Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
    // A binary that cannot be spawned emits 'error' and never 'exit'.
    child.once('error', (e) => { spawnErrors.set(child, e); resolve(); });
  });
  return async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); }, 10_000);
    await exited;
    clearTimeout(timer);
  };
}

/**
 * Polls until `ready()` yields a URL that answers 200 on /v2/ with the distribution API header, noting
 * when /v2/ first answered at all without the URL's credentials. Fails early when the child exits.
 */
async function waitReady(name: RegistryName, child: ChildProcess, logFile: string, started: bigint, ready: () => string | null): Promise<{ url: string; startupMs: number; firstAnswerMs: number }> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const since = (): number => Number(process.hrtime.bigint() - started) / 1e6;
  let firstAnswerMs: number | undefined;
  while (Date.now() < deadline) {
    if (spawnErrors.has(child)) throw new Error(`${name} could not be started: ${spawnErrors.get(child)!.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited during start-up (code ${child.exitCode}, signal ${child.signalCode}):\n${tail(logFile)}`);
    }
    const url = ready();
    if (url && firstAnswerMs === undefined) {
      const r = await get(`${withoutCredentials(url)}/v2/`).catch(() => null);
      if (r) firstAnswerMs = since();
    }
    if (url && firstAnswerMs !== undefined) {
      const r = await get(`${url}/v2/`).catch(() => null);
      if (r?.status === 200 && r.headers['docker-distribution-api-version'] === 'registry/2.0') {
        return { url, startupMs: since(), firstAnswerMs };
      }
      continue;
    }
    await sleep(10);
  }
  throw new Error(`${name} did not answer on /v2/ within ${READY_TIMEOUT_MS / 1000} s:\n${tail(logFile)}`);
}

export interface StartOptions {
  /** Scratch directory owned by the bench; the server's data and log go below it. */
  workDir: string;
}

/** `args`/`env`: more serve options and environment (bench/s3.ts: `--storage s3://...` and its credentials). */
export async function startHarborctl(opts: StartOptions & { projectRoot: string; nodeFlags?: string[]; args?: string[]; env?: NodeJS.ProcessEnv }): Promise<RegistryProcess> {
  const dataDir = join(opts.workDir, 'harborctl-data');
  const logFile = join(opts.workDir, 'harborctl.log');
  const fd = openSync(logFile, 'w');
  const started = process.hrtime.bigint();
  // The installed entry point, as users start it: bin/harborctl execs node, so the child's PID is the
  // server's PID and the wrapper's environment (its malloc setting) is measured too. Node flags go
  // through the wrapper's HARBORCTL_NODE_FLAGS (NODE_OPTIONS refuses --cpu-prof).
  const nodeFlags = (opts.nodeFlags ?? []).join(' ');
  const child = spawn(join(opts.projectRoot, 'bin', 'harborctl'), [
    'serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--log-level', 'info', ...(opts.args ?? []),
  ], {
    stdio: ['ignore', fd, fd], cwd: opts.workDir,
    env: registryEnv({ ...opts.env, NO_COLOR: '1', HARBOR_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD, ...(nodeFlags ? { HARBORCTL_NODE_FLAGS: nodeFlags } : {}) }),
  });
  closeSync(fd);
  const stop = stopper(child);
  try {
    const { url, startupMs, firstAnswerMs } = await waitReady('harborctl', child, logFile, started, () => {
      // harborctl wants credentials on every /v2 request: the admin's go in the URL, which curl and
      // node:http turn into Basic auth (wrk gets a Bearer token instead, as real pullers do).
      const m = /listening on http:\/\/(127\.0\.0\.1:\d+)/.exec(readText(logFile));
      return m ? `http://admin:${BENCH_ADMIN_PASSWORD}@${m[1]}` : null;
    });
    return { name: 'harborctl', url, pid: child.pid!, logFile, dataDir, startupMs, firstAnswerMs, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** `proxyOf`: run as distribution's pull-through cache of that registry URL (its `proxy.remoteurl`). */
export async function startDockerRegistry(opts: StartOptions & { proxyOf?: string }): Promise<RegistryProcess> {
  const dataDir = join(opts.workDir, 'docker-registry-data');
  const logFile = join(opts.workDir, 'docker-registry.log');
  const configFile = join(opts.workDir, 'docker-registry.yml');
  const port = await freePort();
  // The same shape as shared/interop/configs/registry-5001.yml: filesystem, delete on, access log on.
  writeFileSync(configFile, [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog: {disabled: false}',
    'storage:',
    `  filesystem: {rootdirectory: ${JSON.stringify(dataDir)}}`,
    '  delete: {enabled: true}',
    '  cache: {blobdescriptor: inmemory}',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    ...(opts.proxyOf ? ['proxy:', `  remoteurl: ${JSON.stringify(opts.proxyOf)}`] : []),
    '',
  ].join('\n'));
  const fd = openSync(logFile, 'w');
  const started = process.hrtime.bigint();
  const child = spawn('docker-registry', ['serve', configFile], {
    stdio: ['ignore', fd, fd], cwd: opts.workDir,
    // It reads every REGISTRY_* variable as configuration (podman users have REGISTRY_AUTH_FILE set).
    env: Object.fromEntries(Object.entries(registryEnv()).filter(([k]) => !k.startsWith('REGISTRY_'))),
  });
  closeSync(fd);
  const stop = stopper(child);
  try {
    // Wait for its own "listening on" line so a stranger that grabbed the port is never measured.
    const { url, startupMs, firstAnswerMs } = await waitReady('docker-registry', child, logFile, started, () =>
      readText(logFile).includes(`listening on 127.0.0.1:${port}`) ? `http://127.0.0.1:${port}` : null);
    return { name: 'docker-registry', url, pid: child.pid!, logFile, dataDir, startupMs, firstAnswerMs, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export function withoutCredentials(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.origin;
}

/**
 * The Authorization a real puller sends: for a registry URL that carries credentials, a Bearer
 * token for pull on the repository from its token service; none otherwise.
 */
export async function pullAuth(url: string, repo: string): Promise<Record<string, string>> {
  if (!new URL(url).username) return {};
  const c = new HttpClient(url, 1);
  try {
    const res = await c.request('GET', `/service/token?service=harbor-registry&scope=repository:${repo}:pull`);
    if (res.status !== 200) throw new Error(`the token service of ${withoutCredentials(url)} answered ${res.status}`);
    return { Authorization: `Bearer ${(JSON.parse(res.body.toString()) as { token: string }).token}` };
  } finally {
    c.close();
  }
}

/**
 * What a phase started beyond the two registries (more servers, PostgreSQL, Ceph, HAProxy, a
 * receiver): each stop is registered as it starts and run once, last first, when the phase ends or
 * the bench is interrupted.
 */
export class Cleanup {
  private readonly stops: (() => Promise<unknown>)[] = [];

  add(stop: () => Promise<unknown>): void {
    this.stops.push(stop);
  }

  async run(): Promise<void> {
    for (let stop = this.stops.pop(); stop; stop = this.stops.pop()) {
      await stop().catch((e: unknown) => process.stderr.write(`[bench] a cleanup step failed: ${String(e)}\n`));
    }
  }
}
