// `serve --storage URL`: the accepted forms, and a usage error (exit 2) for each bad one that never
// repeats the URL (it could carry a secret).
import { describe, expect, test } from 'vitest';
import { ERROR_CODES, ExitCode } from '../../src/core/errors.js';
import { parseStorageUrl } from '../../src/storage/blobs/config.js';
import { catchHarborError } from './helpers.js';

const CREDS = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI' };

describe('parseStorageUrl', () => {
  test('file:DIR, relative or absolute, and a file:// URL', () => {
    expect(parseStorageUrl('file:/srv/blobs', {})).toEqual({ kind: 'file', dir: '/srv/blobs' });
    expect(parseStorageUrl('file:///srv/blobs', {})).toEqual({ kind: 'file', dir: '/srv/blobs' });
    expect(parseStorageUrl('file:rel/dir', {})).toEqual({ kind: 'file', dir: `${process.cwd()}/rel/dir` });
  });

  test('s3://BUCKET with endpoint, region and path style', () => {
    expect(parseStorageUrl('s3://my-bucket?endpoint=http://127.0.0.1:7480&region=eu-west-1&path_style=true', CREDS)).toEqual({
      kind: 's3', bucket: 'my-bucket', prefix: '', endpoint: 'http://127.0.0.1:7480', region: 'eu-west-1', pathStyle: true, redirect: false,
    });
  });

  test('s3://BUCKET/PREFIX: a trailing slash is dropped; defaults us-east-1, virtual-hosted style, AWS endpoint', () => {
    expect(parseStorageUrl('s3://bucket.name/a/b-c/d_e.f/', CREDS)).toEqual({
      kind: 's3', bucket: 'bucket.name', prefix: 'a/b-c/d_e.f', endpoint: undefined, region: 'us-east-1', pathStyle: false, redirect: false,
    });
    expect(parseStorageUrl('s3://bucket/?path_style=false&redirect=false', CREDS)).toMatchObject({ prefix: '', pathStyle: false, redirect: false });
    expect(parseStorageUrl('s3://bucket?redirect=true', CREDS)).toMatchObject({ redirect: true });
    expect(parseStorageUrl('s3://bucket?endpoint=https%3A%2F%2Fs3.example.com', CREDS)).toMatchObject({ endpoint: 'https://s3.example.com' });
  });

  test.each([
    ['', 'unknown scheme'],
    ['/srv/blobs', 'unknown scheme'],
    ['http://bucket', 'unknown scheme'],
    ['file:', 'file: needs a directory'],
    ['file://host/x', 'a file: URL must name a local absolute path'],
    ['s3://', 'invalid bucket name'],
    ['s3://Upper', 'invalid bucket name'],
    ['s3://ab', 'invalid bucket name'],
    ['s3://a..b', 'invalid bucket name'],
    ['s3://192.168.1.1', 'invalid bucket name'],
    ['s3://-bucket', 'invalid bucket name'],
    ['s3://bucket#frag', 'no #fragment'],
    ['s3://AKID:secret@bucket', 'credentials do not belong in the URL'],
    ['s3://bucket/a//b', 'invalid prefix'],
    ['s3://bucket/../x', 'invalid prefix'],
    ['s3://bucket/./x', 'invalid prefix'],
    ['s3://bucket/a b', 'invalid prefix'],
    ['s3://bucket/%2e%2e', 'invalid prefix'],
    ['s3://bucket?endpoint=notaurl', 'endpoint is not a URL'],
    ['s3://bucket?endpoint=ftp://host', 'endpoint must be an http: or https: URL'],
    ['s3://bucket?endpoint=http://AKID:secret@host', 'credentials do not belong in the URL'],
    ['s3://bucket?endpoint=http://host/path', 'endpoint is a scheme, host and port only'],
    ['s3://bucket?region=EU_WEST', 'invalid region'],
    ['s3://bucket?path_style=yes', 'path_style is true or false'],
    ['s3://bucket?pathstyle=true', 'unknown parameter "pathstyle"'],
    ['s3://bucket?__proto__=x', 'unknown parameter "__proto__"'],
    ['s3://bucket?constructor=x', 'unknown parameter "constructor"'],
    ['s3://bucket?region=a&region=b', 'parameter region given twice'],
    ['s3://bucket?redirect=yes', 'redirect is true or false'],
  ])('%j is a usage error: %s', (url, message) => {
    const e = catchHarborError(() => parseStorageUrl(url, CREDS), 'USAGE');
    expect(ERROR_CODES[e.code].exit).toBe(ExitCode.usage);
    expect(e.message).toContain(message);
    expect(e.message).toContain('expected file:DIR or s3://');
    expect(e.message).not.toContain('secret');
  });

  test('S3 without credentials in the environment is a usage error naming the variables', () => {
    for (const env of [{}, { AWS_ACCESS_KEY_ID: 'AKID' }, { AWS_SECRET_ACCESS_KEY: 'shh' }]) {
      const e = catchHarborError(() => parseStorageUrl('s3://bucket', env), 'USAGE');
      expect(e.message).toContain('needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
      expect(e.message).not.toContain('shh');
    }
  });
});
