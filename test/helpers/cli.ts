// Runs harborctl in-process (run() from src/cli/main.ts) with captured streams, a piped stdin and an
// environment that points config, data dir and Docker config at temp dirs, never the real home.
import { execFileSync, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { expect } from 'vitest';
import { run } from '../../src/cli/main.js';

export interface CliResult { code: number; stdout: string; stderr: string }

export interface CliEnv {
  env: NodeJS.ProcessEnv;
  dir: string;
  cleanup(): Promise<void>;
}

/** A fresh HOME-like sandbox: HARBORCTL_CONFIG_DIR, HARBORCTL_DATA_DIR, DOCKER_CONFIG under one temp dir. */
export async function cliEnv(extra: NodeJS.ProcessEnv = {}): Promise<CliEnv> {
  const dir = await mkdtemp(join(tmpdir(), 'harborctl-cli-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: dir, NO_COLOR: '1',
    HARBORCTL_CONFIG_DIR: join(dir, 'config'), HARBORCTL_DATA_DIR: join(dir, 'data'), DOCKER_CONFIG: join(dir, 'docker'),
    ...extra,
  };
  return { env, dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * `harborctl serve ARGS` in a fresh sandbox, for options refused before anything is opened: the
 * result, and what the sandbox holds afterwards (nothing, when the check came first).
 */
export async function serveRefusal(args: string[]): Promise<{ result: CliResult; left: string[] }> {
  const { env, dir, cleanup } = await cliEnv();
  try {
    const result = await cli(env, ['serve', '--listen', '127.0.0.1:0', ...args]);
    return { result, left: await readdir(dir) };
  } finally {
    await cleanup();
  }
}

export async function cli(env: NodeJS.ProcessEnv, args: string[], opts: { stdin?: string } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const stdin = Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]) as NodeJS.ReadableStream & { isTTY?: boolean };
  const code = await run(['node', 'harborctl', ...args], {
    stdout: { write: (s: string) => { stdout += s; return true; }, isTTY: false },
    stderr: { write: (s: string) => { stderr += s; return true; }, isTTY: false },
    stdin, env,
  });
  return { code, stdout, stderr };
}

type CliRun = (args: string[], stdin?: string) => Promise<CliResult>;

/**
 * The two checks every CLI suite makes, over its own way of running harborctl: `ok` exits 0 with
 * nothing on stderr; `fails` exits `code` with nothing on stdout and stderr exactly
 * `harborctl: LINE` (or matching a RegExp).
 */
export function cliChecks(h: CliRun): { ok: CliRun; fails: (args: string[], code: number, line: string | RegExp, stdin?: string) => Promise<CliResult> } {
  return {
    async ok(args, stdin) {
      const r = await h(args, stdin);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
      return r;
    },
    async fails(args, code, line, stdin) {
      const r = await h(args, stdin);
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code, stdout: '' });
      if (typeof line === 'string') expect(r.stderr).toBe(`harborctl: ${line}\n`);
      else expect(r.stderr).toMatch(line);
      return r;
    },
  };
}

/** Parses -o json output, failing with the whole result when it is not JSON. */
export function json<T = any>(r: CliResult): T { // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.code})\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
}

/** Runs the built binary (bin/harborctl → dist/) with this env and stdin; kills it by PID after 60 s. */
export function spawnCli(env: NodeJS.ProcessEnv, args: string[], opts: { stdin?: string; bin?: string; onSpawn?: (pid: number) => void } = {}): Promise<CliResult & { signal?: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(opts.bin ?? HARBORCTL_BIN, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    const timer = setTimeout(() => { if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL'); }, 60_000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code: code ?? -1, signal, stdout, stderr }); });
    child.stdin.end(opts.stdin ?? '');
  });
}

export const HARBORCTL_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'harborctl');

/**
 * `npm run build` (tsc, then the bundle) into a private copy (bin/harborctl + dist/ + package.json) under node_modules/.cache, so
 * suites that spawn the shared dist/ never see it half-written; node_modules still resolves.
 */
export async function buildPrivateBinary(tag: string): Promise<{ bin: string; dispose(): Promise<void> }> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const build = join(root, 'node_modules', '.cache', `harborctl-${tag}-${process.pid}`);
  await mkdir(join(build, 'bin'), { recursive: true });
  // bin/harborctl first: the bundle step runs it to write the code cache (scripts/bundle.mjs).
  await copyFile(join(root, 'bin', 'harborctl'), join(build, 'bin', 'harborctl'));
  await copyFile(join(root, 'package.json'), join(build, 'package.json'));
  execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', root, '--outDir', join(build, 'dist')], { stdio: 'pipe' });
  execFileSync(process.execPath, [join(root, 'scripts', 'bundle.mjs'), join(build, 'dist')], { stdio: 'pipe' });
  return { bin: join(build, 'bin', 'harborctl'), dispose: () => rm(build, { recursive: true, force: true }) };
}
