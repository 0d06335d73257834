// The doublestar matcher of Harbor's rule selectors (bmatcuk/doublestar v1 semantics).
import { describe, expect, test } from 'vitest';
import { compileGlob } from '../../src/core/doublestar.js';
import { tagSelects, type Selector } from '../../src/services/selectors.js';

const m = (p: string, s: string): boolean => compileGlob(p)(s);

describe('doublestar', () => {
  test('*, ?, classes and escapes stay within a path segment', () => {
    expect(m('v*', 'v1.2')).toBe(true);
    expect(m('v*', 'x1')).toBe(false);
    expect(m('*', 'a/b')).toBe(false);
    expect(m('a/*', 'a/b')).toBe(true);
    expect(m('v?', 'v1')).toBe(true);
    expect(m('v?', 'v/')).toBe(false);
    expect(m('[a-c]x', 'bx')).toBe(true);
    expect(m('[!a-c]x', 'bx')).toBe(false);
    expect(m('[^a-c]x', 'dx')).toBe(true);
    expect(m('\\*', '*')).toBe(true);
    expect(m('\\*', 'a')).toBe(false);
  });

  test('** spans segments, none included; {a,b} alternatives nest', () => {
    expect(m('**', 'a/b/c')).toBe(true);
    expect(m('**', '')).toBe(true);
    expect(m('a/**', 'a/b/c')).toBe(true);
    expect(m('**/c', 'c')).toBe(true);
    expect(m('**/c', 'a/b/c')).toBe(true);
    expect(m('a/**/c', 'a/c')).toBe(true);
    expect(m('a/**/c', 'a/x/y/c')).toBe(true);
    expect(m('a/**/c', 'a/x/y/d')).toBe(false);
    expect(m('{app,web}/**', 'web/x')).toBe(true);
    expect(m('{app,w{e,i}b}', 'wib')).toBe(true);
    expect(m('{app,w{e,i}b}', 'wob')).toBe(false);
    expect(m('', 'anything')).toBe(true);
  });

  test('hostile patterns: bounded and fast (no backtracking blow-up)', () => {
    expect(m('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(200))).toBe(false);
    expect(() => compileGlob('{a,b}'.repeat(8))).toThrow(/alternatives/);
    expect(() => compileGlob('x'.repeat(257))).toThrow(/longer/);
    expect(() => compileGlob('{a')).toThrow(/unbalanced/);
    expect(() => compileGlob('[a')).toThrow(/unbalanced/);
  });

  test('tag selectors: matches/excludes, and untagged per extras or Harbor default', () => {
    const s = (decoration: string, extras = ''): Selector => ({ kind: 'doublestar', decoration, pattern: 'v*', extras });
    expect(tagSelects(s('matches'), ['v1', 'dev'])).toBe(true);
    expect(tagSelects(s('matches'), ['dev'])).toBe(false);
    expect(tagSelects(s('excludes'), ['v1'])).toBe(false);
    expect(tagSelects(s('excludes'), ['v1', 'dev'])).toBe(true);
    expect(tagSelects(s('matches'), [])).toBe(true);
    expect(tagSelects(s('matches', '{"untagged":false}'), [])).toBe(false);
    expect(tagSelects(s('excludes'), [])).toBe(true);
    expect(tagSelects(s('excludes', '{"untagged":true}'), [])).toBe(false);
  });
});
