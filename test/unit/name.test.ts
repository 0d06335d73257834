import { describe, expect, test } from 'vitest';
import { MAX_NAME_LENGTH, isValidProjectName, isValidTag, parseRepositoryName } from '../../src/oci/name.js';
import { catchHarborError } from './helpers.js';

describe('parseRepositoryName', () => {
  test.each([
    ['library/nginx', 'library', 'nginx'],
    ['proj/team/app', 'proj', 'team/app'],
    ['a/b/c/d/e', 'a', 'b/c/d/e'],
    ['p/with.dot', 'p', 'with.dot'],
    ['p/with_underscore', 'p', 'with_underscore'],
    ['p/with__double', 'p', 'with__double'],
    ['p/with-dash', 'p', 'with-dash'],
    ['p/with---dashes', 'p', 'with---dashes'],
    ['p0/r1', 'p0', 'r1'],
    ['1/2', '1', '2'],
  ])('accepts %s', (name, project, repo) => {
    expect(parseRepositoryName(name)).toEqual({ name, project, repo });
  });

  test.each([
    ['upper case', 'library/Nginx'],
    ['upper-case project', 'Library/nginx'],
    ['a .. component', 'proj/../etc'],
    ['dots inside a component', 'proj/a..b'],
    ['an empty component (//)', 'proj//app'],
    ['a trailing slash', 'proj/app/'],
    ['a leading slash', '/proj/app'],
    ['no project part', 'nginx'],
    ['three underscores', 'proj/a___b'],
    ['mixed separators', 'proj/a._b'],
    ['a leading separator', 'proj/-app'],
    ['a trailing separator', 'proj/app-'],
    ['a leading dot', 'proj/.app'],
    ['a space', 'proj/my app'],
    ['a colon', 'proj/app:tag'],
    ['an at sign', 'proj/app@sha256'],
    ['a backslash', 'proj\\app'],
    ['empty', ''],
  ])('refuses %s', (_what, name) => {
    const e = catchHarborError(() => parseRepositoryName(name), 'NAME_INVALID');
    expect(e.status).toBe(400);
  });

  test('accepts 255 characters and refuses 256', () => {
    expect(MAX_NAME_LENGTH).toBe(255);
    const ok = `p/${'a'.repeat(253)}`;
    expect(ok.length).toBe(255);
    expect(parseRepositoryName(ok).repo).toHaveLength(253);
    const tooLong = `p/${'a'.repeat(254)}`;
    expect(tooLong.length).toBe(256);
    catchHarborError(() => parseRepositoryName(tooLong), 'NAME_INVALID');
  });
});

describe('isValidTag', () => {
  test.each(['latest', 'v1.0.0', '1', '_private', 'A-b.C_d', 'x'.repeat(128), 'sha256-abc.sig'])('accepts %s', (t) => {
    expect(isValidTag(t)).toBe(true);
  });

  test.each(['', 'x'.repeat(129), '.hidden', '-dash', 'a:b', 'a/b', 'a b', 'tag\n', 'ünicode', 'a@b'])('refuses %j', (t) => {
    expect(isValidTag(t)).toBe(false);
  });
});

describe('isValidProjectName', () => {
  test.each(['library', 'my-project', 'a.b_c', '0', 'x'.repeat(255)])('accepts %s', (p) => {
    expect(isValidProjectName(p)).toBe(true);
  });

  test.each(['', 'x'.repeat(256), 'Upper', '-lead', 'trail-', 'a--b', 'a..b', 'a/b', 'a b', '.'])('refuses %j', (p) => {
    expect(isValidProjectName(p)).toBe(false);
  });
});
