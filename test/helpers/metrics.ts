// Reading /metrics in tests: one sample's value, and Prometheus' own `promtool check metrics` (Debian
// `prometheus`) on the text. promtool missing is a failure, never a skip.
import { spawn } from 'node:child_process';
import { expect } from 'vitest';

/** The value of one series, written exactly as the exposition writes it (`name{a="b",c="d"}`); undefined when absent. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/**
 * What promtool says about the text: its exit code and its complaints, one a line. It exits 0 when
 * all is well, 3 for lint complaints and 1 when it cannot parse the text.
 */
export function promtoolCheck(text: string): Promise<{ code: number | null; problems: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    child.once('error', (e) => reject(new Error(`cannot run promtool (apt-get install prometheus): ${e.message}`)));
    child.once('close', (code) => resolve({ code, problems: out.split('\n').filter(Boolean) }));
    child.stdin.end(text);
  });
}

/**
 * The lint complaints our /metrics always draws, and why they stay: Harbor's exporter names these
 * two gauges so, and Harbor's dashboards query them by those names.
 */
export const HARBOR_NAME_LINT = [
  'harbor_project_repo_total non-counter metrics should not have "_total" suffix',
  'harbor_project_total non-counter metrics should not have "_total" suffix',
];

/** Asserts promtool parses the text and finds nothing but HARBOR_NAME_LINT. */
export async function expectPromtoolAccepts(text: string): Promise<void> {
  const { code, problems } = await promtoolCheck(text);
  expect({ code, problems: problems.sort() }).toEqual({ code: 3, problems: HARBOR_NAME_LINT });
}

/** A reproducible uniform [0, 1) (mulberry32), for generated request durations. */
export function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The exact nearest-rank quantile of sorted values: the ceil(q·n)-th smallest (q·n's rounding error aside). */
export function nearestRank(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(Math.round(q * sorted.length * 1e6) / 1e6)) - 1];
}
