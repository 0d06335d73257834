// The summary's quantile sketch: known distributions within the stated relative error, and the
// 10-minute window in 5 age buckets, on an injected clock.
import { expect, it } from 'vitest';
import { QUANTILE_RELATIVE_ERROR, WindowedQuantiles } from '../../src/core/quantiles.js';
import { nearestRank, prng } from '../helpers/metrics.js';

const QS = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1];

it('the stated relative error bound is under 1%', () => {
  expect(QUANTILE_RELATIVE_ERROR).toBeGreaterThan(0);
  expect(QUANTILE_RELATIVE_ERROR).toBeLessThan(0.01);
});

it.each([
  ['uniform 1 ms..100 ms', (r: () => number) => 0.001 + r() * 0.099],
  // exp of a normal (Box-Muller): the long tail of request latencies around 2 ms.
  ['log-normal around 2 ms', (r: () => number) => 0.002 * Math.exp(0.8 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()))],
  ['bimodal: cache hits at 50 µs, misses at 20 ms', (r: () => number) => (r() < 0.8 ? 50e-6 * (1 + r() * 0.1) : 0.02 * (1 + r()))],
  ['spread over the whole range, 2 µs..200 s', (r: () => number) => 2e-6 * Math.pow(1e8, r())],
  ['one value, many times', () => 0.0123],
])('%s: every quantile is within the stated relative error of the exact one', (_name, draw) => {
  const r = prng(42);
  const w = new WindowedQuantiles();
  const values = Array.from({ length: 20_000 }, () => draw(r));
  values.forEach((v, i) => w.observe(v, 1000 + i * 0.001));
  const sorted = [...values].sort((a, b) => a - b);
  const got = w.quantiles(QS, 1030);
  QS.forEach((q, i) => {
    const want = nearestRank(sorted, q);
    expect(Math.abs(got[i] - want), `q=${q}: ${got[i]} against ${want}`).toBeLessThanOrEqual(QUANTILE_RELATIVE_ERROR * want + 1e-15);
  });
});

it('the nearest rank is exact where q·n is an integer that floating point misses (0.07 × 100)', () => {
  const w = new WindowedQuantiles();
  // 100 values, the k-th smallest being k seconds: the 0.07-quantile is the 7th, 7 s.
  for (let k = 1; k <= 100; k++) w.observe(k, 0);
  const [q07] = w.quantiles([0.07], 0);
  expect(Math.abs(q07 - 7)).toBeLessThanOrEqual(7 * QUANTILE_RELATIVE_ERROR);
});

it('values outside 1 µs..300 s: zero and sub-microsecond stay below 1 µs, beyond 300 s the largest value is given', () => {
  const zeros = new WindowedQuantiles();
  zeros.observe(0, 0);
  zeros.observe(0, 1);
  expect(zeros.quantiles([0.5, 0.99], 2)).toEqual([0, 0]);
  const tiny = new WindowedQuantiles();
  for (const v of [1e-7, 3e-7, 9e-7]) tiny.observe(v, 0);
  for (const q of tiny.quantiles([0.5, 1], 0)) expect(q).toBeLessThanOrEqual(1e-6);
  const slow = new WindowedQuantiles();
  for (const v of [400, 500, 1000]) slow.observe(v, 0);
  expect(slow.quantiles([0.99], 0)).toEqual([1000]);
});

it('an empty window says 0 for every quantile, as prom-client does', () => {
  expect(new WindowedQuantiles().quantiles([0.5, 0.9, 0.99], 0)).toEqual([0, 0, 0]);
});

it('a value counts for at least 8 minutes and is gone 10 minutes after it was observed', () => {
  for (const t0 of [0, 1, 59.5, 119.999, 120, 250, 1e6 + 0.5]) {
    const w = new WindowedQuantiles();
    w.observe(2, t0);
    expect(w.quantiles([0.5], t0)[0], `t0=${t0}`).toBeCloseTo(2, 1);
    expect(w.quantiles([0.5], t0 + 479.9)[0], `t0=${t0}, 479.9 s later`).toBeCloseTo(2, 1);
    expect(w.quantiles([0.5], t0 + 600)[0], `t0=${t0}, 600 s later`).toBe(0);
    expect(w.quantiles([0.5], t0 + 3600)[0], `t0=${t0}, an hour later`).toBe(0);
  }
});

it('rotation: an age bucket taken again forgets its old counts and its old smallest and largest value', () => {
  const w = new WindowedQuantiles();
  // Minute 0: slow requests; minute 5: fast ones. At minute 10 the slow ones have left.
  for (let i = 0; i < 100; i++) w.observe(5 + i / 100, 10 + i / 100);
  for (let i = 0; i < 10; i++) w.observe(0.001, 300 + i);
  const [p50, p99] = w.quantiles([0.5, 0.99], 320);
  expect(p50).toBeGreaterThan(4.9);
  expect(p99).toBeGreaterThan(4.9);
  // 610 s falls in the age bucket minute 0 used: fill it again with one fast request.
  w.observe(0.002, 610);
  expect(w.quantiles([0.5, 0.99, 1], 611)).toEqual([expect.closeTo(0.001, 4), expect.closeTo(0.002, 4), 0.002]);
  // Long idle: every age bucket is stale, whichever it was.
  expect(w.quantiles([0.5], 610 + 600)).toEqual([0]);
  w.observe(0.003, 1300);
  expect(w.quantiles([0, 1], 1300)).toEqual([0.003, 0.003]);
});
