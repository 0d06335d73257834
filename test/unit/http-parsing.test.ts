// The pure request parsers of the /v2/ routes: Range, Content-Range + Content-Length, and ?n=.
import { describe, expect, test } from 'vitest';
import { chunkInfo, parseRange } from '../../src/server/registry/routes.js';
import { parsePageSize } from '../../src/services/registry.js';
import { catchHarborError } from './helpers.js';

describe('parseRange', () => {
  test('no header, or a form we do not know, means the whole blob', () => {
    expect(parseRange(undefined, 100)).toBeNull();
    expect(parseRange('', 100)).toBeNull();
    expect(parseRange('bytes=-', 100)).toBeNull();
    expect(parseRange('items=0-5', 100)).toBeNull();
    expect(parseRange('bytes=0-5,10-20', 100)).toBeNull();
    expect(parseRange('bytes=a-b', 100)).toBeNull();
    expect(parseRange('0-5', 100)).toBeNull();
  });

  test('bytes=first-last is inclusive', () => {
    expect(parseRange('bytes=0-0', 100)).toEqual({ start: 0, end: 0 });
    expect(parseRange('bytes=0-99', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=10-19', 100)).toEqual({ start: 10, end: 19 });
    expect(parseRange('bytes=99-99', 100)).toEqual({ start: 99, end: 99 });
  });

  test('a last position beyond the end is clamped to the end', () => {
    expect(parseRange('bytes=50-1000', 100)).toEqual({ start: 50, end: 99 });
  });

  test('bytes=first- runs to the end', () => {
    expect(parseRange('bytes=0-', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=42-', 100)).toEqual({ start: 42, end: 99 });
    expect(parseRange('bytes=99-', 100)).toEqual({ start: 99, end: 99 });
  });

  test('bytes=-n is the last n bytes, or the whole blob when n exceeds it', () => {
    expect(parseRange('bytes=-1', 100)).toEqual({ start: 99, end: 99 });
    expect(parseRange('bytes=-30', 100)).toEqual({ start: 70, end: 99 });
    expect(parseRange('bytes=-100', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=-5000', 100)).toEqual({ start: 0, end: 99 });
  });

  test('a suffix of an empty blob is satisfiable (RFC 9110 §14.1.1) and served as the whole, empty blob', () => {
    expect(parseRange('bytes=-5', 0)).toBeNull();
    expect(parseRange('bytes=-1', 0)).toBeNull();
  });

  test('surrounding whitespace is tolerated', () => {
    expect(parseRange('  bytes=1-2 ', 100)).toEqual({ start: 1, end: 2 });
  });

  test.each([
    ['a start at the size', 'bytes=100-', 100],
    ['a start beyond the size', 'bytes=150-200', 100],
    ['last before first', 'bytes=20-10', 100],
    ['an empty suffix', 'bytes=-0', 100],
    ['any range of an empty blob', 'bytes=0-', 0],
    ['a closed range of an empty blob', 'bytes=0-0', 0],
  ])('%s is RANGE_INVALID (416) with Content-Range: bytes */size', (_what, header, size) => {
    const e = catchHarborError(() => parseRange(header, size), 'RANGE_INVALID');
    expect(e.status).toBe(416);
    expect(e.headers).toEqual({ 'Content-Range': `bytes */${size}` });
  });
});

describe('chunkInfo', () => {
  test('without Content-Range the length is the Content-Length, and the start is open', () => {
    expect(chunkInfo(undefined, 42)).toEqual({ length: 42 });
    expect(chunkInfo(undefined, undefined)).toEqual({ length: undefined });
    expect(chunkInfo(undefined, 0)).toEqual({ length: 0 });
  });

  test.each([
    ['0-99'],
    ['bytes 0-99'],
    ['bytes=0-99'],
    ['0-99/100'],
    ['bytes 0-99/*'],
    [' 0-99 '],
  ])('Content-Range %j gives start and inclusive length', (range) => {
    expect(chunkInfo(range, 100)).toEqual({ start: 0, length: 100 });
    expect(chunkInfo(range, undefined)).toEqual({ start: 0, length: 100 });
  });

  test('a later chunk', () => {
    expect(chunkInfo('1000-1999', 1000)).toEqual({ start: 1000, length: 1000 });
    expect(chunkInfo('5-5', undefined)).toEqual({ start: 5, length: 1 });
  });

  test('a Content-Length that disagrees with the range is SIZE_INVALID', () => {
    catchHarborError(() => chunkInfo('0-99', 99), 'SIZE_INVALID');
    catchHarborError(() => chunkInfo('0-99', 101), 'SIZE_INVALID');
  });

  test('a range that ends before it starts is RANGE_INVALID', () => {
    catchHarborError(() => chunkInfo('10-9', undefined), 'RANGE_INVALID');
  });

  test.each(['', 'abc', '0-', '-99', 'bytes 0-99/abc', '0-99-100', 'items 0-99'])('malformed %j is BLOB_UPLOAD_INVALID', (range) => {
    const e = catchHarborError(() => chunkInfo(range, undefined), 'BLOB_UPLOAD_INVALID');
    expect(e.status).toBe(400);
  });
});

describe('parsePageSize', () => {
  test('absent or empty means no limit given', () => {
    expect(parsePageSize(null)).toBeUndefined();
    expect(parsePageSize('')).toBeUndefined();
  });

  test('non-negative integers are accepted', () => {
    expect(parsePageSize('0')).toBe(0);
    expect(parsePageSize('1')).toBe(1);
    expect(parsePageSize('100')).toBe(100);
    expect(parsePageSize('007')).toBe(7);
    expect(parsePageSize('999999999')).toBe(999_999_999);
  });

  test.each(['-1', '1.5', 'abc', '1e3', ' 5', '5 ', '0x10', '+5', '1234567890', 'Infinity', 'NaN'])('%j is PAGINATION_NUMBER_INVALID', (v) => {
    const e = catchHarborError(() => parsePageSize(v), 'PAGINATION_NUMBER_INVALID');
    expect(e.status).toBe(400);
  });
});
