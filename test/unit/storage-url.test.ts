// `serve --storage URL`: the accepted forms, and a usage error (exit 2) for each bad one that never
// repeats the URL (it could carry a secret).
import { describe, expect, test } from 'vitest';
import { ERROR_CODES, ExitCode } from '../../src/core/errors.js';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { HarborError } from '../../src/core/errors.js';
import { parseStorageUrl, readCredentialsFile } from '../../src/storage/blobs/config.js';
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

describe('s3://...?credentials_file=PATH (AWS shared credentials format)', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'harborctl-s3creds-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  async function credsFile(name: string, text: string, mode = 0o600): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, text);
    await chmod(path, mode);
    return path;
  }

  test('the URL names the file (made absolute) and a profile, default "default"; then no environment is needed', () => {
    expect(parseStorageUrl('s3://bucket?credentials_file=rel/creds', {})).toMatchObject({ credentialsFile: { path: `${process.cwd()}/rel/creds`, profile: 'default' } });
    expect(parseStorageUrl('s3://bucket?credentials_file=/etc/hc/creds&profile=registry', {})).toMatchObject({ credentialsFile: { path: '/etc/hc/creds', profile: 'registry' } });
    for (const [url, message] of [['s3://bucket?credentials_file=', 'credentials_file needs a path'], ['s3://bucket?profile=x', 'profile goes with credentials_file'],
      ['s3://bucket?credentials_file=/x&profile=a%20b', 'invalid profile']]) {
      expect(catchHarborError(() => parseStorageUrl(url, {}), 'USAGE').message).toContain(message);
    }
  });

  test('a profile\'s keys are read: sections, comments, spaces, other profiles ignored', async () => {
    const path = await credsFile('good', [
      '# written by aws configure', '[other]', 'aws_access_key_id = OTHERKEY', 'aws_secret_access_key = othersecret', '',
      '[registry]', '; the registry\'s bucket user', '  aws_access_key_id=AKIDREGISTRY  ', 'AWS_SECRET_ACCESS_KEY = s3cr3t/with=equals', 'region = eu-west-1', '',
    ].join('\n'));
    expect(await readCredentialsFile(path, 'registry')).toEqual({ accessKeyId: 'AKIDREGISTRY', secretAccessKey: 's3cr3t/with=equals' });
    expect(await readCredentialsFile(path, 'other')).toEqual({ accessKeyId: 'OTHERKEY', secretAccessKey: 'othersecret' });
  });

  test('a file that group or others may read is refused with a clear line, never its contents', async () => {
    for (const mode of [0o644, 0o640, 0o604]) {
      const path = await credsFile(`open-${mode.toString(8)}`, '[default]\naws_access_key_id = AKID\naws_secret_access_key = topsecret\n', mode);
      const e = await readCredentialsFile(path, 'default').then(() => null, (x: unknown) => x);
      expect(e).toBeInstanceOf(HarborError);
      expect((e as HarborError).code).toBe('USAGE');
      expect((e as HarborError).message).toBe(`--storage: credentials_file ${path}: readable by others (mode 0${mode.toString(8)}): chmod 600 it`);
    }
  });

  test('a missing file, a directory, a profile without both keys, a __proto__ profile: usage errors that show no value', async () => {
    const half = await credsFile('half', '[default]\naws_access_key_id = AKIDONLY\n[__proto__]\naws_secret_access_key = protosecret\n');
    const cases: [string, string, string][] = [
      [join(dir, 'missing'), 'default', 'cannot be read (ENOENT)'],
      [half, 'default', 'profile [default] has no aws_access_key_id and aws_secret_access_key'],
      [half, '__proto__', 'profile [__proto__] has no'],
    ];
    for (const [path, profile, message] of cases) {
      const e = await readCredentialsFile(path, profile).then(() => null, (x: unknown) => x) as HarborError;
      expect(e.code).toBe('USAGE');
      expect(e.message).toContain(message);
      expect(e.message).not.toMatch(/AKIDONLY|protosecret/);
    }
    await chmod(dir, 0o700);
    const d = await readCredentialsFile(dir, 'default').then(() => null, (x: unknown) => x) as HarborError;
    expect(d.message).toContain('not a regular file');
  });
});
