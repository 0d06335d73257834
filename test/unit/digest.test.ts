import { describe, expect, test } from 'vitest';
import { digestOf, isDigest, newHash, parseDigest, tryParseDigest } from '../../src/oci/digest.js';
import { catchHarborError } from './helpers.js';

const HEX64 = 'a'.repeat(64);
const HEX128 = '0123456789abcdef'.repeat(8);

describe('tryParseDigest', () => {
  test('accepts sha256 with 64 and sha512 with 128 lower-case hex digits', () => {
    expect(tryParseDigest(`sha256:${HEX64}`)).toEqual({ algorithm: 'sha256', hex: HEX64, digest: `sha256:${HEX64}` });
    expect(tryParseDigest(`sha512:${HEX128}`)).toEqual({ algorithm: 'sha512', hex: HEX128, digest: `sha512:${HEX128}` });
  });

  test.each([
    ['sha256 one digit short', `sha256:${HEX64.slice(1)}`],
    ['sha256 one digit long', `sha256:${HEX64}0`],
    ['sha256 with a sha512 length', `sha256:${HEX128}`],
    ['sha512 with a sha256 length', `sha512:${HEX64}`],
    ['sha512 one digit short', `sha512:${HEX128.slice(1)}`],
    ['upper-case hex', `sha256:${'A'.repeat(64)}`],
    ['one upper-case digit', `sha256:${HEX64.slice(1)}F`],
    ['non-hex characters of the right length', `sha256:${'g'.repeat(64)}`],
    ['unknown algorithm', `md5:${'a'.repeat(32)}`],
    ['unregistered algorithm with a valid grammar', `sha384:${'a'.repeat(96)}`],
    ['upper-case algorithm', `SHA256:${HEX64}`],
    ['algorithm with a separator', `sha256+b64:${HEX64}`],
    ['no colon', HEX64],
    ['no algorithm', `:${HEX64}`],
    ['no hex', 'sha256:'],
    ['two colons', `sha256:${HEX64}:x`],
    ['surrounding whitespace', ` sha256:${HEX64}`],
    ['trailing newline', `sha256:${HEX64}\n`],
    ['path traversal', 'sha256:../../../etc/passwd'],
    ['empty', ''],
  ])('refuses %s', (_what, s) => {
    expect(tryParseDigest(s)).toBeNull();
    expect(isDigest(s)).toBe(false);
  });
});

describe('parseDigest', () => {
  test('returns the parsed digest', () => {
    expect(parseDigest(`sha256:${HEX64}`).hex).toBe(HEX64);
  });

  test('throws DIGEST_INVALID (400) with the offending value as detail', () => {
    const e = catchHarborError(() => parseDigest('sha256:nope'), 'DIGEST_INVALID');
    expect(e.status).toBe(400);
    expect(e.detail).toEqual({ digest: 'sha256:nope' });
    expect(e.message).toBe('invalid digest');
  });

  test('names what was being parsed, and treats null and undefined as invalid', () => {
    expect(catchHarborError(() => parseDigest(undefined, 'digest parameter'), 'DIGEST_INVALID').message).toBe('invalid digest parameter');
    expect(catchHarborError(() => parseDigest(null), 'DIGEST_INVALID').detail).toEqual({ digest: '' });
  });
});

describe('digestOf and newHash', () => {
  test('digestOf gives the well-known digests of the empty string', () => {
    expect(digestOf('')).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(digestOf('', 'sha512')).toBe(
      'sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e',
    );
    expect(digestOf('abc')).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  test('digestOf hashes bytes and strings alike, and its output parses', () => {
    expect(digestOf(new Uint8Array([0x61, 0x62, 0x63]))).toBe(digestOf('abc'));
    expect(isDigest(digestOf('x', 'sha512'))).toBe(true);
  });

  test('newHash streams to the same digest', () => {
    const h = newHash('sha512');
    h.update('ab');
    h.update('c');
    expect(`sha512:${h.digest('hex')}`).toBe(digestOf('abc', 'sha512'));
  });
});
