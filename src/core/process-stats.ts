// What Prometheus' process collector reports (client_golang's, as Harbor's Go components export it),
// plus V8's heap: one read of each figure per call. The /proc figures are Linux's; elsewhere they are
// left out (undefined), as client_golang leaves them out.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessStats {
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  residentBytes: number;
  heapTotalBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  virtualBytes?: number;
  openFds?: number;
  maxFds?: number;
}

export function processStats(): ProcessStats {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return {
    cpuUserSeconds: cpu.user / 1e6, cpuSystemSeconds: cpu.system / 1e6,
    residentBytes: mem.rss, heapTotalBytes: mem.heapTotal, heapUsedBytes: mem.heapUsed, externalBytes: mem.external,
    virtualBytes: fromProc(() => statVirtualBytes(readFileSync('/proc/self/stat', 'latin1'))),
    // The directory's own descriptor, open while it is read, is not counted.
    openFds: fromProc(() => readdirSync('/proc/self/fd').length - 1),
    maxFds: fromProc(() => limitsMaxOpenFiles(readFileSync('/proc/self/limits', 'latin1'))),
  };
}

/** vsize (bytes), field 23 of /proc/PID/stat; the fields are counted after the command's name, which may hold spaces and parentheses. */
export function statVirtualBytes(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return finite(Number(fields[20]));
}

/** The soft limit of "Max open files" in /proc/PID/limits; undefined when unlimited or absent. */
export function limitsMaxOpenFiles(limits: string): number | undefined {
  const line = limits.split('\n').find((l) => l.startsWith('Max open files'));
  return line === undefined ? undefined : finite(Number(line.slice('Max open files'.length).trim().split(/\s+/)[0]));
}

function finite(n: number): number | undefined {
  return Number.isFinite(n) ? n : undefined;
}

function fromProc(read: () => number | undefined): number | undefined {
  try {
    return read();
  } catch {
    return undefined; // no /proc (not Linux), or not readable
  }
}
