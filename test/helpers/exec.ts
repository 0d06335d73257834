// Runs an external program (skopeo, podman, umoci ...) with no stdin (or the given `input`), captures its output and kills
// it by PID if it overstays. `runOk` fails with the whole command line and output, so a failing
// interop test says exactly what the client did and what it answered.
import { spawn } from 'node:child_process';

export interface RunResult {
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the program's stdin, which is then closed (`--password-stdin`). */
  input?: string;
  /** Killed with SIGKILL (its PID only) after this long; default 5 minutes. */
  timeoutMs?: number;
}

/**
 * This environment without REGISTRY_* variables, for docker-registry: it reads every one of them as
 * configuration (REGISTRY_HTTP_ADDR, REGISTRY_AUTH...), and podman users have REGISTRY_AUTH_FILE set.
 */
export function distributionEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('REGISTRY_')));
}

function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map(quote).join(' ');
}

export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const command = commandLine(cmd, args);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    }, opts.timeoutMs ?? 300_000);
    child.on('error', (e) => { clearTimeout(timer); reject(new Error(`${command}: ${e.message}`)); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ command, code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: Date.now() - started });
    });
  });
}

export function describeRun(r: RunResult): string {
  const tail = (s: string): string => (s.length > 4000 ? `…${s.slice(-4000)}` : s);
  return `$ ${r.command}\n-> exit ${r.code ?? r.signal} after ${r.ms} ms\n--- stderr\n${tail(r.stderr)}\n--- stdout\n${tail(r.stdout)}`;
}

/** Runs and throws (with the full command and output) unless the exit code is 0. */
export async function runOk(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`command failed\n${describeRun(r)}`);
  return r;
}
