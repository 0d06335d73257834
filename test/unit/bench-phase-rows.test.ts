// The verdicts of the bench's observe and replicas rows: B ÷ A against the spread of the rounds, and
// the ratios' direction (the numbers come from real runs; here only what the table makes of them).
import { describe, expect, test } from 'vitest';
import { observeRows, type ObserveResult, type ObserveRun } from '../../bench/observe.js';
import { replicasRows, type ReplicasResult } from '../../bench/replicas.js';

const run = (rps: number, p50ms = 1, p99ms = 5, cpu = 1, drainCpu = 0): ObserveRun =>
  ({ requests: rps, rps, p50ms, p99ms, non2xx: 0, socketErrors: 0, cpu, drainCpu });

/** A′ (A's twin) has A's rounds unless given its own. */
function result(a: ObserveRun[], b: ObserveRun[], deliveries = 10, pulls = 10, events = ['PULL_ARTIFACT'], a2 = a, a0 = a): ObserveResult {
  return { runs: { A: { 1: a, 16: a }, 'A′': { 1: a2, 16: a2 }, B: { 1: b, 16: b }, A0: { 1: a0, 16: a0 } }, events, deliveries, pulls, wrkGets: pulls, scrapes: 3, scrapeErrors: 0 };
}

const verdict = (r: ReturnType<typeof observeRows>[number]): boolean | undefined => r.target?.met(r.values.harborctl!, NaN);
const row = (rows: ReturnType<typeof observeRows>, part: string) => rows.find((r) => r.figure.includes('c16') && r.figure.includes(part))!;

describe('observe rows', () => {
  test('a loss smaller than the spread of the rounds is within noise; one larger is not', () => {
    const a = [run(1000), run(900), run(1100)]; // spread 20 %
    const close = observeRows(result(a, [run(950), run(900), run(1000)]));
    expect(row(close, 'req/s').values.harborctl).toBeCloseTo(0.95);
    expect(verdict(row(close, 'req/s'))).toBe(true);
    const far = observeRows(result(a, [run(500), run(480), run(520)]));
    expect(verdict(row(far, 'req/s'))).toBe(false);
  });

  test("what A and its twin A′ differ by is noise: B's loss is judged against it, and the note gives A′ ÷ A", () => {
    const cpu = (x: number) => [run(1000, 1, 5, x), run(1000, 1, 5, x * 1.01), run(1000, 1, 5, x * 0.99)]; // each within ±1 %
    const b = cpu(1.08);
    const twins = observeRows(result(cpu(1), b, 10, 10, ['PULL_ARTIFACT'], cpu(1.1)));
    expect(verdict(row(twins, 'while loaded'))).toBe(true); // A's rounds now 0.99-1.11: ±11 %
    expect(row(twins, 'while loaded').notes?.harborctl).toContain('A′ ÷ A 1.10');
    expect(verdict(row(observeRows(result(cpu(1), b)), 'while loaded'))).toBe(false); // twins alike: ±2 %
  });

  test('for lower-is-better figures a rise beyond the spread is a loss, a fall is not', () => {
    const a = [run(1000, 1.0), run(1000, 1.1), run(1000, 0.9)];
    expect(verdict(row(observeRows(result(a, [run(1000, 2), run(1000, 2), run(1000, 2)])), 'p50'))).toBe(false);
    expect(verdict(row(observeRows(result(a, [run(1000, 0.5), run(1000, 0.5), run(1000, 0.5)])), 'p50'))).toBe(true);
  });

  test('CPU per 1,000 GETs counts the queue drained after the load only in its own row, which has no target', () => {
    const a = [run(1000, 1, 5, 0.1), run(1000, 1, 5, 0.1), run(1000, 1, 5, 0.1)];
    const b = [run(1000, 1, 5, 0.1, 0.9), run(1000, 1, 5, 0.1, 0.9), run(1000, 1, 5, 0.1, 0.9)];
    const rows = observeRows(result(a, b));
    expect(row(rows, 'while loaded').values.harborctl).toBeCloseTo(1);
    const drained = row(rows, 'drained');
    expect(drained.values.harborctl).toBeCloseTo(10);
    expect(drained.target).toBeUndefined();
  });

  test('what recording a pull costs is A ÷ A0 (A′ counted with A), without a target', () => {
    const cpu = (x: number) => [run(1000, 1, 5, x), run(1000, 1, 5, x), run(1000, 1, 5, x)];
    const rows = observeRows(result(cpu(1.1), cpu(1.2), 10, 10, ['PULL_ARTIFACT'], cpu(1.1), cpu(1)));
    const recorded = rows.find((r) => r.figure.includes('c16 server CPU per 1,000 GETs while loaded (ms), A (pulls recorded'))!;
    expect(recorded.values.harborctl).toBeCloseTo(1.1);
    expect(recorded.target).toBeUndefined();
    expect(row(rows, 'while loaded').values.harborctl).toBeCloseTo(1.2 / 1.1); // B is judged against A, not A0
  });

  test('deliveries meet "one per pull" only when every pull was delivered', () => {
    const a = [run(1000), run(1000), run(1000)];
    const last = (d: number, p: number) => observeRows(result(a, a, d, p)).at(-1)!;
    expect(verdict(last(10, 10))).toBe(true);
    expect(verdict(last(9, 10))).toBe(false);
    expect(last(9, 10).notes?.harborctl).toBe('(9 of 10)');
  });

  test('with a policy a pull does not trigger (--observe-events), no pull may be delivered', () => {
    const a = [run(1000), run(1000), run(1000)];
    const last = (d: number) => observeRows(result(a, a, d, 10, ['PUSH_ARTIFACT'])).at(-1)!;
    expect(last(0).target?.text).toBe('none (no PULL_ARTIFACT in the policy)');
    expect(verdict(last(0))).toBe(true);
    expect(verdict(last(1))).toBe(false);
    expect(row(observeRows(result(a, a, 0, 10, ['PUSH_ARTIFACT'])), 'req/s').figure).toContain('webhook for PUSH_ARTIFACT');
  });
});

describe('replicas rows', () => {
  test('ratios are 2 replicas ÷ 1 and S3 ÷ filesystem, in throughput (not time)', () => {
    const get = (rps: number) => ({ requests: rps, rps, p50ms: 1, p99ms: 5, non2xx: 0, socketErrors: 0, cpu: 1 });
    const blob = (seconds: number) => ({ push: { seconds, requests: 2 }, pushCpu: 1, pull: { seconds: seconds / 2, requests: 1 }, pullCpu: 0.5 });
    const r: ReplicasResult = {
      get: { 1: [get(1000), get(1000), get(1000)], 2: [get(1500), get(1500), get(1500)] },
      blob: { file: [blob(1), blob(1), blob(1)], s3: [blob(4), blob(4), blob(4)] },
      blobBytes: 1e6,
    };
    const rows = replicasRows(r, 1);
    const scale = rows.find((x) => x.figure.includes('2 replicas ÷ 1 (req/s'))!;
    expect(scale.values.harborctl).toBeCloseTo(1.5);
    expect(scale.target?.met(1.5, NaN)).toBe(true);
    expect(rows.find((x) => x.figure.includes('push 1 MiB'))!.values.harborctl).toBeCloseTo(0.25);
  });
});
