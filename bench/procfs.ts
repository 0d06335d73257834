// What /proc says about a server process and about the machine: peak and current RSS, CPU time,
// and the facts a benchmark report must carry (proc(5): /proc/PID/status, stat, clear_refs).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { UNSET_FOR_REGISTRIES } from './servers.js';

export interface MemStatus { hwmKiB: number; rssKiB: number }

export function readMem(pid: number): MemStatus | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { hwmKiB: field('VmHWM'), rssKiB: field('VmRSS') };
}

/** Resets VmHWM to the current RSS ("5" in clear_refs, Linux ≥ 4.0). False when not allowed. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

let ticksPerSecond: number | undefined;

/** User + system CPU seconds the process (all its threads) has used so far. */
export function cpuSeconds(pid: number): number {
  ticksPerSecond ??= Number(tryExec('getconf', ['CLK_TCK'])) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // comm (field 2) may contain spaces and parentheses: count fields after its closing parenthesis.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]); // field 14
  const stime = Number(rest[12]); // field 15
  return (utime + stime) / ticksPerSecond;
}

/** Samples VmRSS at a fixed interval; a cross-check of VmHWM when clear_refs is not writable. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  maxKiB = 0;

  constructor(private readonly pid: number, private readonly everyMs = 20) {}

  start(): this {
    this.maxKiB = 0;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    return this;
  }

  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    return this.maxKiB;
  }

  private sample(): void {
    const m = readMem(this.pid);
    if (m && m.rssKiB > this.maxKiB) this.maxKiB = m.rssKiB;
  }
}

export function tryExec(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 }).trim();
  } catch (e) {
    // Some tools (docker-registry --version on old builds) print to stderr or exit non-zero.
    const err = e as { stdout?: string; stderr?: string };
    return (err.stdout || err.stderr || '').toString().trim();
  }
}

export function loadAverage(): string {
  return os.loadavg().map((x) => x.toFixed(2)).join(' ');
}

export interface MachineInfo {
  nproc: number;
  memory: string;
  cpuModel: string;
  kernel: string;
  node: string;
  dockerRegistry: string;
  curl: string;
  wrk: string;
  filesystem: string;
  /** Variables of the bench's environment the registries did not get (servers.ts), those set marked. */
  registryEnv: string;
}

export function machineInfo(tempDir: string): MachineInfo {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  const memKiB = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  const df = tryExec('df', ['-T', tempDir]).split('\n')[1]?.split(/\s+/) ?? [];
  return {
    nproc: Number(tryExec('nproc', [])) || os.cpus().length,
    memory: `${(memKiB / 1024 / 1024).toFixed(1)} GiB`,
    cpuModel: model,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    dockerRegistry: tryExec('docker-registry', ['--version']).split('\n')[0] || 'unknown',
    curl: tryExec('curl', ['--version']).split('\n')[0]?.split(' ').slice(0, 2).join(' ') || 'unknown',
    wrk: /wrk [^\s]+/.exec(tryExec('wrk', ['--version']))?.[0] ?? 'unknown',
    filesystem: df.length > 1 ? `${df[1]} (${tempDir})` : 'unknown',
    registryEnv: `${UNSET_FOR_REGISTRIES.map((k) => `${k}${process.env[k] === undefined ? '' : ' (set here)'}`).join(', ')} unset`,
  };
}
