// Quantiles of durations over a sliding time window, for a Prometheus summary, at the cost of a
// Math.log and an array increment per value.
//
// The window is client_golang's default (and prom-client's maxAgeSeconds/ageBuckets): 10 minutes
// in 5 age buckets of 2 minutes. A value observed at t belongs to the bucket of floor(t / 120 s);
// a quantile reads the current bucket and the 4 before it, so a value counts for at least 8 and at
// most 10 minutes. Each age bucket is a fixed log-scale histogram: bucket i (1..N) holds the values
// in (MIN·γ^(i-1), MIN·γ^i] with γ = 1.02, MIN = 1 µs, up to MIN·γ^N ≥ 300 s; bucket 0 holds the
// values ≤ 1 µs and bucket N+1 those above 300 s.
//
// A quantile q over n values is the nearest-rank one (the ceil(q·n)-th smallest value), returned as
// its bucket's geometric midpoint MIN·γ^(i-1/2), clamped to the window's smallest and largest value
// (which are exact: the 1st and the n-th).
// Relative error bound: |returned − exact| ≤ (√γ − 1)·exact < 1% for a value in 1 µs..300 s (the
// clamp only moves the answer towards the exact value). Below 1 µs the error is under 1 µs; above
// 300 s the answer is the window's largest value. No values in the window: 0, as prom-client says.
//
// Memory: 988 counts of 4 bytes per age bucket, allocated when the bucket first takes a value and
// reused after: at most 20 KB per label set.

const MIN = 1e-6;
const GAMMA = 1.02;
const LOG_GAMMA = Math.log(GAMMA);
const LOG_MIN = Math.log(MIN);
/** Buckets between 1 µs and 300 s; two more hold what lies outside. */
const N = Math.ceil((Math.log(300) - LOG_MIN) / LOG_GAMMA);
/** The bound stated above, for tests and the curious. */
export const QUANTILE_RELATIVE_ERROR = Math.sqrt(GAMMA) - 1;
const WINDOW_SECONDS = 600;
const AGE_BUCKETS = 5;
const AGE_BUCKET_SECONDS = WINDOW_SECONDS / AGE_BUCKETS;

/** The histogram bucket of a value (NaN and negatives go to bucket 0). */
function bucketOf(v: number): number {
  if (!(v > MIN)) return 0;
  const i = Math.ceil((Math.log(v) - LOG_MIN) / LOG_GAMMA);
  return i > N ? N + 1 : i;
}

export class WindowedQuantiles {
  /** Per age bucket: which 2-minute slot it holds (floor(t / 120)), its counts, smallest and largest value. */
  private readonly slots: number[] = new Array<number>(AGE_BUCKETS).fill(-Infinity);
  private readonly counts: (Uint32Array | undefined)[] = new Array<Uint32Array | undefined>(AGE_BUCKETS).fill(undefined);
  private readonly mins: number[] = new Array<number>(AGE_BUCKETS).fill(Infinity);
  private readonly maxs: number[] = new Array<number>(AGE_BUCKETS).fill(-Infinity);

  /** Adds a value observed at `nowSeconds` (any monotonic clock, the same one quantiles() is given). */
  observe(value: number, nowSeconds: number): void {
    const slot = Math.floor(nowSeconds / AGE_BUCKET_SECONDS);
    const a = slot % AGE_BUCKETS;
    let counts = this.counts[a];
    if (this.slots[a] !== slot) {
      // This age bucket held a slot at least 10 minutes old (or none): it starts again.
      this.slots[a] = slot;
      if (counts === undefined) this.counts[a] = counts = new Uint32Array(N + 2);
      else counts.fill(0);
      this.mins[a] = Infinity;
      this.maxs[a] = -Infinity;
    }
    counts![bucketOf(value)]++;
    if (value < this.mins[a]) this.mins[a] = value;
    if (value > this.maxs[a]) this.maxs[a] = value;
  }

  /** The quantiles `qs` (each in [0, 1]) of the values observed in the 10 minutes up to `nowSeconds`. */
  quantiles(qs: readonly number[], nowSeconds: number): number[] {
    const slot = Math.floor(nowSeconds / AGE_BUCKET_SECONDS);
    const live: Uint32Array[] = [];
    let min = Infinity;
    let max = -Infinity;
    for (let a = 0; a < AGE_BUCKETS; a++) {
      const counts = this.counts[a];
      if (counts === undefined || slot - this.slots[a] >= AGE_BUCKETS) continue;
      live.push(counts);
      min = Math.min(min, this.mins[a]);
      max = Math.max(max, this.maxs[a]);
    }
    const merged = new Float64Array(N + 2);
    let n = 0;
    for (const counts of live) {
      for (let i = 0; i < counts.length; i++) merged[i] += counts[i];
    }
    for (let i = 0; i < merged.length; i++) n += merged[i];
    return qs.map((q) => {
      if (n === 0) return 0;
      // ceil(q·n), where q·n's rounding error (0.07 × 100 = 7.000000000000001) must not add one.
      const rank = Math.max(1, Math.ceil(q * n - 1e-6));
      if (rank === 1) return min;
      if (rank >= n) return max;
      let i = 0;
      for (let seen = merged[0]; seen < rank; seen += merged[++i]);
      const mid = i === 0 ? MIN : i === N + 1 ? max : Math.exp(LOG_MIN + (i - 0.5) * LOG_GAMMA);
      return Math.min(max, Math.max(min, mid));
    });
  }
}
