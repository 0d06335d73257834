// Real registry processes for the interop tests: `harborctl serve` (our binary, as users run it) and
// Debian's `docker-registry` (CNCF distribution 2.8, the reference). Each runs on a free loopback port
// with its own temp data dir, is ready once GET /v2/ answers 200, and is stopped by its own PID with
// SIGTERM. PIDs still alive when the test worker exits are killed then, and only those.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_AUTHORIZATION, TEST_ADMIN_PASSWORD } from './admin-auth.js';
import { distributionEnv } from './exec.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const HARBORCTL_BIN = join(REPO_ROOT, 'bin', 'harborctl');
const HARBORCTL_MAIN = join(REPO_ROOT, 'dist', 'bundle', 'harborctl.cjs');

export interface RegistryProcess {
  name: string;
  pid: number;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, the form container references use. */
  host: string;
  dataDir: string;
  /** Every line the process wrote to stdout/stderr so far. */
  logs: string[];
  /** The access-log lines (one per HTTP request) so far. */
  accessLog(): string[];
  /** SIGTERM to our PID, wait for the exit, remove the data dir (unless keepData). Resolves with how it exited. */
  stop(opts?: { keepData?: boolean }): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

// ---- bookkeeping: only the PIDs started here are ever signalled

const live = new Set<number>();
let exitHookInstalled = false;
export function track(pid: number): void {
  live.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const p of live) {
        try { process.kill(p, 'SIGKILL'); } catch { /* already gone */ }
      }
    });
  }
}

/** Forgets a PID that was stopped (so the exit hook cannot signal whoever reuses the number). */
export function untrack(pid: number): void {
  live.delete(pid);
}

/** A port that was free a moment ago on 127.0.0.1 (the caller retries if someone takes it first). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

export function collectLines(child: ChildProcess, logs: string[], onLine?: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        logs.push(line);
        onLine?.(line);
      }
    });
    stream?.on('end', () => { if (partial) { logs.push(partial); onLine?.(partial); partial = ''; } });
  }
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls GET /v2/ until it answers 200 (or the process dies, or the time is up). */
async function waitForV2(url: string, child: ChildProcess, logs: string[], headers: Record<string, string> = {}, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    try {
      const res = await fetch(`${url}/v2/`, { headers, signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await sleep(100);
  }
  throw new Error(`${url}/v2/ never answered 200 (${last}; exit ${child.exitCode ?? child.signalCode ?? 'none'})\n${logs.slice(-30).join('\n')}`);
}

export function makeStop(name: string, child: ChildProcess, pid: number, dataDir: string, logs: string[]): RegistryProcess['stop'] {
  let stopping: ReturnType<RegistryProcess['stop']> | undefined;
  return (opts = {}) => {
    stopping ??= (async () => {
      const done = exited(child);
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGTERM');
      const result = await Promise.race([done, sleep(20_000).then(() => null)]);
      if (result === null) {
        process.kill(pid, 'SIGKILL');
        await done;
        live.delete(pid);
        throw new Error(`${name} (pid ${pid}) did not exit within 20 s of SIGTERM\n${logs.slice(-30).join('\n')}`);
      }
      live.delete(pid);
      if (!opts.keepData) await rm(dataDir, { recursive: true, force: true });
      return result;
    })();
    return stopping;
  };
}

// ---- harborctl serve

const LISTENING = /harborctl registry listening on (https?):\/\/(\S+):(\d+)/;
/** Our access-log lines: `ADDR - - [time] "METHOD target HTTP/x" status ...`. */
const ACCESS_LINE = /^\S+ - - \[[^\]]+\] "[A-Z]+ /;

/** `dataDir`: reuse a data dir kept by an earlier `stop({ keepData: true })`; default a fresh temp dir. */
/** `env`: added to the process's environment (the S3 credentials of `--storage s3://...`). */
export async function startHarborctl(opts: { logLevel?: string; dataDir?: string; args?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<RegistryProcess> {
  if (!existsSync(HARBORCTL_MAIN)) throw new Error(`${HARBORCTL_MAIN} is missing: build first (npm run build)`);
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'harborctl-interop-data-')));
  const logs: string[] = [];
  const child = spawn(HARBORCTL_BIN, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--log-level', opts.logLevel ?? 'info', ...(opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // The first-start admin gets the tests' known password (the clients' auth files carry it).
    env: { ...process.env, ...opts.env, HARBORCTL_DATA_DIR: dataDir, HARBOR_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD },
  });
  if (child.pid === undefined) throw new Error(`could not spawn ${HARBORCTL_BIN}`);
  const pid = child.pid;
  track(pid);
  const stop = makeStop('harborctl', child, pid, dataDir, logs);
  try {
    const port = await new Promise<number>((resolvePort, reject) => {
      const timer = setTimeout(() => reject(new Error('no "listening on" line within 20 s')), 20_000);
      collectLines(child, logs, (line) => {
        const m = LISTENING.exec(line);
        if (m) { clearTimeout(timer); resolvePort(Number(m[3])); }
      });
      child.once('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`harborctl exited early (${code ?? signal})`)); });
    }).catch((e: Error) => { throw new Error(`${e.message}\n${logs.join('\n')}`); });
    const url = `http://127.0.0.1:${port}`;
    await waitForV2(url, child, logs, { authorization: ADMIN_AUTHORIZATION });
    return {
      name: 'harborctl', pid, url, host: `127.0.0.1:${port}`, dataDir, logs,
      accessLog: () => logs.filter((l) => ACCESS_LINE.test(l)),
      stop,
    };
  } catch (e) {
    await stop({ keepData: opts.dataDir !== undefined }).catch(() => undefined);
    throw e;
  }
}

// ---- Debian's docker-registry (distribution 2.8)

function distributionConfig(root: string, port: number, htpasswd?: string): string {
  const auth = htpasswd ? ['auth:', '  htpasswd:', '    realm: harborctl-test', `    path: ${htpasswd}`] : [];
  return [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: false',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${root}`,
    '  delete:',
    '    enabled: true',
    '  cache:',
    '    blobdescriptor: inmemory',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    ...auth,
    '',
  ].join('\n');
}

/**
 * Debian's docker-registry on a free loopback port. `htpasswd`: the content of an htpasswd file
 * (bcrypt entries, `htpasswd -Bbn`) that turns on its Basic authentication; readiness is then
 * checked with `readyAuthorization`.
 */
export async function startDistribution(opts: { htpasswd?: string; readyAuthorization?: string } = {}): Promise<RegistryProcess> {
  let lastError: unknown;
  // The free port may be taken between our probe and the registry's bind: try a few.
  for (let attempt = 0; attempt < 5; attempt++) {
    const dataDir = await mkdtemp(join(tmpdir(), 'harborctl-interop-distribution-'));
    const port = await freePort();
    const configPath = join(dataDir, 'config.yml');
    let htpasswdPath: string | undefined;
    if (opts.htpasswd !== undefined) {
      htpasswdPath = join(dataDir, 'htpasswd');
      await writeFile(htpasswdPath, opts.htpasswd);
    }
    await writeFile(configPath, distributionConfig(join(dataDir, 'storage'), port, htpasswdPath));
    const logs: string[] = [];
    const child = spawn('docker-registry', ['serve', configPath], { stdio: ['ignore', 'pipe', 'pipe'], env: distributionEnv() });
    const spawned = await new Promise<boolean>((r) => { child.once('spawn', () => r(true)); child.once('error', () => r(false)); });
    if (!spawned || child.pid === undefined) throw new Error('could not spawn docker-registry (apt-get install docker-registry)');
    const pid = child.pid;
    track(pid);
    collectLines(child, logs);
    const url = `http://127.0.0.1:${port}`;
    const stop = makeStop('docker-registry', child, pid, dataDir, logs);
    try {
      await waitForV2(url, child, logs, opts.readyAuthorization ? { authorization: opts.readyAuthorization } : {});
      return {
        name: 'docker-registry', pid, url, host: `127.0.0.1:${port}`, dataDir, logs,
        accessLog: () => logs.filter((l) => /^127\.0\.0\.1 - /.test(l)),
        stop,
      };
    } catch (e) {
      lastError = e;
      await stop().catch(() => undefined);
      if (!logs.some((l) => l.includes('address already in use'))) break;
    }
  }
  throw lastError;
}
