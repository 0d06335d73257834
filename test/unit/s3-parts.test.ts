// The S3 store's multipart plan (planParts): whatever the chunk sizes an upload was made of, the
// parts obey S3's rules (every part but the last ≥ 5 MiB, none over 5 GiB, at most 10,000) and
// cover every byte once, in order. Pure arithmetic: the radosgw suites run real assemblies.
import { describe, expect, test } from 'vitest';
import { planParts } from '../../src/storage/blobs/s3/index.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

function check(sizes: number[]): ReturnType<typeof planParts> {
  const chunks = sizes.map((size, i) => ({ key: `c${i}`, size }));
  const total = sizes.reduce((a, b) => a + b, 0);
  const parts = planParts(chunks, total);
  expect(parts.length).toBeLessThanOrEqual(10_000);
  const lengths = parts.map((p) => p.reduce((n, s) => n + s.length, 0));
  lengths.forEach((n, i) => {
    expect(n, `part ${i + 1}`).toBeLessThanOrEqual(5 * GiB);
    if (i < lengths.length - 1) expect(n, `part ${i + 1}`).toBeGreaterThanOrEqual(5 * MiB);
    expect(n).toBeGreaterThan(0);
  });
  // Every byte exactly once, in order.
  let chunk = 0;
  let pos = 0;
  for (const s of parts.flat()) {
    while (pos === sizes[chunk]) { chunk++; pos = 0; }
    expect(s.key).toBe(`c${chunk}`);
    expect(s.start).toBe(pos);
    pos += s.length;
    expect(pos).toBeLessThanOrEqual(sizes[chunk]);
  }
  expect(lengths.reduce((a, b) => a + b, 0)).toBe(total);
  return parts;
}

// CPU-bound (tens of thousands of planned parts): a loaded CI machine needs more than the default 5 s.
describe('planParts', { timeout: 60_000 }, () => {
  test('small chunks are gathered into 5 MiB parts, the rest is the last part', () => {
    const parts = check([1, 4 * MiB, 5 * MiB, 6 * MiB]);
    // [1, 4 MiB, 1 MiB - 1 of the 5 MiB chunk], [its other 4 MiB + 1, 1 MiB - 1 of the 6 MiB chunk], [the rest, copied]
    expect(parts.map((p) => p.length)).toEqual([3, 2, 1]);
  });

  test('a chunk of at least 5 MiB with nothing pending is one server-side copy', () => {
    const parts = check([6 * MiB, 1, 5 * MiB]);
    expect(parts[0]).toEqual([{ key: 'c0', start: 0, length: 6 * MiB }]);
  });

  test('a single chunk of 12 GiB is copied in pieces no larger than 5 GiB', () => {
    const parts = check([12 * GiB]);
    expect(parts).toHaveLength(3);
  });

  test('one-byte chunks: at most 10,000 parts even for a big upload', () => {
    check(Array.from({ length: 20_000 }, () => 1));
    check(Array.from({ length: 30_000 }, () => 3 * MiB)); // 88 GiB in chunks under the part minimum
  });

  test('a 5 TiB upload (S3\'s largest object) of 1 GiB chunks stays within 10,000 parts', () => {
    check(Array.from({ length: 5 * 1024 }, () => GiB));
    check([1, 5 * TiB - 1]);
  });
});
