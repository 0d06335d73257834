// The order `harborctl migrate` copies tables in (storage/meta/copy.ts): every table after the
// tables its foreign keys point at, so each INSERT finds its parents already there.
import { describe, expect, test } from 'vitest';
import { fkOrder } from '../../src/storage/meta/copy.js';

describe('fkOrder', () => {
  test('parents come before children, whatever order the catalog lists them in; ties by name', () => {
    const refs = [
      { child: 'repository_tags', parent: 'manifests' }, { child: 'repository_tags', parent: 'repositories' },
      { child: 'manifests', parent: 'repositories' }, { child: 'repositories', parent: 'projects' },
      { child: 'projects', parent: 'users' }, { child: 'projects', parent: 'registries' },
      { child: 'repository_blobs', parent: 'blobs' }, { child: 'repository_blobs', parent: 'repositories' },
    ];
    const tables = ['repository_tags', 'repository_blobs', 'manifests', 'repositories', 'projects', 'users', 'registries', 'blobs', 'configurations'];
    const order = fkOrder(tables, refs);
    expect(order).toEqual(['blobs', 'configurations', 'registries', 'users', 'projects', 'repositories', 'manifests', 'repository_blobs', 'repository_tags']);
    for (const { child, parent } of refs) expect(order.indexOf(parent), `${parent} before ${child}`).toBeLessThan(order.indexOf(child));
    expect(fkOrder([...tables].reverse(), [...refs].reverse())).toEqual(order);
  });

  test('a self-reference and a reference to a table not copied do not hold a table back', () => {
    expect(fkOrder(['b', 'a'], [{ child: 'a', parent: 'a' }, { child: 'b', parent: 'locks' }, { child: 'b', parent: 'a' }])).toEqual(['a', 'b']);
  });

  test('a cycle is an error that names its tables, not a guess', () => {
    expect(() => fkOrder(['a', 'b', 'c'], [{ child: 'a', parent: 'b' }, { child: 'b', parent: 'a' }])).toThrow('foreign keys form a cycle among a, b');
  });
});
