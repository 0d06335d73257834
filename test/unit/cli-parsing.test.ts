// Pure parsing the CLI does before any network call: sizes, artifact references, servers, roles, pages.
import { describe, expect, test } from 'vitest';
import { formatSize, parseSize } from '../../src/core/sizes.js';
import { formatRef, parseArtifactRef, referenceOf } from '../../src/oci/reference.js';
import { contextName, normalizeServer } from '../../src/cli/config.js';
import { pageOptions, parseRole, roleName } from '../../src/cli/commands/common.js';
import { catchHarborError } from './helpers.js';

describe('parseSize', () => {
  test.each([
    ['10GiB', 10 * 2 ** 30], ['10gib', 10 * 2 ** 30], ['500MB', 500e6], ['1.5TiB', 1.5 * 2 ** 40], ['1024', 1024], ['0', 0],
    ['2 KiB', 2048], ['1G', 1e9], ['-1', -1], ['unlimited', -1],
  ])('%s → %d bytes', (s, n) => expect(parseSize(s)).toBe(n));

  test.each(['', 'GiB', '10XB', '-5GiB', '1e3', 'ten', '10constructor', '1toString', '5valueOf'])('%j is a usage error', (s) => {
    const e = catchHarborError(() => parseSize(s), 'USAGE');
    expect(e.code).toBe('USAGE');
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain('invalid size');
  });

  test('formatSize', () => {
    expect(formatSize(512)).toBe('512 B');
    expect(formatSize(1536)).toBe('1.5 KiB');
    expect(formatSize(10 * 2 ** 30)).toBe('10 GiB');
    expect(formatSize(-1)).toBe('unlimited');
  });
});

describe('parseArtifactRef', () => {
  test.each([
    ['library/alpine', { project: 'library', repo: 'alpine' }],
    ['library/alpine:3.20', { project: 'library', repo: 'alpine', tag: '3.20' }],
    ['team-a/tools/busybox:latest', { project: 'team-a', repo: 'tools/busybox', tag: 'latest' }],
    ['harbor.example.com/library/alpine:3', { host: 'harbor.example.com', project: 'library', repo: 'alpine', tag: '3' }],
    ['127.0.0.1:5280/library/alpine@sha256:abababababababababababababababababababababababababababababababab', { host: '127.0.0.1:5280', project: 'library', repo: 'alpine', digest: 'sha256:abababababababababababababababababababababababababababababababab' }],
    // An algorithm without a registered length is taken as written.
    ['p/r@sha999:abcd', { project: 'p', repo: 'r', digest: 'sha999:abcd' }],
    ['localhost/p/r', { host: 'localhost', project: 'p', repo: 'r' }],
    // Two components: a dotted first one is a project, not a host.
    ['my.team/app:1', { project: 'my.team', repo: 'app', tag: '1' }],
  ])('%s', (s, want) => expect(parseArtifactRef(s)).toEqual({ host: undefined, tag: undefined, digest: undefined, ...want }));

  test('required and forbidden references', () => {
    expect(referenceOf(parseArtifactRef('p/r:t@sha256:abababababababababababababababababababababababababababababababab', { reference: 'required' }))).toBe('sha256:abababababababababababababababababababababababababababababababab');
    expect(catchHarborError(() => parseArtifactRef('p/r', { reference: 'required' }), 'USAGE').message).toBe('"p/r" names no artifact: add :TAG or @DIGEST');
    expect(catchHarborError(() => parseArtifactRef('p/r:1', { reference: 'forbidden' }), 'USAGE').message).toBe('"p/r:1" must name a repository, without :TAG or @DIGEST');
  });

  test.each(['alpine', 'Library/alpine', 'p/r:-bad', 'p/r@nodigest', '/p/r', 'p//r', 'p/r@sha256:abcd', `p/r@sha256:${'AB'.repeat(32)}`, `p/r@sha512:${'ab'.repeat(32)}`])('%j is a usage error', (s) => {
    const e = catchHarborError(() => parseArtifactRef(s), 'USAGE');
    expect(e.exitCode).toBe(2);
  });

  test('formatRef', () => {
    expect(formatRef({ project: 'p', repo: 'a/b', tag: 't' })).toBe('p/a/b:t');
    expect(formatRef({ project: 'p', repo: 'r', digest: 'sha256:1' })).toBe('p/r@sha256:1');
  });
});

describe('servers and contexts', () => {
  test.each([
    ['harbor.example.com', 'https://harbor.example.com'],
    ['harbor.example.com:8443/', 'https://harbor.example.com:8443'],
    ['127.0.0.1:5280', 'http://127.0.0.1:5280'],
    ['localhost:5280', 'http://localhost:5280'],
    ['[::1]:5280', 'http://[::1]:5280'],
    ['http://10.0.0.1', 'http://10.0.0.1'],
    ['HTTPS://Harbor.Example.com', 'https://harbor.example.com'],
  ])('normalizeServer(%s) = %s', (s, want) => expect(normalizeServer(s)).toBe(want));

  test('credentials in the URL and other schemes are refused', () => {
    expect(catchHarborError(() => normalizeServer('https://u:p@h'), 'USAGE').message).toContain('not in the server URL');
    expect(catchHarborError(() => normalizeServer('ftp://h'), 'USAGE').code).toBe('USAGE');
  });

  test('contextName is user@host', () => {
    expect(contextName('https://harbor.example.com:8443', 'alice')).toBe('alice@harbor.example.com:8443');
  });
});

describe('roles and pages', () => {
  test.each([['admin', 1], ['projectAdmin', 1], ['developer', 2], ['guest', 3], ['maintainer', 4], ['limited-guest', 5], ['limited_guest', 5], ['3', 3]])(
    'parseRole(%s) = %d', (s, id) => expect(parseRole(s)).toBe(id));

  test('unknown roles list the valid ones', () => {
    expect(catchHarborError(() => parseRole('owner'), 'USAGE').message).toBe('invalid role "owner": admin, developer, guest, maintainer, limited-guest (or 1-5)');
    expect(roleName(4)).toBe('maintainer');
  });

  test('page options', () => {
    expect(pageOptions({})).toEqual({ page: 1, pageSize: 10 });
    expect(pageOptions({ page: '3', pageSize: '0' })).toEqual({ page: 3, pageSize: 0 });
    expect(catchHarborError(() => pageOptions({ pageSize: '101' }), 'USAGE').message).toBe('invalid --page-size "101": 1 to 100, or 0 for every page');
    expect(catchHarborError(() => pageOptions({ page: '0' }), 'USAGE').code).toBe('USAGE');
    expect(catchHarborError(() => pageOptions({ pageSize: 'x' }), 'USAGE').code).toBe('USAGE');
  });
});
