import { describe, expect, test } from 'vitest';
import { ERROR_CODES, ExitCode, HarborError, isHarborError, type ErrorCode } from '../../src/core/errors.js';

describe('HarborError', () => {
  test('takes its default message and status from the table', () => {
    const e = new HarborError('BLOB_UNKNOWN');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('HarborError');
    expect(e.message).toBe('blob unknown to registry');
    expect(e.status).toBe(404);
    expect(e.headers).toEqual({});
    expect(e.detail).toBeUndefined();
  });

  test('an explicit message, status, detail and headers override the defaults', () => {
    const e = new HarborError('MANIFEST_INVALID', 'too big', { status: 413, detail: { size: 5 }, headers: { Range: '0-4' } });
    expect(e.message).toBe('too big');
    expect(e.status).toBe(413);
    expect(e.detail).toEqual({ size: 5 });
    expect(e.headers).toEqual({ Range: '0-4' });
    // The exit code follows the code, not the overridden status.
    expect(e.exitCode).toBe(ExitCode.error);
  });

  test('toJSON is one item of the {"errors":[...]} envelope, with detail only when there is one', () => {
    expect(new HarborError('NAME_UNKNOWN').toJSON()).toEqual({ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' });
    expect(new HarborError('DIGEST_INVALID', 'bad', { detail: { digest: 'x' } }).toJSON())
      .toEqual({ code: 'DIGEST_INVALID', message: 'bad', detail: { digest: 'x' } });
    expect(new HarborError('DENIED', undefined, { detail: null }).toJSON()).toEqual({ code: 'DENIED', message: ERROR_CODES.DENIED.message, detail: null });
    const wire = JSON.parse(JSON.stringify({ errors: [new HarborError('UNAUTHORIZED', 'login first', { headers: { 'WWW-Authenticate': 'Bearer' } })] }));
    expect(wire).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: 'login first' }] });
  });

  test('isHarborError tells HarborErrors from other errors', () => {
    expect(isHarborError(new HarborError('CONFLICT'))).toBe(true);
    expect(isHarborError(new Error('x'))).toBe(false);
    expect(isHarborError({ code: 'CONFLICT' })).toBe(false);
    expect(isHarborError(undefined)).toBe(false);
  });
});

describe('exit codes', () => {
  test('are the documented numbers', () => {
    expect(ExitCode).toEqual({ ok: 0, error: 1, usage: 2, notFound: 3, needsInput: 4, auth: 5, quota: 6, interrupted: 130 });
  });

  test.each([
    ['NAME_INVALID', 2], ['TAG_INVALID', 2], ['USAGE', 2], ['BAD_REQUEST', 2], ['PAGINATION_NUMBER_INVALID', 2],
    ['BLOB_UNKNOWN', 3], ['MANIFEST_UNKNOWN', 3], ['NAME_UNKNOWN', 3], ['NOT_FOUND', 3], ['BLOB_UPLOAD_UNKNOWN', 3],
    ['NEEDS_INPUT', 4],
    ['UNAUTHORIZED', 5], ['DENIED', 5], ['FORBIDDEN', 5],
    ['QUOTA_EXCEEDED', 6],
    ['INTERRUPTED', 130],
    ['DIGEST_INVALID', 1], ['CONFLICT', 1], ['INTERNAL_SERVER_ERROR', 1], ['RANGE_INVALID', 1],
  ] as [ErrorCode, number][])('%s exits with %i', (code, exit) => {
    expect(new HarborError(code).exitCode).toBe(exit);
  });

  test('every code has a message, an HTTP error status and a documented exit code', () => {
    const exits = new Set<number>(Object.values(ExitCode));
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(info.message, code).not.toBe('');
      expect(info.status, code).toBeGreaterThanOrEqual(400);
      expect(info.status, code).toBeLessThan(600);
      expect(exits.has(info.exit), code).toBe(true);
      expect(info.exit, code).not.toBe(ExitCode.ok);
    }
  });

  test('HTTP statuses follow the distribution spec and Harbor', () => {
    const status = (c: ErrorCode): number => new HarborError(c).status;
    expect(status('RANGE_INVALID')).toBe(416);
    expect(status('UNAUTHORIZED')).toBe(401);
    expect(status('DENIED')).toBe(403);
    expect(status('UNSUPPORTED')).toBe(405);
    expect(status('TOOMANYREQUESTS')).toBe(429);
    expect(status('CONFLICT')).toBe(409);
    expect(status('PRECONDITION')).toBe(412);
    expect(status('INTERNAL_SERVER_ERROR')).toBe(500);
  });
});
