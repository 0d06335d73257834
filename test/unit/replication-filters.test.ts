// Replication's filters and Harbor's destination naming (flow/stage.go replaceNamespace, filter/artifact.go).
import { describe, expect, test } from 'vitest';
import {
  destinationRepository, imagesOnly, isImageManifest, matchesLabels, matchesName, parseFilters, passingTags,
} from '../../src/services/replication/filters.js';
import type { ReplicationFilter } from '../../src/storage/meta/index.js';

describe('destination namespace (dest_namespace_replace_count)', () => {
  test.each([
    [-1, 'n/image'], [0, 'n/a/b/c/image'], [1, 'n/b/c/image'], [2, 'n/c/image'], [3, 'n/image'],
  ])('a/b/c/image with namespace n and count %i → %s (Harbor\'s table)', (count, want) => {
    expect(destinationRepository('a/b/c/image', 'n', count)).toBe(want);
  });

  test('a count beyond the path components is refused, as Harbor does', () => {
    expect(() => destinationRepository('a/b/c/image', 'n', 4)).toThrow(/contains only 3 path components/);
  });

  test('no namespace keeps the name; a nested namespace is kept whole', () => {
    expect(destinationRepository('library/hello', '', -1)).toBe('library/hello');
    expect(destinationRepository('library/hello', 'x/y', -1)).toBe('x/y/hello');
    expect(destinationRepository('library/hello', 'x/y', 0)).toBe('x/y/library/hello');
  });

  test('the destination registry\'s path rule: at least two (Harbor, this registry) or exactly two', () => {
    expect(() => destinationRepository('hello', '', -1, 'atLeastTwo')).toThrow(/requires at least 2/);
    expect(destinationRepository('hello', 'lib', -1, 'atLeastTwo')).toBe('lib/hello');
    expect(() => destinationRepository('a/b/hello', '', -1, 'onlyTwo')).toThrow(/only supports 2/);
    expect(destinationRepository('a/b/hello', 'ns', -1, 'onlyTwo')).toBe('ns/hello');
  });
});

describe('filters', () => {
  const f = (...x: ReplicationFilter[]): ReplicationFilter[] => x;

  test('name: doublestar on the whole repository name', () => {
    expect(matchesName(f({ type: 'name', value: 'library/**' }), 'library/a/b')).toBe(true);
    expect(matchesName(f({ type: 'name', value: 'library/*' }), 'library/a/b')).toBe(false);
    expect(matchesName(f({ type: 'name', value: '{a,b}/app' }), 'b/app')).toBe(true);
    expect(matchesName([], 'anything')).toBe(true);
  });

  test('tag matches keeps only the matching tags; excludes drops them; an artifact with none left is out', () => {
    expect(passingTags(f({ type: 'tag', value: 'v1.*' }), ['v1.0', 'v2.0', 'latest'])).toEqual(['v1.0']);
    expect(passingTags(f({ type: 'tag', value: 'v1.*', decoration: 'excludes' }), ['v1.0', 'v2.0', 'latest'])).toEqual(['v2.0', 'latest']);
    expect(passingTags(f({ type: 'tag', value: 'v3*' }), ['v1.0'])).toBeNull();
    expect(passingTags([], ['a'])).toEqual(['a']);
  });

  test('an untagged artifact is judged on the empty string, as Harbor does', () => {
    expect(passingTags(f({ type: 'tag', value: '**' }), [])).toEqual([]);
    expect(passingTags(f({ type: 'tag', value: 'v*' }), [])).toBeNull();
    expect(passingTags(f({ type: 'tag', value: 'v*', decoration: 'excludes' }), [])).toEqual([]);
  });

  test('label: every named label must be there; excludes takes the others', () => {
    const prod = f({ type: 'label', value: ['prod', 'eu'] });
    expect(matchesLabels(prod, ['eu', 'prod', 'x'])).toBe(true);
    expect(matchesLabels(prod, ['prod'])).toBe(false);
    const not = f({ type: 'label', value: ['prod'], decoration: 'excludes' });
    expect(matchesLabels(not, ['prod'])).toBe(false);
    expect(matchesLabels(not, [])).toBe(true);
  });

  test('resource: image takes images and indexes, not other artifacts', () => {
    expect(imagesOnly(f({ type: 'resource', value: 'image' }))).toBe(true);
    expect(imagesOnly(f({ type: 'resource', value: 'artifact' }))).toBe(false);
    const manifest = (o: object): Buffer => Buffer.from(JSON.stringify(o));
    expect(isImageManifest('application/vnd.oci.image.index.v1+json', manifest({}))).toBe(true);
    expect(isImageManifest('application/vnd.oci.image.manifest.v1+json', manifest({ config: { mediaType: 'application/vnd.oci.image.config.v1+json' } }))).toBe(true);
    expect(isImageManifest('application/vnd.oci.image.manifest.v1+json', manifest({ artifactType: 'application/x', config: { mediaType: 'application/vnd.oci.empty.v1+json' } }))).toBe(false);
    expect(isImageManifest('application/vnd.oci.image.manifest.v1+json', manifest({ config: { mediaType: 'application/vnd.cncf.helm.config.v1+json' } }))).toBe(false);
  });

  test('parseFilters checks types, values and decorations as Harbor\'s Filter.Validate', () => {
    expect(parseFilters([{ type: 'name', value: 'a/**' }, { type: 'tag', value: 'v*', decoration: 'excludes' }, { type: 'label', value: ['x'] }]))
      .toEqual([{ type: 'name', value: 'a/**' }, { type: 'tag', value: 'v*', decoration: 'excludes' }, { type: 'label', value: ['x'] }]);
    expect(parseFilters(null)).toEqual([]);
    for (const bad of [
      [{ type: 'x', value: 'a' }], [{ type: 'name', value: 1 }], [{ type: 'name', value: 'a', decoration: 'excludes' }],
      [{ type: 'tag', value: 'a', decoration: 'maybe' }], [{ type: 'label', value: 'a' }], [{ type: 'resource', value: 'chart' }],
      [{ type: 'name', value: 'a' }, { type: 'name', value: 'b' }], [{ type: 'name', value: 'x'.repeat(300) }], [null], 'name', [{ type: '__proto__', value: 'a' }],
    ]) {
      expect(() => parseFilters(bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    }
  });
});
