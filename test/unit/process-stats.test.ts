// The /proc parsing behind the process_* metrics: a command name that holds spaces and parentheses,
// limits that are unlimited or missing, and this process's own figures.
import { expect, it } from 'vitest';
import { limitsMaxOpenFiles, processStats, statVirtualBytes } from '../../src/core/process-stats.js';

it('reads vsize after the command name, whatever the name holds', () => {
  // Fields 3 (state) to 22, then vsize (23) and rss (24).
  const tail = 'S 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 123456789 2048 rest';
  expect(statVirtualBytes(`42 (node) ${tail}`)).toBe(123456789);
  expect(statVirtualBytes(`42 (a) b (c) ) ${tail}`)).toBe(123456789);
  expect(statVirtualBytes('42 (short) S 1')).toBeUndefined();
});

it('reads the soft limit of open files; unlimited or absent is no figure', () => {
  const head = 'Limit                     Soft Limit           Hard Limit           Units     \n';
  expect(limitsMaxOpenFiles(`${head}Max open files            1024                 524288               files     \n`)).toBe(1024);
  expect(limitsMaxOpenFiles(`${head}Max open files            unlimited            unlimited            files     \n`)).toBeUndefined();
  expect(limitsMaxOpenFiles(head)).toBeUndefined();
});

it("this process's figures are sane (on Linux, the /proc ones too)", () => {
  const s = processStats();
  expect(s.cpuUserSeconds).toBeGreaterThan(0);
  expect(s.residentBytes).toBeGreaterThan(s.heapUsedBytes / 4);
  expect(s.heapUsedBytes).toBeLessThanOrEqual(s.heapTotalBytes);
  if (process.platform === 'linux') {
    expect(s.virtualBytes).toBeGreaterThan(s.residentBytes);
    expect(s.openFds).toBeGreaterThanOrEqual(3);
    expect(s.maxFds).toBeGreaterThanOrEqual(s.openFds!);
  }
});
